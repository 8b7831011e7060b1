"""The shop's do-not-contact list (勿扰名单): Chinese or English headers, mobiles pseudonymised
on load, an unreadable date nulled and recorded, a line naming nobody kept in raw (staging
drops it)."""

import datetime as dt

import duckdb

from ingestion.loader import load_landing
from ingestion.prepare import pseudonymise
from tests.conftest import PII_KEY, query, write_export


def test_do_not_contact_lists_load_with_pseudonymised_mobiles(tmp_path, warehouse):
    landing = tmp_path / "landing"
    write_export(
        landing / "勿扰名单-20261030.csv",
        ["淘宝会员名", "手机号", "原因", "添加时间"],
        [
            {
                "淘宝会员名": "小厨娘",
                "手机号": "",
                "原因": "不要再发",
                "添加时间": "2026-10-30 09:00",
            },
            {"淘宝会员名": "", "手机号": "138 0013 8000", "原因": "电话投诉", "添加时间": "昨天"},
            {"淘宝会员名": "", "手机号": "", "原因": "没写是谁", "添加时间": ""},
        ],
    )
    write_export(
        landing / "DoNotContact_20261101.csv",
        ["customer_id", "reason"],
        [{"customer_id": "C0123456789abcdef", "reason": "asked by email"}],
    )
    with duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, landing, PII_KEY, dt.datetime(2026, 11, 1, 2, 0))
    assert [f.status for f in report.files] == ["loaded", "loaded"]
    rows = query(
        warehouse,
        "select customer_id, taobao_nick, mobile_hmac, mobile_kind, reason, added_at "
        "from raw.do_not_contact order by _source_file, _source_line",
    )
    assert rows == [
        ("C0123456789abcdef", None, None, None, "asked by email", None),
        (None, "小厨娘", None, None, "不要再发", dt.datetime(2026, 10, 30, 9, 0)),
        (None, None, pseudonymise(PII_KEY, "13800138000"), "mobile", "电话投诉", None),
        (None, None, None, None, "没写是谁", None),
    ]
    # the clear number is nowhere in the table; the unreadable date is recorded, not guessed
    assert query(
        warehouse, "select count(*) from raw.do_not_contact where mobile_hmac like '138%'"
    ) == [(0,)]
    assert query(
        warehouse,
        "select column_name, source_line from raw.field_issues where source_file like '勿扰名单%'",
    ) == [("添加时间", 3)]
