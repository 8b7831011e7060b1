"""A dbt project holding only the connected_components materialization and one model over a
table `edges_in.edges (from_node_key, to_node_key)`: what the identity graph's components run on,
without the rest of the warehouse. Used by bench/identity_graph.py and its tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from ingestion.settings import PROJECT_ROOT

MACRO = PROJECT_ROOT / "dbt_project" / "macros" / "identity" / "connected_components.sql"
EDGES_SCHEMA = "edges_in"


def write_components_project(root: Path, model_config: str = "") -> Path:
    """`model_config`: more arguments for the model's config(), e.g. "node_id_bits=4"."""
    (root / "macros").mkdir(parents=True, exist_ok=True)
    (root / "models").mkdir(exist_ok=True)
    shutil.copy(MACRO, root / "macros" / MACRO.name)
    (root / "dbt_project.yml").write_text(
        "name: cc_test\nversion: '1.0'\nconfig-version: 2\nprofile: fugou\n"
        "flags:\n  send_anonymous_usage_stats: false\n",
        encoding="utf-8",
    )
    (root / "models" / "sources.yml").write_text(
        f"version: 2\nsources:\n  - name: graph\n    schema: {EDGES_SCHEMA}\n    tables:\n"
        "      - name: edges\n",
        encoding="utf-8",
    )
    config_args = "materialized='connected_components'" + (
        f", {model_config}" if model_config else ""
    )
    (root / "models" / "components.sql").write_text(
        f"{{{{ config({config_args}) }}}}\n"
        "select from_node_key, to_node_key from {{ source('graph', 'edges') }}\n",
        encoding="utf-8",
    )
    return root
