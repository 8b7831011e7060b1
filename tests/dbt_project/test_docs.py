"""`dbt docs` opens on Fugou's own overview, not dbt's "Welcome!" page."""

import json

from dagster_project.defs.transform.project import MANIFEST_PATH


def test_the_docs_site_opens_on_fugous_overview():
    docs = json.loads(MANIFEST_PATH.read_text())["docs"]
    (overview,) = [
        d for d in docs.values() if d["name"] == "__overview__" and d["package_name"] == "fugou"
    ]
    assert overview["block_contents"].startswith("# Fugou 复购")
    assert "重要价值客户" in overview["block_contents"]
