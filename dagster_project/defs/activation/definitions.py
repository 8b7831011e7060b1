import dagster as dg

from dagster_project.defs.activation.assets import only_queued_actions_in_files, outbox

defs = dg.Definitions(assets=[outbox], asset_checks=[only_queued_actions_in_files])
