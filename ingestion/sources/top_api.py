"""Taobao Open Platform (TOP) API dumps: `taobao.trades.sold.get`, `…sold.increment.get` and
`taobao.refunds.receive.get` responses saved as JSON (shared/formats section 2).

A dump file holds one response, a JSON array of responses (pages), or one response per line
(JSON Lines, as `ingestion/top_pull.py` writes). Each response is either the wrapped form
(`{"trades_sold_get_response": {"trades": {"trade": [...]}}}`) or the `simplify=true` form, where
the wrappers collapse to plain arrays; both are read. A trade's `orders` become rows of their own
(raw.top_trade_orders, carrying the trade's `tid`).

Rows are numbered per part in document order (trade 1, 2, …; order 1, 2, …): `_source_line` and
the quarantine's `source_line` hold that number, and the raw text of a row is its JSON object.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingestion.sources.csv_reading import BadLine, Record, clip_raw_text
from ingestion.sources.spec import Column, FileRejected, FileSpec, phone_kind_of
from ingestion.sources.values import (
    parse_bool_cn,
    parse_int,
    parse_money,
    parse_optional_order_id,
    parse_order_id,
    parse_phone,
    parse_text,
    parse_timestamp,
)

MONEY = "DECIMAL(18,2)"
TS = "TIMESTAMP"
_RESPONSE_KINDS = {
    "trades_sold_get_response": "trades_sold_get",
    "trades_sold_increment_get_response": "trades_sold_increment_get",
    "refunds_receive_get_response": "refunds_receive_get",
}


TRADES = FileSpec(
    table="top_trades",
    description="TOP Trade objects, one per trade per dump file (a later dump shows a later state)",
    columns=(
        Column("tid", ("tid_str", "tid"), parse_order_id, required=True),
        Column("status", ("status",), parse_text, required=True),
        Column("trade_type", ("type",), parse_text),
        Column("created_at", ("created",), parse_timestamp, TS, required=True),
        Column("paid_at", ("pay_time",), parse_timestamp, TS),
        Column("modified_at", ("modified",), parse_timestamp, TS),
        Column("consigned_at", ("consign_time",), parse_timestamp, TS),
        Column("ended_at", ("end_time",), parse_timestamp, TS),
        Column("payment", ("payment",), parse_money, MONEY, required=True),
        Column("total_fee", ("total_fee",), parse_money, MONEY),
        Column("post_fee", ("post_fee",), parse_money, MONEY),
        Column("discount_fee", ("discount_fee",), parse_money, MONEY),
        Column("buyer_nick", ("buyer_nick",), parse_text),
        Column("buyer_open_uid", ("buyer_open_uid",), parse_text),
        Column("oaid", ("oaid",), parse_text),
        Column("seller_nick", ("seller_nick",), parse_text),
        Column("receiver_name", ("receiver_name",), parse_text, pii=True),
        Column("receiver_state", ("receiver_state",), parse_text),
        Column("receiver_city", ("receiver_city",), parse_text),
        Column("receiver_district", ("receiver_district",), parse_text),
        Column("receiver_mobile", ("receiver_mobile",), parse_phone, pii=True),
        Column("receiver_phone", ("receiver_phone",), parse_phone, pii=True),
        Column("trade_from", ("trade_from",), parse_text),
        Column("step_trade_status", ("step_trade_status",), parse_text),
        Column("shipping_type", ("shipping_type",), parse_text),
        Column("buyer_message", ("buyer_message",), parse_text),
    ),
    derived=(phone_kind_of("receiver_mobile"),),
    # Fields a shop's `fields` list may ask for that are deliberately not loaded: the street
    # address and zip stay out (the OAID stands for them), nested lists are their own rows.
    known_headers=(
        "orders",
        "receiver_address",
        "receiver_zip",
        "receiver_town",
        "receiver_country",
        "promotion_details",
        "seller_memo",
        "seller_flag",
        "adjust_fee",
        "received_payment",
        "coupon_fee",
        "paid_coupon_fee",
        "buyer_rate",
        "seller_rate",
        "num",
        "num_iid",
        "title",
        "price",
        "pic_path",
        "step_paid_fee",
        "is_gift",
        "donee_nick",
        "donee_open_uid",
        "buyer_area",
        "has_buyer_message",
        "alipay_no",
    ),
    conflict_key="tid",
    conflict_value="payment",
    conflict_when_not_null="paid_at",
    excel_damage_key=None,
)

TRADE_ORDERS = FileSpec(
    table="top_trade_orders",
    description="TOP Order objects (sub-orders) of the trades in a dump, one per oid per dump file",
    columns=(
        Column("tid", ("tid",), parse_order_id, required=True),
        Column("oid", ("oid_str", "oid"), parse_order_id, required=True),
        Column("num_iid", ("num_iid",), parse_text),
        Column("sku_id", ("sku_id",), parse_text),
        Column("outer_iid", ("outer_iid",), parse_text),
        Column("outer_sku_id", ("outer_sku_id",), parse_text),
        Column("title", ("title",), parse_text),
        Column("price", ("price",), parse_money, MONEY, required=True),
        Column("num", ("num",), parse_int, "INTEGER", required=True),
        Column("total_fee", ("total_fee",), parse_money, MONEY),
        Column("payment", ("payment",), parse_money, MONEY),
        Column("divide_order_fee", ("divide_order_fee",), parse_money, MONEY),
        Column("status", ("status",), parse_text),
        Column("refund_status", ("refund_status",), parse_text),
        Column("refund_id", ("refund_id",), parse_optional_order_id),
        Column("sku_properties_name", ("sku_properties_name",), parse_text),
        Column("category_id", ("cid",), parse_text),
        Column("seller_type", ("seller_type",), parse_text),
    ),
    known_headers=(
        "discount_fee",
        "adjust_fee",
        "part_mjz_discount",
        "order_from",
        "end_time",
        "consign_time",
        "logistics_company",
        "invoice_no",
        "buyer_rate",
        "seller_rate",
        "pic_path",
    ),
)

REFUNDS = FileSpec(
    table="top_refunds",
    description="TOP Refund objects, one per refund per dump file",
    columns=(
        Column("refund_id", ("refund_id",), parse_order_id, required=True),
        Column("tid", ("tid",), parse_order_id, required=True),
        Column("oid", ("oid",), parse_optional_order_id),
        Column("status", ("status",), parse_text, required=True),
        Column("order_status", ("order_status",), parse_text),
        Column("good_status", ("good_status",), parse_text),
        Column("has_good_return", ("has_good_return",), parse_bool_cn, "BOOLEAN"),
        Column("refund_fee", ("refund_fee",), parse_money, MONEY, required=True),
        Column("total_fee", ("total_fee",), parse_money, MONEY),
        Column("payment", ("payment",), parse_money, MONEY),
        Column("buyer_nick", ("buyer_nick",), parse_text),
        Column("buyer_open_uid", ("buyer_open_uid",), parse_text),
        Column("created_at", ("created",), parse_timestamp, TS, required=True),
        Column("modified_at", ("modified",), parse_timestamp, TS),
        Column("reason", ("reason",), parse_text),
        Column("title", ("title",), parse_text),
        Column("num", ("num",), parse_int, "INTEGER"),
        Column("num_iid", ("num_iid",), parse_text),
        Column("outer_id", ("outer_id",), parse_text),
        Column("refund_phase", ("refund_phase",), parse_text),
    ),
    known_headers=(
        "alipay_no",
        "seller_nick",
        "desc",
        "price",
        "sku",
        "company_name",
        "sid",
        "refund_version",
        "cs_status",
        "special_refund_type",
    ),
)

SPECS = (TRADES, TRADE_ORDERS, REFUNDS)


def cell(value: Any) -> str:
    """A JSON value as the text the cell parsers read (they are shared with the CSV exports)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def as_records(objects: list[dict[str, Any]], spec: FileSpec) -> Iterator[Record]:
    """A header (the spec's fields present in any object, then every other key) and one record
    per object, numbered from 1, with the object itself as raw text."""
    keys: dict[str, None] = {}
    for obj in objects:
        keys.update(dict.fromkeys(obj))
    return streamed_records(iter(objects), spec, keys)


