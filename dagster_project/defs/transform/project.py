"""The dbt project, kept in its own module: dagster-dbt reads target/manifest.json at import time,
which the set-up script prepares (`dbt parse`) before Dagster starts."""

from functools import cache
from pathlib import Path

import yaml
from dagster_dbt import DbtProject

from ingestion.settings import PROJECT_ROOT

fugou_dbt_project = DbtProject(
    project_dir=PROJECT_ROOT / "dbt_project",
    profiles_dir=PROJECT_ROOT,
)
fugou_dbt_project.prepare_if_dev()

MANIFEST_PATH: Path = fugou_dbt_project.manifest_path

# What the nightly `dbt build` leaves out. Unit tests check the models' logic on fixed inputs: the
# test suite runs them (its dbt builds on DuckDB and PostgreSQL), and a run on the shop's data
# would only repeat them (dbt's own advice: unit tests in development and CI, not production).
NIGHTLY_EXCLUDES = ("--exclude-resource-type", "unit_test")


@cache
def dbt_project_vars() -> dict:
    """The vars of dbt_project.yml, for the Python assets that must agree with a model (the
    cross-sell pairs method with product_pairs)."""
    document = yaml.safe_load((fugou_dbt_project.project_dir / "dbt_project.yml").read_text())
    return document.get("vars", {})
