"""A GX suite's outcome as a Dagster asset check result, for every domain's checks."""

import dagster as dg

from expectations.runner import SuiteOutcome


def suite_check_result(outcome: SuiteOutcome, rows: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=outcome.success,
        metadata={
            "rows_validated": rows,
            "expectations": len(outcome.outcomes),
            "failed": dg.MetadataValue.md(
                "\n".join(
                    f"- {o.expectation} on {o.column}: {o.unexpected_count} unexpected"
                    for o in outcome.failed
                )
                or "none"
            ),
        },
    )