UNREADABLE_LINES = "unreadable_lines"  # the part that holds a JSON Lines dump's broken lines


def unreadable_lines_part(bad: list[BadLine]) -> list[tuple[str, None, None, Iterator[BadLine]]]:
    """The broken lines of a JSON Lines dump as a part of their own (`file#unreadable_lines`,
    line = the file's line), so each is quarantined with its text and the rest loads."""
    return [(UNREADABLE_LINES, None, None, iter(bad))] if bad else []


def json_responses(path: Path, bad_lines: list[BadLine] | None = None) -> Iterator[Any]:
    """The responses of a dump, one at a time where the file is JSON Lines (as the pull client
    writes it), so a long dump is never held whole; a single JSON document is read whole.
    A JSON Lines line that is not JSON goes to `bad_lines` (skipped where it is None: a reader
    going over the file a second time) and the rest is read."""
    with path.open(encoding="utf-8-sig") as handle:
        first = handle.readline()
        try:
            head = json.loads(first) if first.strip() else None
        except json.JSONDecodeError:
            head = None
        if head is None:  # one (pretty-printed) document
            try:
                document = json.loads(first + handle.read())
            except json.JSONDecodeError as exc:
                raise FileRejected(f"not valid JSON ({exc})") from None
            yield from document if isinstance(document, list) else [document]
            return
        yield from head if isinstance(head, list) else [head]
        for number, line in enumerate(handle, start=2):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                if bad_lines is not None:
                    reason = f"line {number} of the JSON Lines dump is not valid JSON ({exc})"
                    bad_lines.append(BadLine(number, reason, clip_raw_text(line.rstrip("\r\n"))))


