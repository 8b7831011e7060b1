import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from dagster_project.defs.transform.assets import fugou_activation_models, fugou_dbt_models
from dagster_project.defs.transform.project import fugou_dbt_project

# The dbt that sits beside this Python, whatever PATH the Dagster process was started with.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


class FugouDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource without the dbt adapter it opens in the Dagster process before
    every dbt command (1.6 s for a night's first dbt step, 0.7 s for its second, timed alone),
    there only to fetch column and row-count metadata on request, which Fugou never asks for
    (it writes its own: table_metadata). dagster-dbt runs without it when opening it fails."""

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002
        return None


defs = dg.Definitions(
    assets=[fugou_dbt_models, fugou_activation_models],
    resources={"dbt": FugouDbtCli(project_dir=fugou_dbt_project, dbt_executable=DBT_EXECUTABLE)},
)
