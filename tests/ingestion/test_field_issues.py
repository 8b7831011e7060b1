"""Field-level quarantine: a row is rejected only for a cell it cannot do without; any other
unreadable cell is loaded as NULL and logged in raw.field_issues (file, line, column, reason,
the value's shape, never the value), on both loader paths."""

import datetime as dt

import duckdb

import ingestion.prepare as prepare
from ingestion.loader import load_landing
from tests.conftest import PII_KEY, query, query_quarantine
from tests.fixtures.real_exports import gen_a_2017_order, hex_code, write_gen_a_2017

LOADED_AT = dt.datetime(2026, 11, 1, 2, 0)
NAME = "ExportOrderList201705311200.csv"
VECTORISABLE = prepare._vectorisable


def _load(tmp_path, landing, monkeypatch, vectorise: bool):
    monkeypatch.setattr(prepare, "_vectorisable", VECTORISABLE if vectorise else lambda p: False)
    warehouse = tmp_path / f"w{vectorise}.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        (result,) = load_landing(con, landing, PII_KEY, LOADED_AT, workers=1).files
    return result, warehouse


def test_publisher_hashed_phones_load_and_are_counted_not_rejected(tmp_path, monkeypatch):
    """The real May 2017 export had its 联系手机 replaced by 11-character hex codes: 3,986 of
    3,989 orders were quarantined for it. Now every order loads, with the phone NULL."""
    rows = [gen_a_2017_order(n) for n in range(1, 41)]
    rows.append(gen_a_2017_order(41, hex_phones=False))  # one buyer's real phone survives
    landing = tmp_path / "landing"
    write_gen_a_2017(landing / NAME, rows)
    for vectorise in (True, False):
        result, warehouse = _load(tmp_path, landing, monkeypatch, vectorise)
        assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 41, 0)
        assert (result.fields_pseudonymised, result.fields_nulled) == (40, 0)
        assert "already pseudonymised by the exporter: 联系手机 40" in result.message
        phones = query(
            warehouse,
            "select count(receiver_mobile_hmac), count(*) filter (where receiver_mobile_kind = "
            "'mobile') from raw.taobao_orders",
        )
        assert phones == [(1, 1)]
        issues = query(
            warehouse,
            "select source_file, source_line, column_name, is_pseudonymised, value_kind "
            "from raw.field_issues order by source_line",
        )
        assert len(issues) == 40
        assert issues[0] == (NAME, 2, "联系手机", True, "hex, 11 chars")
        ledger = query(
            warehouse, "select fields_pseudonymised, fields_nulled, status from raw.file_ledger"
        )
        assert ledger == [(40, 0, "loaded")]
        # No value of the column reaches the log, not even inside the reason.
        logged = " ".join(
            str(c) for row in query(warehouse, "select * from raw.field_issues") for c in row
        )
        assert hex_code("p1") not in logged


def test_unreadable_optional_cell_is_nulled_and_unreadable_amount_rejects(tmp_path, monkeypatch):
    rows = [
        gen_a_2017_order(1, hex_phones=False),
        gen_a_2017_order(2, hex_phones=False, 宝贝种类="两种"),  # optional count: nulled
        gen_a_2017_order(3, hex_phones=False, 联系手机="'call me"),  # optional phone: nulled
        gen_a_2017_order(4, hex_phones=False, 买家实际支付金额="1.234,50"),  # the money: rejected
        gen_a_2017_order(5, hex_phones=False, 退款金额="12.345"),  # ambiguous refund: rejected
        gen_a_2017_order(6, hex_phones=False, 订单付款时间="昨天"),  # paid time: rejected
    ]
    landing = tmp_path / "landing"
    write_gen_a_2017(landing / NAME, rows)
    outcomes = []
    for vectorise in (True, False):
        result, warehouse = _load(tmp_path, landing, monkeypatch, vectorise)
        outcomes.append(
            (
                (result.rows_loaded, result.rows_quarantined, result.fields_nulled),
                query(
                    warehouse,
                    "select _source_line, item_kind_count, receiver_mobile_hmac is null "
                    "from raw.taobao_orders order by 1",
                ),
                query(warehouse, "select source_line, reason from raw.quarantine order by 1"),
                query(
                    warehouse,
                    "select source_line, column_name, reason, value_kind, is_pseudonymised "
                    "from raw.field_issues order by 1",
                ),
            )
        )
    assert outcomes[0] == outcomes[1]
    counts, loaded, quarantined, issues = outcomes[0]
    assert counts == (3, 3, 2)
    assert loaded == [(2, 1, False), (3, None, False), (4, 1, True)]
    assert [line for line, _ in quarantined] == [5, 6, 7]
    assert "ambiguous" in quarantined[0][1] and "1.234,50" in quarantined[0][1]
    assert "below the cent" in quarantined[1][1]
    assert quarantined[2][1].startswith("订单付款时间")
    assert issues == [
        (3, "宝贝种类", "count '两种' is not a whole number", "text, 2 chars", False),
        (4, "联系手机", "not a phone number", "ascii text, 7 chars", False),
    ]


def test_orders_before_taobao_or_after_their_load_are_quarantined_at_load(tmp_path, monkeypatch):
    """A 1999 order reached raw and the blocking raw check stopped the whole night."""
    rows = [
        gen_a_2017_order(1, hex_phones=False),
        gen_a_2017_order(
            2,
            hex_phones=False,
            订单创建时间="1999-01-01 10:00:00",
            订单付款时间="1999-01-01 10:01:00",
        ),
        gen_a_2017_order(
            3,
            hex_phones=False,
            订单创建时间="2027-01-01 10:00:00",
            订单付款时间="2027-01-01 10:01:00",
        ),
    ]
    landing = tmp_path / "landing"
    write_gen_a_2017(landing / NAME, rows)
    for vectorise in (True, False):
        result, warehouse = _load(tmp_path, landing, monkeypatch, vectorise)
        assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
        reasons = query_quarantine(
            warehouse, "select source_line, reason, raw_text from raw.quarantine order by 1"
        )
        assert [line for line, _, _ in reasons] == [3, 4]
        assert "created_at 1999-01-01 10:00:00 is not plausible" in reasons[0][1]
        assert "Taobao opened" in reasons[0][1] and "2026-11-02 02:00" in reasons[1][1]
        assert reasons[0][2].startswith('="35153131473290002"')  # the raw line comes along
