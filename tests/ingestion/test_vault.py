"""The contact vault: mobiles of loaded rows kept sealed under their own key, opened only with
it, never from a quarantined row, gone with an erasure, and refused under another key."""

import datetime as dt

import duckdb
import pytest

from ingestion.demo.exports import ORDERS_2018
from ingestion.erase import run_erasure
from ingestion.erasure import ErasureRequest
from ingestion.loader import load_landing
from ingestion.prepare import prepare_file, pseudonymise
from ingestion.settings import SettingsError, load_settings
from ingestion.vault import ContactVault, VaultKeyMismatchError, open_mobiles
from tests.conftest import PII_KEY, query, write_export
from tests.ingestion.test_taobao_exports import ORDER_ROW

VAULT_KEY = b"vault-key-0123456789abcdef-not-a-secret"
LOADED_AT = dt.datetime(2026, 11, 1, 2, 0)
ALICE, BOB, CAROL = "13911112222", "13833334444", "13755556666"


def _orders(landing, name="ExportOrderList201903051200.csv"):
    rows = [
        dict(ORDER_ROW, 订单编号='="3500000000000001"', 买家会员名="alice", 联系手机=ALICE),
        dict(ORDER_ROW, 订单编号='="3500000000000002"', 买家会员名="bob", 联系手机=f"'{BOB}"),
        # Carol's only row is quarantined (unreadable amount): her number is not kept
        dict(
            ORDER_ROW,
            订单编号='="3500000000000003"',
            买家会员名="carol",
            联系手机=CAROL,
            买家实际支付金额="abc",
        ),
        # a landline is no SMS contact
        dict(ORDER_ROW, 订单编号='="3500000000000004"', 买家会员名="dan", 联系手机="021-55556666"),
    ]
    return write_export(landing / name, ORDERS_2018, rows)


def _vault(warehouse):
    return dict(query(warehouse, "select mobile_hmac, mobile_sealed from vault.contact_points"))


def test_loaded_mobiles_are_sealed_and_open_only_with_the_vault_key(tmp_path, warehouse):
    _orders(tmp_path / "landing")
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, tmp_path / "landing", PII_KEY, LOADED_AT, vault_key=VAULT_KEY)
    vault = _vault(warehouse)
    alice, bob, carol = (pseudonymise(PII_KEY, p) for p in (ALICE, BOB, CAROL))
    assert set(vault) == {alice, bob}  # not Carol (quarantined), not the landline
    assert not any(p in token for token in vault.values() for p in (ALICE, BOB))
    with duckdb.connect(str(warehouse)) as con:
        numbers, unopened = open_mobiles(con, ContactVault(VAULT_KEY), [alice, bob, carol])
        assert numbers == {alice: ALICE, bob: BOB} and unopened == 0
        other = ContactVault(b"another-vault-key-0123456789abcdef")
        assert open_mobiles(con, other, [alice, bob]) == ({}, 2)
    # the PII key opens nothing either: the vault's key is its own
    assert ContactVault(PII_KEY).open(vault[alice]) is None
    # the same file under a new name (a rerun) adds no second row
    _orders(tmp_path / "landing", "ExportOrderList201903051300.csv")
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, tmp_path / "landing", PII_KEY, LOADED_AT, vault_key=VAULT_KEY)
    assert query(warehouse, "select count(*) from vault.contact_points") == [(2,)]
    assert _vault(warehouse) == vault  # the same tokens


def test_another_vault_key_is_refused_before_anything_loads(tmp_path, warehouse):
    _orders(tmp_path / "landing")
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, tmp_path / "landing", PII_KEY, LOADED_AT, vault_key=VAULT_KEY)
    _orders(tmp_path / "landing", "ExportOrderList201903061200.csv")
    with duckdb.connect(str(warehouse)) as con, pytest.raises(VaultKeyMismatchError):
        load_landing(con, tmp_path / "landing", PII_KEY, LOADED_AT, vault_key=b"x" * 40)


def test_without_a_vault_key_no_number_is_kept(tmp_path, warehouse):
    _orders(tmp_path / "landing")
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, tmp_path / "landing", PII_KEY, LOADED_AT)
    assert query(
        warehouse, "select count(*) from information_schema.schemata where schema_name = 'vault'"
    ) == [(0,)]


def test_erasure_takes_the_persons_numbers_out_of_the_vault(tmp_path, warehouse):
    _orders(tmp_path / "landing")
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, tmp_path / "landing", PII_KEY, LOADED_AT, vault_key=VAULT_KEY)
    # named by nick only: the number goes with her rows
    report = run_erasure(warehouse, PII_KEY, ErasureRequest(nicks=["alice"], requested_by="DPO"))
    assert report.rows_by_table["vault.contact_points"] == 1
    assert set(_vault(warehouse)) == {pseudonymise(PII_KEY, BOB)}
    # an old export loaded again brings neither her rows nor her number back
    _orders(tmp_path / "landing", "ExportOrderList201903071200.csv")
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, tmp_path / "landing", PII_KEY, LOADED_AT, vault_key=VAULT_KEY)
    assert set(_vault(warehouse)) == {pseudonymise(PII_KEY, BOB)}
    assert ALICE.encode() not in warehouse.read_bytes()


@pytest.mark.parametrize("vectorise", [True, False])
def test_both_loader_paths_seal_the_same_mobiles(tmp_path, vectorise):
    path = _orders(tmp_path / "landing")
    spool = tmp_path / f"spool{vectorise}"
    spool.mkdir()
    prepared = prepare_file(
        path, path.name, "ab" * 32, PII_KEY, spool, vectorise=vectorise, vault_key=VAULT_KEY
    )
    assert prepared.vectorised is vectorise
    (part,) = prepared.parts
    frame = duckdb.sql(f"select * from read_parquet('{part.contacts}')").df()
    vault = ContactVault(VAULT_KEY)
    opened = {h: vault.open(t) for h, t in zip(frame.mobile_hmac, frame.mobile_sealed, strict=True)}
    # Carol's row is rejected while typed (its amount is unreadable): her number is not sealed
    assert opened == {pseudonymise(PII_KEY, p): p for p in (ALICE, BOB)}
    assert set(frame.column_name) == {"receiver_mobile"}
    assert not any(p.encode() in part.contacts.read_bytes() for p in (ALICE, BOB, CAROL))


def test_the_vault_key_must_be_its_own(tmp_path):
    env = {"FUGOU_PII_KEY": PII_KEY.decode(), "FUGOU_LANDING_DIR": str(tmp_path)}
    assert load_settings(env).vault_key == b""
    with pytest.raises(SettingsError, match="is the PII key"):
        load_settings(env | {"FUGOU_VAULT_KEY": PII_KEY.decode()})
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings(env | {"FUGOU_VAULT_KEY": "short"})
    assert load_settings(env | {"FUGOU_VAULT_KEY": VAULT_KEY.decode()}).vault_key == VAULT_KEY