def _unwrap_list(value: Any, singular: str) -> list[dict[str, Any]]:
    """`{"trade": [...]}` (wrapped) or `[...]` (simplify) to the list of objects."""
    if value is None:
        return []
    if isinstance(value, dict):
        value = value.get(singular, [])
    if isinstance(value, dict):  # XML-derived JSON with a single element
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise FileRejected(f"`{singular}` list is not a list of objects")
    return value


def looks_like_top_dump(document: Any) -> bool:
    pages = document if isinstance(document, list) else [document]
    if not pages or not isinstance(pages[0], dict):
        return False
    first = pages[0]
    return bool(set(first) & (set(_RESPONSE_KINDS) | {"error_response", "trades", "refunds"}))


def _bodies(
    path: Path, kinds: set[str] | None = None, bad_lines: list[BadLine] | None = None
) -> Iterator[dict[str, Any]]:
    for page in json_responses(path, bad_lines):
        if not isinstance(page, dict):
            raise FileRejected("a page of the dump is not a JSON object")
        if "error_response" in page:
            error = page["error_response"] or {}
            raise FileRejected(
                "the dump holds a TOP error response: "
                f"{error.get('code')} {error.get('msg')} {error.get('sub_code') or ''} "
                f"{error.get('sub_msg') or ''}".strip()
            )
        wrapper = next((k for k in page if k in _RESPONSE_KINDS), None)
        body = page[wrapper] if wrapper else page
        if kinds is not None:
            kinds.add(f"{_RESPONSE_KINDS[wrapper]}_wrapped" if wrapper else "simplify")
        if not isinstance(body, dict):
            raise FileRejected("a response body is not a JSON object")
        if "trades" not in body and "refunds" not in body and body.get("total_results", 0):
            raise FileRejected("a response has total_results but no trades or refunds list")
        yield body


def _objects(path: Path, label: str) -> Iterator[dict[str, Any]]:
    """The trades, orders (with their trade's tid) or refunds of a dump, in document order."""
    for body in _bodies(path):
        if label == "refunds":
            yield from _unwrap_list(body.get("refunds"), "refund")
            continue
        for trade in _unwrap_list(body.get("trades"), "trade"):
            if label == "trades":
                yield trade
                continue
            for order in _unwrap_list(trade.get("orders"), "order"):
                yield {"tid": trade.get("tid_str", trade.get("tid")), **order}


def streamed_records(
    objects: Iterator[dict[str, Any]], spec: FileSpec, keys: dict[str, None]
) -> Iterator[Record]:
    """Records of objects whose keys were collected beforehand (a dump is read twice, so the
    objects can stream): the header, then one record per object with its JSON as raw text."""
    known = [alias for column in spec.columns for alias in column.aliases]
    header = [k for k in known if k in keys] + [k for k in keys if k not in known]
    yield Record(0, header, ",".join(header))
    for number, obj in enumerate(objects, start=1):
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        yield Record(number, [cell(obj.get(k)) for k in header], text)


def read_top_dump(path: Path) -> list[tuple[str, FileSpec, str, Iterator[Record]]]:
    """The parts of a dump: (label, spec, generation, records with the header first).

    A first pass checks every response and collects each part's field names; each part's
    records are then read afresh from the file as they are parsed, so memory holds one response
    at a time, whatever the dump's length (for JSON Lines; a single document is parsed whole).
    """
    kinds: set[str] = set()
    keys: dict[str, dict[str, None]] = {"trades": {}, "orders": {}, "refunds": {}}
    counts = dict.fromkeys(keys, 0)
    bad: list[BadLine] = []
    for body in _bodies(path, kinds, bad):
        for refund in _unwrap_list(body.get("refunds"), "refund"):
            keys["refunds"].update(dict.fromkeys(refund))
            counts["refunds"] += 1
        for trade in _unwrap_list(body.get("trades"), "trade"):
            keys["trades"].update(dict.fromkeys(trade))
            counts["trades"] += 1
            for order in _unwrap_list(trade.get("orders"), "order"):
                keys["orders"].update(dict.fromkeys(order), tid=None)
                counts["orders"] += 1
    generation = "+".join(sorted(kinds))
    # A window with no trades is a valid, empty page: it loads as zero rows. A part with objects
    # but no fields at all ([{}]) is kept, so its missing required fields reject the file.
    return [
        (label, spec, generation, streamed_records(_objects(path, label), spec, keys[label]))
        for label, spec in (("trades", TRADES), ("orders", TRADE_ORDERS), ("refunds", REFUNDS))
        if counts[label]
    ] + unreadable_lines_part(bad)
