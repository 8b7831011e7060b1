import dagster as dg

from dagster_project.defs.publishing.assets import bi_marts

defs = dg.Definitions(assets=[bi_marts])
