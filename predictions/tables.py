"""The shapes of the tables Python assets write, read from their dbt source declarations.

`_predictions__sources.yml` (the model fits), `_cross_sell__sources.yml` (the recommendations and
their evaluation) and `_feedback__sources.yml` (keywords found in feedback text) document every column for the docs and the BI layer; reading the columns and
types from them here means the table the writer creates and the table the docs describe cannot
drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd
import yaml

from ingestion.settings import PROJECT_ROOT

_MARTS = PROJECT_ROOT / "dbt_project" / "models" / "marts"
SOURCES_FILES = (
    _MARTS / "predictions" / "_predictions__sources.yml",
    _MARTS / "predictions" / "_cross_sell__sources.yml",
    _MARTS / "feedback" / "_feedback__sources.yml",
)


@dataclass(frozen=True)
class TableSpec:
    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, portable SQL type)
    # Rows whose values in these columns appear in a new frame are replaced by it; without
    # them the whole table is replaced.
    replace_rows_by: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def conform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame's columns in the declared order; an extra or missing column is a bug."""
        missing = [c for c in self.column_names if c not in frame.columns]
        extra = [c for c in frame.columns if c not in self.column_names]
        if missing or extra:
            raise ValueError(
                f"{self.schema}.{self.name}: frame does not match its dbt source: "
                f"missing {missing}, not declared {extra}"
            )
        return frame[self.column_names]


@cache
def _declared() -> dict[str, TableSpec]:
    specs = {}
    for path in SOURCES_FILES:
        specs.update(_declared_in(path))
    return specs


def _declared_in(path) -> dict[str, TableSpec]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = {}
    for source in document["sources"]:
        for table in source["tables"]:
            specs[table["name"]] = TableSpec(
                schema=source["schema"],
                name=table["name"],
                columns=tuple((c["name"], c["data_type"]) for c in table["columns"]),
                replace_rows_by=tuple(table.get("meta", {}).get("replace_rows_by", ())),
            )
    return specs


def table(name: str) -> TableSpec:
    return _declared()[name]


def declared_names() -> list[str]:
    """Every table a Python asset writes, as its source declares it."""
    return sorted(_declared())
