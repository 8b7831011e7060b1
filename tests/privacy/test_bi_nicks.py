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


@pytest.mark.postgres
def test_on_postgres_bi_reads_the_published_schema_with_the_same_handles(tmp_path):
    """The PostgreSQL target's marts keep nicks (for the outbox); BI logins read `published`,
    where the handles are the ones the DuckDB copy shows, computed by the server itself."""
    import os

    import psycopg2

    from ingestion.publish import publish_marts_postgres
    from ingestion.spreadsheet import unsafe_text_counts
    from tests.conftest import pg_dsn, postgres_answers

    assert postgres_answers(), "the tests' PostgreSQL does not answer"
    database = f"fugou_published_{os.getpid()}"
    admin = psycopg2.connect(pg_dsn())
    admin.autocommit = True
    dsn = pg_dsn(database)
    try:
        with admin.cursor() as cur:
            cur.execute(f"create database {database}")
        with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
            cur.execute("create schema marts")
            cur.execute(
                "create table marts.dim_customers as select * from (values "
                "('C1', '小厨娘', 3), ('C2', null, 1)) t(customer_id, preferred_nick, orders)"
            )
            cur.execute(
                "create table marts.customer_identifiers as select * from (values "
                "('C1', 'taobao_nick', '小厨娘'), ('C1', 'phone_hmac', 'ab12')) "
                "t(customer_id, identifier_type, identifier_value)"
            )
            cur.execute("create table marts.dim_products as select '=1+1'::text as product_name")
        counts = publish_marts_postgres(dsn, PII_KEY)
        assert counts == {"customer_identifiers": 2, "dim_customers": 2, "dim_products": 1}
        handle = nick_handle(PII_KEY, "小厨娘")
        with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
            cur.execute("select * from published.dim_customers order by 1")
            assert cur.fetchall() == [("C1", handle, 3), ("C2", None, 1)]
            cur.execute("select identifier_value from published.customer_identifiers order by 1")
            assert cur.fetchall() == [(handle,), ("ab12",)]
            cur.execute("select preferred_nick from marts.dim_customers where customer_id = 'C1'")
            assert cur.fetchone() == ("小厨娘",)  # the outbox's copy keeps it
            assert unsafe_text_counts(pg, "published") == {"dim_products.product_name": 1}
        publish_marts_postgres(dsn, PII_KEY, publish_nicks=True)  # again: replaces, by choice
        with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
            cur.execute("select preferred_nick, customer_handle from published.dim_customers")
            assert ("小厨娘", handle) in cur.fetchall()
    finally:
        with admin.cursor() as cur:
            cur.execute(f"drop database if exists {database} with (force)")
        admin.close()
