"""Great Expectations suites as code, one module per table they guard, run by Dagster checks.

GX 1.x's SQL datasource is broken on DuckDB (it fetches results after closing the connection),
so tables are validated as pandas frames read through DuckDB.
"""
