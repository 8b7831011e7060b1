import dagster as dg

from dagster_project.defs.feedback.assets import feedback_text_keywords

defs = dg.Definitions(assets=[feedback_text_keywords])
