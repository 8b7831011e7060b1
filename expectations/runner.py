"""Validate a DataFrame against a suite in an ephemeral GX context (nothing written to disk)."""

from __future__ import annotations

from dataclasses import dataclass

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import ProgressBarsConfig


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    success: bool
    outcomes: list[ExpectationOutcome]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]


def validate(
    frame: pd.DataFrame, name: str, expectations: list[gx.expectations.Expectation]
) -> SuiteOutcome:
    """GX needs its context before a suite can be assembled, so the suite is built here."""
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
    result = batch.validate(suite)
    outcomes = [
        ExpectationOutcome(
            expectation=r.expectation_config.type,
            column=r.expectation_config.kwargs.get("column"),
            success=bool(r.success),
            unexpected_count=(r.result or {}).get("unexpected_count"),
        )
        for r in result.results
    ]
    return SuiteOutcome(suite.name, bool(result.success), outcomes)
