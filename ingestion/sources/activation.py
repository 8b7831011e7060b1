"""Lists a shop keeps for acting on customers: the do-not-contact list (勿扰名单).

No platform exports this; the shop writes it (a spreadsheet saved as CSV) and drops it in the
landing folder like any export. A person is named by whichever id the shop has: Fugou's
customer id (from the BI marts), a Taobao nick or a mobile (pseudonymised on load).
"""

from __future__ import annotations

from ingestion.sources.spec import Column, FileSpec, phone_kind_of
from ingestion.sources.values import parse_phone, parse_text, parse_timestamp

DO_NOT_CONTACT = FileSpec(
    table="do_not_contact",
    description="勿扰名单: people the shop asked never to be sent marketing (by customer id, nick or mobile)",
    name_prefixes=("勿扰名单", "免打扰名单", "DoNotContact", "do_not_contact"),
    generations=(
        ("do_not_contact", frozenset({"原因"})),
        ("do_not_contact_en", frozenset({"reason"})),
    ),
    columns=(
        Column("customer_id", ("客户ID", "客户编号", "customer_id"), parse_text),
        Column("taobao_nick", ("淘宝会员名", "淘宝昵称", "买家会员名", "taobao_nick"), parse_text),
        Column("mobile", ("手机号", "手机", "mobile", "phone"), parse_phone, pii=True),
        Column("reason", ("原因", "备注", "reason"), parse_text),
        Column("added_at", ("添加时间", "日期", "added_at"), parse_timestamp, "TIMESTAMP"),
    ),
    derived=(phone_kind_of("mobile"),),
)

SPECS = (DO_NOT_CONTACT,)
