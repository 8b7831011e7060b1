"""The TOP pull client against a local HTTP server that checks signatures and serves pages the
way the platform does (newest modified first, `total_results`, error responses)."""

import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from ingestion.loader import load_landing
from ingestion.settings import SHOP_TZ
from ingestion.top_pull import (
    REFUNDS_RECEIVED,
    TRADES_INCREMENT,
    TopApiError,
    TopClient,
    TopCredentials,
    credentials_from_env,
    pull,
    sign,
    windows,
)
from tests.conftest import PII_KEY, query

SECRET = "test-secret-not-real"
START = dt.datetime(2026, 11, 1, 8, 0, tzinfo=SHOP_TZ)


def _server_sign(form: dict[str, str], secret: str) -> str:
    """Written from the platform's description, apart from the client's code: sort by key,
    join key and value, HMAC-MD5 (hmac) or MD5 wrapped in the secret (md5), upper-case hex."""
    joined = ""
    for key in sorted(k for k in form if k != "sign"):
        joined += key + form[key]
    if form["sign_method"] == "md5":
        return hashlib.md5(f"{secret}{joined}{secret}".encode()).hexdigest().upper()
    return hmac.new(secret.encode(), joined.encode(), "md5").hexdigest().upper()


class FakeTop:
    """The platform's side: trades with modified times, paged newest first."""

    def __init__(self, trades: list[dict], refunds: list[dict]) -> None:
        self.trades, self.refunds = trades, refunds
        self.requests: list[dict[str, str]] = []
        self.fail_next: list[dict] = []

    def answer(self, form: dict[str, str]) -> dict:
        self.requests.append(form)
        if form.get("sign") != _server_sign(form, SECRET):
            return {"error_response": {"code": 25, "msg": "Invalid signature"}}
        if self.fail_next:
            return {"error_response": self.fail_next.pop(0)}
        for required in ("app_key", "session", "timestamp", "v", "start_modified", "end_modified"):
            if not form.get(required):
                return {"error_response": {"code": 40, "msg": f"Missing {required}"}}
        start = dt.datetime.fromisoformat(form["start_modified"])
        end = dt.datetime.fromisoformat(form["end_modified"])
        if end - start > dt.timedelta(days=1):
            return {"error_response": {"code": 15, "msg": "span over one day"}}
        if form["method"] == TRADES_INCREMENT.method:
            rows, key, outer, inner = self.trades, TRADES_INCREMENT.response_key, "trades", "trade"
        else:
            rows, key, outer, inner = (
                self.refunds,
                REFUNDS_RECEIVED.response_key,
                "refunds",
                "refund",
            )
        hits = [r for r in rows if start <= dt.datetime.fromisoformat(r["modified"]) < end]
        hits.sort(key=lambda r: r["modified"], reverse=True)
        size, page = int(form["page_size"]), int(form["page_no"])
        chunk = hits[(page - 1) * size : page * size]
        return {key: {"total_results": len(hits), outer: {inner: chunk}, "request_id": "r"}}


@pytest.fixture
def fake_top():
    def trade(n: int, minute: int) -> dict:
        modified = START + dt.timedelta(minutes=minute)
        tid = 3900000000000000 + n * 10
        return {
            "tid": tid,
            "tid_str": str(tid),
            "status": "WAIT_SELLER_SEND_GOODS",
            "created": (modified - dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S"),
            "pay_time": modified.strftime("%Y-%m-%d %H:%M:%S"),
            "modified": modified.strftime("%Y-%m-%d %H:%M:%S"),
            "payment": f"{100 + n}.00",
            "buyer_nick": f"buyer{n}",
            "orders": {"order": [{"oid": tid + 1, "price": f"{100 + n}.00", "num": 1}]},
        }

    # 23 trades in the first half hour (5 pages of 5), a few later, none in the last window
    trades = [trade(n, n) for n in range(23)] + [trade(100 + n, 40 + 7 * n) for n in range(6)]
    refunds = [
        {
            "refund_id": 7100000000000001,
            "tid": 3900000000000000,
            "status": "SUCCESS",
            "refund_fee": "100.00",
            "created": "2026-11-01 08:20:00",
            "modified": "2026-11-01 08:25:00",
        }
    ]
    top = FakeTop(trades, refunds)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers["Content-Length"])
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8")))
            body = json.dumps(top.answer(form), ensure_ascii=False).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    top.url = f"http://127.0.0.1:{server.server_address[1]}/router/rest"
    yield top
    server.shutdown()
    server.server_close()


def _client(top: FakeTop, secret: str = SECRET, method: str = "hmac") -> TopClient:
    credentials = TopCredentials("12345678", secret, "session-token", top.url, method)
    return TopClient(credentials, sleep=lambda _: None, now=lambda: START + dt.timedelta(hours=3))


def test_signature_orders_parameters_by_name():
    # The layout a Go TOP client documents: md5(secret + "bar2foo1foo_bar3foobar4" + secret).
    params = {"foo": "1", "bar": "2", "foo_bar": "3", "foobar": "4"}
    expected = hashlib.md5(b"keybar2foo1foo_bar3foobar4key").hexdigest().upper()
    assert sign(params, "key", "md5") == expected
    assert sign({**params, "sign": "ignored"}, "key", "md5") == expected
    assert sign(params, "key", "hmac") != sign(params, "key", "hmac-sha256")
    with pytest.raises(ValueError, match="sign_method"):
        sign(params, "key", "sha1")


