import dagster as dg
from dagster_dbt import DbtCliResource

from dagster_project.defs.transform.assets import fugou_dbt_models
from dagster_project.defs.transform.project import fugou_dbt_project

defs = dg.Definitions(
    assets=[fugou_dbt_models],
    resources={"dbt": DbtCliResource(project_dir=fugou_dbt_project)},
)
