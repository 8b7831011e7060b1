"""A GX suite's outcome as a Dagster asset check result, for every domain's checks."""

import dagster as dg

from expectations.runner import SuiteOutcome


def suite_check_result(
    outcome: SuiteOutcome,
    rows: int,
    log=None,
    why_it_matters: str = "",
    metadata: dict | None = None,
) -> dg.AssetCheckResult:
    """Passed or not, with every failed expectation named, its count and a few example keys,
    in the metadata and in the run's log (a failure said only "did not pass")."""
    failed = [
        f"{o.expectation} on {o.column}: {o.unexpected_count} unexpected"
        + (f" (e.g. {', '.join(o.examples)})" if o.examples else "")
        for o in outcome.failed
    ]
    summary = (
        f"GX suite {outcome.suite}: {len(failed)} of {len(outcome.outcomes)} expectations "
        f"failed on {rows} rows: " + "; ".join(failed)
        if failed
        else f"GX suite {outcome.suite}: all {len(outcome.outcomes)} expectations passed"
    )
    if failed and why_it_matters:
        summary += f". {why_it_matters}"
    if failed and log is not None:
        log.error(summary)
    return dg.AssetCheckResult(
        passed=outcome.success,
        description=summary,
        metadata={
            "rows_validated": rows,
            "expectations": len(outcome.outcomes),
            "failed": dg.MetadataValue.md("\n".join(f"- {f}" for f in failed) or "none"),
            **(metadata or {}),
        },
    )
