"""The operator's dashboard: the marts drawn as one self-contained page, Chinese first."""
