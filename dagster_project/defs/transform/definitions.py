import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from dagster_project.defs.transform.assets import fugou_activation_models, fugou_dbt_models
from dagster_project.defs.transform.project import fugou_dbt_project

# The dbt that sits beside this Python, whatever PATH the Dagster process was started with.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

defs = dg.Definitions(
    assets=[fugou_dbt_models, fugou_activation_models],
    resources={"dbt": DbtCliResource(project_dir=fugou_dbt_project, dbt_executable=DBT_EXECUTABLE)},
)
