"""The BI copy shows keyed handles for Taobao nicks unless the shop chooses to publish them."""

import duckdb
import pytest

from ingestion.publish import nick_handle, publish_marts
from ingestion.settings import SettingsError, load_settings
from tests.conftest import PII_KEY, query

OTHER_KEY = b"another-key-0123456789abcdef-not-a-secret"


def _marts(warehouse):
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    con.execute(
        "create table marts.dim_customers as select * from (values "
        "('C1', '小厨娘', 3), ('C2', null, 1)) t(customer_id, preferred_nick, orders)"
    )
    con.execute(
        "create table marts.customer_identifiers as select * from (values "
        "('C1', 'taobao_nick', '小厨娘'), ('C1', 'phone_hmac', 'ab12'), "
        "('C1', 'erp_customer_no', 'KH01')) t(customer_id, identifier_type, identifier_value)"
    )
    con.execute("create table marts.fct_orders as select 'C1' as customer_id, 99.0 as paid")
    return con


def test_nicks_become_one_handle_in_every_table(tmp_path):
    bi = tmp_path / "bi.duckdb"
    with _marts(tmp_path / "w.duckdb") as con:
        counts = publish_marts(con, bi, PII_KEY)
    assert counts == {"customer_identifiers": 3, "dim_customers": 2, "fct_orders": 1}
    handle = nick_handle(PII_KEY, "小厨娘")
    assert (
        handle.startswith("N") and len(handle) == 16 and handle != nick_handle(OTHER_KEY, "小厨娘")
    )
    assert query(bi, "select * from marts.dim_customers order by 1") == [
        ("C1", handle, 3),  # in the nick's place
        ("C2", None, 1),
    ]
    assert query(
        bi, "select identifier_type, identifier_value from marts.customer_identifiers"
    ) == [
        ("taobao_nick", handle),
        ("phone_hmac", "ab12"),
        ("erp_customer_no", "KH01"),
    ]
    assert "小厨娘".encode() not in bi.read_bytes()


def test_a_shop_may_publish_nicks(tmp_path):
    bi = tmp_path / "bi.duckdb"
    with _marts(tmp_path / "w.duckdb") as con:
        publish_marts(con, bi, PII_KEY, publish_nicks=True)
    assert query(
        bi,
        "select customer_id, preferred_nick, customer_handle from marts.dim_customers order by 1",
    ) == [("C1", "小厨娘", nick_handle(PII_KEY, "小厨娘")), ("C2", None, None)]
    assert ("taobao_nick", "小厨娘") in query(
        bi, "select identifier_type, identifier_value from marts.customer_identifiers"
    )


def test_the_setting_reads_true_or_false_only():
    base = {"FUGOU_PII_KEY": "k" * 32}
    assert load_settings(base).publish_nicks is False
    assert load_settings({**base, "FUGOU_PUBLISH_NICKS": "true"}).publish_nicks is True
    with pytest.raises(SettingsError, match="FUGOU_PUBLISH_NICKS must be true or false"):
        load_settings({**base, "FUGOU_PUBLISH_NICKS": "sometimes"})
