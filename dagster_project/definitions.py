"""Fugou's code location: the domains' definitions, merged."""

import dagster as dg

from dagster_project.defs.activation import definitions as activation
from dagster_project.defs.feedback import definitions as feedback
from dagster_project.defs.ingestion import definitions as ingestion
from dagster_project.defs.orchestration import definitions as orchestration
from dagster_project.defs.predictions import definitions as predictions
from dagster_project.defs.publishing import definitions as publishing
from dagster_project.defs.quality import definitions as quality
from dagster_project.defs.shared.warehouse import Warehouse
from dagster_project.defs.transform import definitions as transform

defs = dg.Definitions.merge(
    ingestion.defs,
    transform.defs,
    predictions.defs,
    feedback.defs,
    quality.defs,
    activation.defs,
    publishing.defs,
    orchestration.defs,
    dg.Definitions(resources={"warehouse": Warehouse()}),
)
