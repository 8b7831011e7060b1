"""Source families Fugou reads, and how a landed file is matched to one of them."""

from __future__ import annotations

from pathlib import Path

from ingestion.sources.erp import PRODUCTS
from ingestion.sources.spec import FileSpec, matches_header, read_header
from ingestion.sources.taobao_exports import ORDER_LINES, ORDERS, REFUNDS

SPECS: tuple[FileSpec, ...] = (ORDERS, ORDER_LINES, REFUNDS, PRODUCTS)
SPEC_BY_TABLE = {spec.table: spec for spec in SPECS}
SUPPORTED_SUFFIXES = (".csv",)


def detect_spec(path: Path) -> FileSpec | None:
    """By file-name prefix first (how shops and importers route exports), then by header."""
    for spec in SPECS:
        if any(path.name.startswith(prefix) for prefix in spec.name_prefixes):
            return spec
    _, header = read_header(path)
    if header is None:
        return None
    return next((spec for spec in SPECS if matches_header(spec, header)), None)
