"""Checks on what the loader did: nothing lost, and quarantined rows surfaced, not hidden."""

import dagster as dg

from dagster_project.defs.shared.warehouse import Warehouse


@dg.asset_check(
    asset=dg.AssetKey(["raw", "file_ledger"]),
    description="Every record of every file is either loaded or quarantined.",
    blocking=True,
)
def every_row_accounted_for(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        bad = con.execute("""
            select source_file, rows_in_file, rows_loaded, rows_quarantined
            from raw.file_ledger
            where rows_in_file <> rows_loaded + rows_quarantined
            order by source_file
        """).fetchall()
    return dg.AssetCheckResult(
        passed=not bad,
        metadata={"files_out_of_balance": dg.MetadataValue.json([list(map(str, r)) for r in bad])},
    )


@dg.asset_check(
    asset=dg.AssetKey(["raw", "quarantine"]),
    description="Quarantine is empty; when it is not, the reasons and counts say what to fix.",
)
def quarantine_is_empty(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        reasons = con.execute("""
            select source_file, regexp_replace(reason, '[0-9]{6,}', 'N', 'g') as reason, count(*)
            from raw.quarantine
            group by all
            order by 3 desc, 1, 2
            limit 20
        """).fetchall()
        total = con.execute("select count(*) from raw.quarantine").fetchone()[0]
    return dg.AssetCheckResult(
        passed=total == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "quarantined_rows": total,
            "top_reasons": dg.MetadataValue.md(
                "\n".join(f"- {f}: {r} ({n})" for f, r, n in reasons) or "none"
            ),
        },
    )


@dg.asset_check(
    asset=dg.AssetKey(["raw", "field_issues"]),
    description=(
        "No optional cell had to be loaded as NULL because it could not be read; when some "
        "were, the columns, reasons and counts say which (contact cells the exporter had "
        "already hashed are counted apart: expected, not an error)."
    ),
)
def no_unreadable_fields(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        reasons = con.execute("""
            select source_file, column_name, reason, count(*)
            from raw.field_issues
            where not is_pseudonymised
            group by all
            order by 4 desc, 1, 2, 3
            limit 20
        """).fetchall()
        nulled, hashed = con.execute("""
            select count(*) filter (where not is_pseudonymised),
                   count(*) filter (where is_pseudonymised)
            from raw.field_issues
        """).fetchone()
    return dg.AssetCheckResult(
        passed=nulled == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "cells_nulled": nulled,
            "cells_pseudonymised_by_exporter": hashed,
            "top_reasons": dg.MetadataValue.md(
                "\n".join(f"- {f} {c}: {r} ({n})" for f, c, r, n in reasons) or "none"
            ),
        },
    )


@dg.asset_check(
    asset=dg.AssetKey(["raw", "file_ledger"]),
    description=(
        "No landed file failed to load. A file whose reading raised (a bug, memory) keeps no "
        "rows and is tried again every run; the rest of the landing folder loads regardless."
    ),
)
def no_failed_files(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        failed = con.execute("""
            select source_file, message from raw.file_ledger
            where status = 'failed' order by source_file
        """).fetchall()
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "files_failed": len(failed),
            "files": dg.MetadataValue.md("\n".join(f"- {f}: {m}" for f, m in failed) or "none"),
        },
    )
