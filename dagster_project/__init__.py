"""Fugou's Dagster code location: ingestion, dbt transforms, quality checks, the nightly job."""

from ingestion.settings import disable_telemetry

# Before dbt and Great Expectations read their switches, however the process started.
disable_telemetry()
