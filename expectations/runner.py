"""Validate a DataFrame against a suite in an ephemeral GX context (nothing written to disk)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # GX takes 3 s to import: only a check that runs pays it
    import great_expectations as gx


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None
    # Up to five failing rows, by the suite's key column (or the values, without a key).
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    success: bool
    outcomes: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def validate(
    frame: pd.DataFrame,
    name: str,
    expectations: list[gx.expectations.Expectation],
    key: str | None = None,
) -> SuiteOutcome:
    """GX needs its context before a suite can be assembled, so the suite is built here."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    suite = gx.ExpectationSuite(name=name)
    for expectation in expectations:
        suite.add_expectation(expectation)
    source = context.data_sources.add_pandas("fugou_warehouse")
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe("whole_table").get_batch(
        batch_parameters={"dataframe": frame}
    )
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": 5}
    if key is not None:
        result_format["unexpected_index_column_names"] = [key]
    result = batch.validate(suite, result_format=result_format)
    outcomes = [
        ExpectationOutcome(
            expectation=r.expectation_config.type,
            column=r.expectation_config.kwargs.get("column")
            or ", ".join(
                str(r.expectation_config.kwargs[c])
                for c in ("column_A", "column_B")
                if c in r.expectation_config.kwargs
            )
            or None,
            success=bool(r.success),
            unexpected_count=(r.result or {}).get("unexpected_count"),
            examples=_examples(r.result or {}, key),
        )
        for r in result.results
    ]
    return SuiteOutcome(suite.name, bool(result.success), outcomes)


def _examples(result: dict, key: str | None) -> tuple[str, ...]:
    if key is not None and result.get("partial_unexpected_index_list"):
        return tuple(str(row[key]) for row in result["partial_unexpected_index_list"][:5])
    return tuple(str(value) for value in (result.get("partial_unexpected_list") or [])[:5])
