"""Fugou's Dagster code location: ingestion, dbt transforms, quality checks, the nightly job."""
