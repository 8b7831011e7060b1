"""ERP order exports: 旺店通 订单 and 销售出库明细 (CSV/xlsx), 聚水潭 order JSON, and any other ERP
through a column map in YAML (`erp_maps/*.yml`, for 管家婆, 万里牛 and the rest).

Every ERP lands in one raw table, `raw.erp_order_lines` (one row per order line, order-level
columns repeated, as the ERPs export), under one set of column names: each ERP is a spec that
maps its own headers to them, and `erp_system` says which one wrote a row. Why ERPs matter to a
CDP: they keep the platform order number (原始单号) beside the buyer's nick (客户网名), their own
customer number (客户编号) and the receiver's phone, so they name the buyer of every 2023+ Taobao
order the back office exports without one; and they hold the shop's offline and other-platform
orders.

The 旺店通 headers are those two public importers map (shared/formats 3.1); 聚水潭's JSON field
names come from its open API (3.2). No public export header was found for 管家婆 or 万里牛: their
maps in erp_maps/ hold the common concepts' usual names (shared/formats 3.3) and are meant to be
edited to a shop's own export, which is why they are data, not code.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson
import yaml

from ingestion.sources import sql_forms
from ingestion.sources.csv_reading import BadLine, Record
from ingestion.sources.erp_headers import WDT_ORDERS_HEADER, WDT_OUTBOUND_HEADER
from ingestion.sources.spec import Column, Derived, FileRejected, FileSpec, phone_kind_of
from ingestion.sources.top_api import json_responses, streamed_records, unreadable_lines_part
from ingestion.sources.values import (
    parse_int,
    parse_money,
    parse_phone,
    parse_text,
    parse_timestamp,
    required_text,
)

MONEY = "DECIMAL(18,2)"
TS = "TIMESTAMP"
MAPS_DIR = Path(__file__).with_name("erp_maps")


@dataclass(frozen=True)
class Field:
    """A column of raw.erp_order_lines: its parser and type; each ERP names it its own way."""

    parse: Any
    sql_type: str = "VARCHAR"
    required: bool = False
    pii: bool = False
    essential: bool = False  # unreadable: the row is rejected (see Column.essential)


FIELDS: dict[str, Field] = {
    "erp_order_no": Field(required_text("erp_order_no"), required=True),
    "platform_order_id": Field(parse_text),
    "platform_sub_order_id": Field(parse_text),
    "shop_name": Field(parse_text),
    "order_source": Field(parse_text),
    "order_status": Field(parse_text),
    "order_type": Field(parse_text),
    "buyer_nick": Field(parse_text),
    "platform_buyer_id": Field(parse_text),
    "customer_no": Field(parse_text),
    "receiver_name": Field(parse_text, pii=True),
    "receiver_mobile": Field(parse_phone, pii=True),
    "receiver_region": Field(parse_text),
    "traded_at": Field(parse_timestamp, TS, required=True),
    "paid_at": Field(parse_timestamp, TS),
    "shipped_at": Field(parse_timestamp, TS),
    "merchant_code": Field(parse_text),
    "product_name": Field(parse_text),
    "quantity": Field(parse_int, "INTEGER", required=True),
    "unit_price": Field(parse_money, MONEY),
    "line_paid_amount": Field(parse_money, MONEY, essential=True),
    "order_paid_amount": Field(parse_money, MONEY, essential=True),
    "refund_status": Field(parse_text),
}
# Street addresses stay out of the warehouse: the region column is enough for the marts.
NOT_LOADED = ("收货地址", "地址", "详细地址", "receiver_address")


def erp_spec(
    name: str,
    description: str,
    aliases: dict[str, list[str] | tuple[str, ...]],
    name_prefixes: tuple[str, ...] = (),
    fingerprint: frozenset[str] = frozenset(),
    known_headers: tuple[str, ...] = (),
) -> FileSpec:
    unknown = set(aliases) - set(FIELDS)
    if unknown:
        raise ValueError(f"ERP map {name!r}: no such column {sorted(unknown)} (see FIELDS)")
    missing = [f for f, spec in FIELDS.items() if spec.required and f not in aliases]
    if missing:
        raise ValueError(f"ERP map {name!r} must name the column(s) {missing}")
    columns = tuple(
        Column(
            field,
            tuple(aliases.get(field, ())),
            spec.parse,
            spec.sql_type,
            required=spec.required,
            pii=spec.pii,
            essential=spec.essential,
            fast=sql_forms.REQUIRED_TEXT if field == "erp_order_no" else None,
        )
        for field, spec in FIELDS.items()
    )
    return FileSpec(
        table="erp_order_lines",
        name=name,
        description=description,
        columns=columns,
        name_prefixes=name_prefixes,
        generations=((name, fingerprint),) if fingerprint else (),
        derived=(
            phone_kind_of("receiver_mobile"),
            Derived("erp_system", lambda _values, n=name: n, sql=lambda _p, n=name: f"'{n}'"),
        ),
        known_headers=(*NOT_LOADED, *known_headers),
    )


# 旺店通 订单 export (shared/formats 3.1, importer 1): one row per order line.
WDT_ORDERS = erp_spec(
    "wdt_orders",
    "旺店通 订单导出: one row per ERP order line, with the platform order and buyer",
    {
        "erp_order_no": ["订单编号"],
        "platform_order_id": ["原始单号"],
        "platform_sub_order_id": ["子单原始单号"],
        "shop_name": ["店铺"],
        "order_source": ["订单来源"],
        "order_status": ["订单状态"],
        "order_type": ["订单类型"],
        "buyer_nick": ["客户网名"],
        "receiver_name": ["收件人"],
        "receiver_mobile": ["收件人手机"],
        "receiver_region": ["收货地区"],
        "traded_at": ["交易时间"],
        "paid_at": ["付款时间"],
        "merchant_code": ["商家编码"],
        "product_name": ["货品名称"],
        "quantity": ["下单数量"],
        "unit_price": ["成交价"],
        "line_paid_amount": ["分摊后总价"],
        "order_paid_amount": ["订单支付金额"],
        "refund_status": ["订单退款状态"],
    },
    name_prefixes=("旺店通订单", "WdtOrder"),
    fingerprint=frozenset({"订单编号", "客户网名", "子单原始单号", "分摊后总价"}),
    known_headers=tuple(WDT_ORDERS_HEADER),
)

# 旺店通 销售出库明细 (importer 2): one row per shipped line, with 客户编号.
WDT_OUTBOUND = erp_spec(
    "wdt_outbound",
    "旺店通 销售出库明细: one row per shipped ERP order line, with the platform order and customer",
    {
        "erp_order_no": ["订单编号"],
        "platform_order_id": ["原始单号"],
        "platform_sub_order_id": ["原始子单号"],
        "shop_name": ["店铺名称"],
        "order_source": ["订单来源"],
        "order_status": ["订单状态"],
        "order_type": ["订单类型"],
        "buyer_nick": ["客户网名"],
        "customer_no": ["客户编号"],
        "receiver_name": ["收件人"],
        "receiver_mobile": ["手机"],
        "receiver_region": ["省市县"],
        "traded_at": ["交易时间"],
        "paid_at": ["付款时间"],
        "shipped_at": ["发货时间"],
        "merchant_code": ["商家编码"],
        "product_name": ["货品名称"],
        "quantity": ["数量"],
        "unit_price": ["成交价"],
        "line_paid_amount": ["分摊后总价"],
        "order_paid_amount": ["已付"],
        "refund_status": ["订单明细退款状态", "订单退款状态"],
    },
    name_prefixes=("销售出库明细", "WdtStockout"),
    fingerprint=frozenset({"订单编号", "原始单号", "客户网名", "客户编号"}),
    known_headers=tuple(WDT_OUTBOUND_HEADER),
)

# 聚水潭 orders from its open API (shared/formats 3.2), one row per item.
JST_ORDERS = erp_spec(
    "jst_orders",
    "聚水潭 订单 (open API JSON): one row per order item, with the platform order and buyer",
    {
        "erp_order_no": ["o_id"],
        "platform_order_id": ["so_id"],
        "platform_sub_order_id": ["items.outer_oi_id"],
        "shop_name": ["shop_name"],
        "order_status": ["status"],
        "order_type": ["order_type"],
        "buyer_nick": ["shop_buyer_id"],
        "platform_buyer_id": ["open_id"],
        "receiver_name": ["receiver_name"],
        "receiver_mobile": ["receiver_mobile"],
        "receiver_region": ["receiver_region"],
        "traded_at": ["order_date", "created"],
        "paid_at": ["pay_date"],
        "shipped_at": ["send_date", "io_date"],
        "merchant_code": ["items.sku_id"],
        "product_name": ["items.name"],
        "quantity": ["items.qty"],
        "unit_price": ["items.price"],
        "line_paid_amount": ["items.amount"],
        "order_paid_amount": ["paid_amount"],
    },
    known_headers=(
        "co_id",
        "shop_id",
        "io_id",
        "modified",
        "pay_amount",
        "free_amount",
        "freight",
        "buyer_paid_amount",
        "seller_income_amount",
        "l_id",
        "lc_id",
        "logistics_company",
        "labels",
        "remark",
        "buyer_message",
        "receiver_state",
        "receiver_city",
        "receiver_district",
        "receiver_town",
        "receiver_phone",
        "seller_flag",
        "pays",
        "items.oi_id",
        "items.sku_type",
        "items.properties_value",
        "items.base_price",
        "items.refund_status",
        "items.is_gift",
        "items.i_id",
        "items.pic",
    ),
)


def load_maps(folder: Path = MAPS_DIR) -> tuple[FileSpec, ...]:
    """Generic ERP exports, one YAML file each: file-name prefixes, a header fingerprint and, for
    every column of raw.erp_order_lines the export has, the header names it goes by."""
    specs = []
    for path in sorted(folder.glob("*.yml")):
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        try:
            specs.append(
                erp_spec(
                    str(config["name"]),
                    str(config.get("description", config["name"])),
                    {k: [str(a) for a in v] for k, v in config["columns"].items()},
                    tuple(config.get("file_prefixes", ())),
                    frozenset(config.get("fingerprint", ())),
                    tuple(config.get("not_loaded", ())),
                )
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}: not a valid ERP column map ({exc!r})") from None
    return tuple(specs)


def looks_like_jst(document: Any) -> bool:
    body = document.get("data") if isinstance(document, dict) else None
    return isinstance(body, dict) and isinstance(body.get("orders"), list)


def starts_like_jst_document(path: Path, head_bytes: int = 1 << 16) -> bool:
    """Whether a single JSON object's first 64 KB open `data.orders` as a list: a 聚水潭 query
    saved as is, told without parsing the rest of it."""
    with path.open("rb") as handle:
        head = handle.read(head_bytes)
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    try:
        for prefix, event, _ in ijson.parse(io.BytesIO(head)):
            if prefix == "data.orders" and event == "start_array":
                return True
    except ijson.JSONError:  # the head ends mid-document, or is not JSON at all
        pass
    return False


def read_jst_dump(path: Path) -> list[tuple[str, FileSpec, str, Iterator[Record]]]:
    """A saved 聚水潭 order query (`{"code": 0, "data": {"orders": [...]}}`, one page or a JSON
    array / JSON Lines of pages): one record per item, the order's fields beside it.

    Like a TOP dump it is read twice, once for the field names and once row by row, and never
    held whole: a single-page document (one query saved as is, 526 MB at 1M customers) is
    streamed order by order with ijson, where parsing it whole took 3 GB."""
    keys: dict[str, None] = {}
    bad: list[BadLine] = []
    for row in _jst_rows(path, bad):
        keys.update(dict.fromkeys(row))
    if not keys:
        return unreadable_lines_part(bad)
    records = streamed_records(_jst_rows(path), JST_ORDERS, keys)
    return [("orders", JST_ORDERS, "jst_open_api", records)] + unreadable_lines_part(bad)


def _jst_rows(path: Path, bad_lines: list[BadLine] | None = None) -> Iterator[dict[str, Any]]:
    for order in _jst_orders(path, bad_lines):
        if not isinstance(order, dict):
            raise FileRejected("an order in the dump is not a JSON object")
        header = {k: v for k, v in order.items() if k != "items"}
        region = " ".join(
            str(order[k])
            for k in ("receiver_state", "receiver_city", "receiver_district")
            if order.get(k)
        )
        header["receiver_region"] = region or None
        header.pop("receiver_address", None)
        for item in order.get("items") or [{}]:
            yield {**header, **{f"items.{k}": v for k, v in item.items()}}


def _jst_orders(path: Path, bad_lines: list[BadLine] | None = None) -> Iterator[Any]:
    if _is_one_object_document(path):
        # `msg` is looked for only on an error: a key the document lacks is a scan of all of it
        if _streamed(path, "code") not in (*JST_SUCCESS_CODES, None):  # None: no `code`
            _reject_jst_error(_streamed(path, "msg"))
        yield from _streamed(path, "data.orders.item", every=True)
        return
    for page in json_responses(path, bad_lines):
        if not isinstance(page, dict):
            _reject_jst_error(None)
        if page.get("code", 0) not in JST_SUCCESS_CODES:
            _reject_jst_error(page.get("msg"))
        yield from (page.get("data") or {}).get("orders", [])


JST_SUCCESS_CODES = (0, "0")  # a page without `code` is taken as a success


def _reject_jst_error(message: Any) -> None:
    raise FileRejected(f"the dump holds a 聚水潭 error response: {message}")


def _is_one_object_document(path: Path) -> bool:
    """A pretty-printed object (its first line alone is not JSON), as json_responses decides."""
    with path.open(encoding="utf-8-sig") as handle:
        first = handle.readline()
    if not first.lstrip().startswith("{"):
        return False
    try:
        json.loads(first)
    except json.JSONDecodeError:
        return True
    return False


def _streamed(path: Path, prefix: str, every: bool = False) -> Any:
    """The values at `prefix` (ijson's dotted path), read as the file streams by; the first
    one only, or None, unless `every`. Numbers come as int or float, as from the json module."""

    def values() -> Iterator[Any]:
        with path.open("rb") as handle:
            if handle.read(3) != codecs.BOM_UTF8:
                handle.seek(0)
            try:
                yield from ijson.items(handle, prefix, use_float=True)
            except ijson.JSONError as exc:
                raise FileRejected(f"not valid JSON ({exc})") from None

    if every:
        return values()
    return next(values(), None)