def test_windows_cover_the_span_in_half_hours_without_gaps():
    spans = list(windows(START, START + dt.timedelta(minutes=95)))
    assert len(spans) == 4
    assert spans[0][0] == START and spans[-1][1] == START + dt.timedelta(minutes=95)
    assert all(b[0] == a[1] for a, b in zip(spans, spans[1:], strict=False))
    assert all(end - start <= dt.timedelta(minutes=30) for start, end in spans)


@pytest.mark.parametrize("method", ["hmac", "md5"])
def test_pull_walks_pages_backwards_and_the_dump_loads(fake_top, tmp_path, method):
    landing = tmp_path / "landing"
    until = START + dt.timedelta(hours=2)
    landing.mkdir()
    (landing / ".top_pull_state.json").write_text(
        json.dumps(
            {m: START.isoformat() for m in (TRADES_INCREMENT.method, REFUNDS_RECEIVED.method)}
        )
    )
    result = pull(_client(fake_top, method=method), landing, until=until, page_size=5)
    assert [p.name for p in result.files] == [
        "TopTradesIncrement202611010800_202611011000.jsonl",
        "TopRefunds202611010800_202611011000.jsonl",
    ]
    first_window = [
        int(r["page_no"])
        for r in fake_top.requests
        if r["method"] == TRADES_INCREMENT.method and r["start_modified"] == "2026-11-01 08:00:00"
    ]
    assert first_window == [1, 5, 4, 3, 2, 1]  # page count from page 1, then last to first
    assert all(r["sign_method"] == method for r in fake_top.requests)
    state = json.loads((landing / ".top_pull_state.json").read_text())
    assert state[TRADES_INCREMENT.method] == until.isoformat()

    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, landing, PII_KEY)
    assert report.count("loaded") == 2 and report.rows_quarantined == 0
    assert query(warehouse, "select count(distinct tid), count(*) from raw.top_trades") == [
        (29, 29)
    ]
    assert query(warehouse, "select count(*) from raw.top_trade_orders") == [(29,)]
    assert query(warehouse, "select refund_id from raw.top_refunds") == [("7100000000000001",)]

    # The next run starts where this one stopped: nothing new, no file, no duplicate rows.
    again = pull(_client(fake_top, method=method), landing, until=until, page_size=5)
    assert again.files == [] and again.calls == 0


def test_a_wrong_secret_fails_loudly_and_writes_nothing(fake_top, tmp_path):
    landing = tmp_path / "landing"
    with pytest.raises(TopApiError, match="Invalid signature"):
        pull(_client(fake_top, secret="wrong"), landing, until=START + dt.timedelta(hours=1))
    assert list(landing.iterdir()) == []


def test_transient_errors_are_retried(fake_top, tmp_path):
    fake_top.fail_next = [{"code": 7, "msg": "App Call Limited"}, {"code": 520, "msg": "busy"}]
    result = pull(
        _client(fake_top),
        tmp_path / "landing",
        until=START + dt.timedelta(minutes=30),
        apis=(TRADES_INCREMENT,),
    )
    assert len(result.files) == 1
    lines = result.files[0].read_text(encoding="utf-8").splitlines()
    assert (
        sum(len(json.loads(x)[TRADES_INCREMENT.response_key]["trades"]["trade"]) for x in lines)
        == 23
    )


def test_pull_is_off_unless_asked_and_then_needs_every_credential(tmp_path):
    assert credentials_from_env({}) is None
    with pytest.raises(ValueError, match="FUGOU_TOP_SESSION"):
        credentials_from_env(
            {"FUGOU_TOP_PULL": "1", "FUGOU_TOP_APP_KEY": "k", "FUGOU_TOP_APP_SECRET": "s"}
        )
    secret = tmp_path / "top.secret"
    secret.write_text("s3cret\n")
    credentials = credentials_from_env(
        {
            "FUGOU_TOP_PULL": "1",
            "FUGOU_TOP_APP_KEY": "k",
            "FUGOU_TOP_APP_SECRET_FILE": str(secret),
            "FUGOU_TOP_SESSION": "t",
        }
    )
    assert credentials.app_secret == "s3cret" and "s3cret" not in repr(credentials)


def test_a_top_outage_is_a_warning_and_the_exports_still_load(fake_top, tmp_path, monkeypatch):
    """An expired session or a dead gateway failed the night in 13-19 s with no export loaded."""
    import dagster as dg

    from dagster_project.defs.ingestion.assets import raw_tables, top_api_increments
    from dagster_project.defs.shared.warehouse import Warehouse
    from tests.fixtures.real_exports import gen_a_2017_order, write_gen_a_2017

    landing = tmp_path / "landing"
    write_gen_a_2017(landing / "ExportOrderList201705311200.csv", [gen_a_2017_order(1)])
    for name, value in {
        "FUGOU_LANDING_DIR": str(landing),
        "FUGOU_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "FUGOU_PII_KEY": "outage-test-key-0123456789abcdef-not-secret",
        "FUGOU_TOP_PULL": "1",
        "FUGOU_TOP_APP_KEY": "12345678",
        "FUGOU_TOP_APP_SECRET": "wrong",  # the gateway answers: Invalid signature
        "FUGOU_TOP_SESSION": "expired",
        "FUGOU_TOP_GATEWAY": fake_top.url,
    }.items():
        monkeypatch.setenv(name, value)
    result = dg.materialize(
        [top_api_increments, raw_tables],
        resources={"warehouse": Warehouse()},
        instance=dg.DagsterInstance.ephemeral(),
        partition_key="2017-05-31",
    )
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "Invalid signature" in check.metadata["error"].value
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.taobao_orders").fetchone() == (1,)
