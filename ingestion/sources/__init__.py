"""Source families Fugou reads, and how a landed file is matched to one of them.

A CSV file is one export of one family. A workbook (`.xlsx`) or an API dump (`.json`) is a
document of several parts (sheets; trades, their orders and refunds), each read as an export of
its own family; `read_document` splits it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingestion.sources import activation, erp_orders, social, top_api
from ingestion.sources.csv_reading import BadLine, Record
from ingestion.sources.douyin import DOUYIN_ORDERS
from ingestion.sources.erp import PRODUCTS
from ingestion.sources.erp_after_sales import AFTER_SALES
from ingestion.sources.loyalty import MEMBERS, POINTS_LEDGER, SURVEY_RESPONSES
from ingestion.sources.spec import FileRejected, FileSpec, matches_header, read_header
from ingestion.sources.taobao_exports import (
    ORDER_LINES,
    ORDERS,
    QIANNIU_ORDERS_SHEET,
    REFUNDS,
    SHIPMENTS,
)
from ingestion.sources.workbooks import read_workbook

CSV_SPECS: tuple[FileSpec, ...] = (
    ORDERS,
    ORDER_LINES,
    REFUNDS,
    SHIPMENTS,
    PRODUCTS,
    erp_orders.WDT_ORDERS,
    erp_orders.WDT_OUTBOUND,
    AFTER_SALES,
    *erp_orders.load_maps(),
    DOUYIN_ORDERS,
    MEMBERS,
    POINTS_LEDGER,
    SURVEY_RESPONSES,
    *activation.SPECS,
)
# Every family (the rules for whole files live on its spec); several may share a raw table.
SPECS: tuple[FileSpec, ...] = (
    *CSV_SPECS,
    *top_api.SPECS,
    erp_orders.JST_ORDERS,
    *social.SPECS,
)
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}
# One description per raw table, for the Dagster assets and docs.
RAW_TABLES: dict[str, str] = {}
for _spec in SPECS:
    RAW_TABLES.setdefault(_spec.table, _spec.description)
RAW_TABLES["erp_order_lines"] = "ERP order lines of every ERP (旺店通, 聚水潭, YAML-mapped others)"
DOCUMENT_SUFFIXES = (".xlsx", ".json", ".jsonl")
SUPPORTED_SUFFIXES = (".csv", *DOCUMENT_SUFFIXES)
# Sheet names of the 千牛 workbook (shared/formats 1.1 Gen E).
SHEET_SPECS = {"订单报表": QIANNIU_ORDERS_SHEET, "销售明细": ORDER_LINES, "发货报表": SHIPMENTS}


@dataclass
class Part:
    """One export inside a document: its label (sheet or member), family and records."""

    label: str
    spec: FileSpec | None  # None: not recognised; its rows are quarantined
    generation: str | None
    records: Iterator[Record | BadLine]  # the header first


def detect_spec(path: Path) -> FileSpec | None:
    """By file-name prefix first (how shops and importers route exports), then by header.

    A name can mislead: the 2023+ 千牛 sub-order export keeps the name ExportOrderList but has
    the 宝贝报表 columns, so a named family whose required columns the header lacks gives way to
    one whose columns it has (and is kept, for its clear rejection, when none has).
    """
    named = [s for s in CSV_SPECS if any(path.name.startswith(p) for p in s.name_prefixes)]
    _, header = read_header(path)
    if header is None:
        return named[0] if named else None
    others = [s for s in CSV_SPECS if s not in named and s.detect_by_header]
    found = next((s for s in (*named, *others) if matches_header(s, header)), None)
    return found or (named[0] if named else None)


def is_document(path: Path) -> bool:
    """A workbook or JSON dump. A file named .xlsx that is not a zip (a CSV saved under the
    wrong name, which shops do) is read as the CSV it is."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":  # a zip by its first bytes, even one cut short
        with path.open("rb") as handle:
            return handle.read(2) == b"PK"
    return suffix in DOCUMENT_SUFFIXES


def read_document(path: Path) -> Iterable[Part]:
    """The parts of a workbook or JSON dump. Raises FileRejected when it cannot be read at all.
    A workbook's sheets come one at a time: go through a part's records before the next part."""
    if path.suffix.lower() == ".xlsx":
        return (Part(*p) for p in read_workbook(path, SHEET_SPECS, CSV_SPECS))
    try:
        with path.open(encoding="utf-8-sig") as handle:
            head = handle.read(1 << 16)
    except UnicodeDecodeError:
        raise FileRejected("a JSON file must be UTF-8") from None
    kind = _json_kind(head, path)
    if kind == "top":
        return [Part(*p) for p in top_api.read_top_dump(path)]
    if kind == "jst":
        return [Part(*p) for p in erp_orders.read_jst_dump(path)]
    if kind == "wecom":
        return [Part(*p) for p in social.read_wecom_dump(path)]
    if kind == "wechat":
        return [Part(*p) for p in social.read_wechat_dump(path)]
    raise FileRejected(
        "not a recognised JSON export (expected a TOP API, 聚水潭, WeCom external contact or "
        "WeChat follower response dump)"
    )


def _json_kind(head: str, path: Path) -> str | None:
    """By the markers in the first 64 KB, else by the shape of the first response (the first
    line of JSON Lines, or the whole of a single document, once it is not a 聚水潭 query)."""
    if any(m in head for m in ('"trades_sold_', '"refunds_receive_get_response"')):
        return "top"
    with path.open(encoding="utf-8-sig") as handle:
        first_line = handle.readline()
        try:
            document = json.loads(first_line)
        except json.JSONDecodeError:
            if erp_orders.starts_like_jst_document(path):  # not parsed whole: it can be huge
                return "jst"
            try:
                document = json.loads(first_line + handle.read())
            except json.JSONDecodeError:
                return None
    first = document[0] if isinstance(document, list) and document else document
    if erp_orders.looks_like_jst(first):
        return "jst"
    if social.looks_like_wecom(first):
        return "wecom"
    if social.looks_like_wechat(first):
        return "wechat"
    if top_api.looks_like_top_dump(document):
        return "top"
    return None
