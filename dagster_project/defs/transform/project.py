"""The dbt project, kept in its own module: dagster-dbt reads target/manifest.json at import time,
which the set-up script prepares (`dbt parse`) before Dagster starts."""

from pathlib import Path

from dagster_dbt import DbtProject

from ingestion.settings import PROJECT_ROOT

fugou_dbt_project = DbtProject(
    project_dir=PROJECT_ROOT / "dbt_project",
    profiles_dir=PROJECT_ROOT,
)
fugou_dbt_project.prepare_if_dev()

MANIFEST_PATH: Path = fugou_dbt_project.manifest_path
