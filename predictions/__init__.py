"""Customer-value models fitted in Python (BG/NBD, Gamma-Gamma) and what they predict.

Pure numpy/scipy/pandas: arrays and frames in, arrays and frames out, no warehouse here. The
Dagster assets in `dagster_project/defs/predictions/` read the marts, call these and write the
prediction tables (declared as dbt sources).
"""
