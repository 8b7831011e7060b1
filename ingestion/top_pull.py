"""Pull new and changed trades and refunds from the Taobao Open Platform into the landing folder.

Optional and off by default (`FUGOU_TOP_PULL=1` turns it on): most shops start from back-office
exports, and a TOP app key needs the shop's authorisation. What it writes is an ordinary landing
file (one JSON Lines dump per run and API, every response page on its own line), so the loader,
its ledger and its quarantine treat pulled data exactly like a dump a shop saved by hand.

How it pulls (shared/formats 2.1, 2.5):
- `taobao.trades.sold.increment.get` and `taobao.refunds.receive.get` by *modified* time, in
  windows of at most 30 minutes (the platform's advice; a day is its hard limit);
- within a window, pages are walked from the last to the first: a trade modified while the pull
  runs moves to the front of the result, so walking forward could skip one, backward cannot;
- every request is signed (md5, hmac or hmac-sha256 over the sorted parameters);
- the end of the last pulled window is kept in `<landing>/.top_pull_state.json` (a dot file, which
  the loader never reads), so the next run starts where this one stopped. A run that fails writes
  no file and leaves the state where it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingestion.settings import SHOP_TZ

GATEWAY = "https://eco.taobao.com/router/rest"
WINDOW = dt.timedelta(minutes=30)
# Trades keep changing for a few minutes after an event; pulling up to "now" would miss some.
SETTLE = dt.timedelta(minutes=5)
FIRST_PULL_LOOKBACK = dt.timedelta(days=1)
STATE_FILE = ".top_pull_state.json"
TRADE_FIELDS = (
    "tid,tid_str,status,type,created,pay_time,modified,consign_time,end_time,payment,total_fee,"
    "post_fee,discount_fee,buyer_nick,buyer_open_uid,oaid,seller_nick,receiver_name,"
    "receiver_state,receiver_city,receiver_district,receiver_mobile,trade_from,step_trade_status,"
    "shipping_type,buyer_message,orders"
)
REFUND_FIELDS = (
    "refund_id,tid,oid,status,order_status,good_status,has_good_return,refund_fee,total_fee,"
    "payment,buyer_nick,buyer_open_uid,created,modified,reason,title,num,num_iid,outer_id,"
    "refund_phase"
)
# Transient failures worth another try: the platform's own busy/limit codes and network errors.
_RETRY_CODES = {"7", "520", "isp.top-remote-connection-timeout", "isp.remote-service-timeout"}


class TopApiError(RuntimeError):
    def __init__(self, method: str, error: dict[str, Any]) -> None:
        self.code = str(error.get("code", ""))
        self.sub_code = str(error.get("sub_code") or "")
        super().__init__(
            f"{method}: TOP error {self.code} {error.get('msg', '')} "
            f"{self.sub_code} {error.get('sub_msg') or ''}".strip()
        )

    @property
    def transient(self) -> bool:
        return self.code in _RETRY_CODES or self.sub_code in _RETRY_CODES


@dataclass(frozen=True)
class TopCredentials:
    app_key: str
    app_secret: str = field(repr=False)
    session: str = field(repr=False)  # the seller's access token
    gateway: str = GATEWAY
    sign_method: str = "hmac"


def sign(params: dict[str, str], secret: str, method: str) -> str:
    """TOP's signature: every parameter but `sign`, sorted by name, as name+value pairs."""
    text = "".join(f"{k}{v}" for k, v in sorted(params.items()) if k != "sign" and v is not None)
    if method == "md5":
        return hashlib.md5((secret + text + secret).encode("utf-8")).hexdigest().upper()
    digest = {"hmac": hashlib.md5, "hmac-sha256": hashlib.sha256}.get(method)
    if digest is None:
        raise ValueError(f"unknown sign_method {method!r} (md5, hmac or hmac-sha256)")
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), digest).hexdigest().upper()


def _top_time(moment: dt.datetime) -> str:
    return moment.astimezone(SHOP_TZ).strftime("%Y-%m-%d %H:%M:%S")


class TopClient:
    def __init__(
        self,
        credentials: TopCredentials,
        timeout: float = 30.0,
        retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(SHOP_TZ),
    ) -> None:
        self.credentials, self.timeout, self.retries = credentials, timeout, retries
        self.sleep, self.now = sleep, now

    def call(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        """One API call; the parsed response, wrapped form. Transient failures are retried."""
        for attempt in range(self.retries + 1):
            try:
                return self._call_once(method, params)
            except TopApiError as exc:
                if not exc.transient or attempt == self.retries:
                    raise
            except urllib.error.URLError:
                if attempt == self.retries:
                    raise
            self.sleep(2**attempt)
        raise AssertionError("unreachable")

    def _call_once(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        c = self.credentials
        form = {
            "method": method,
            "app_key": c.app_key,
            "session": c.session,
            "timestamp": _top_time(self.now()),
            "format": "json",
            "v": "2.0",
            "sign_method": c.sign_method,
            **params,
        }
        form["sign"] = sign(form, c.app_secret, c.sign_method)
        request = urllib.request.Request(
            c.gateway,
            data=urllib.parse.urlencode(form).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            body = json.loads(response.read().decode("utf-8"))
        if "error_response" in body:
            raise TopApiError(method, body["error_response"])
        return body


@dataclass(frozen=True)
class Api:
    method: str
    response_key: str
    fields: str
    file_prefix: str


TRADES_INCREMENT = Api(
    "taobao.trades.sold.increment.get",
    "trades_sold_increment_get_response",
    TRADE_FIELDS,
    "TopTradesIncrement",
)
REFUNDS_RECEIVED = Api(
    "taobao.refunds.receive.get", "refunds_receive_get_response", REFUND_FIELDS, "TopRefunds"
)


def windows(since: dt.datetime, until: dt.datetime, size: dt.timedelta = WINDOW):
    start = since
    while start < until:
        end = min(start + size, until)
        yield start, end
        start = end


def pull_window(
    client: TopClient, api: Api, start: dt.datetime, end: dt.datetime, page_size: int
) -> list[dict[str, Any]]:
    """Every page of one modified-time window, walked from the last page to the first."""
    params = {
        "fields": api.fields,
        "start_modified": _top_time(start),
        "end_modified": _top_time(end),
        "page_size": str(page_size),
        "use_has_next": "false",  # keeps total_results, which tells how many pages there are
    }
    first = client.call(api.method, {**params, "page_no": "1"})
    total = int(first.get(api.response_key, {}).get("total_results", 0) or 0)
    pages = max(1, math.ceil(total / page_size))
    if pages == 1:
        return [first]
    return [
        client.call(api.method, {**params, "page_no": str(page)}) for page in range(pages, 0, -1)
    ]


@dataclass
class PullResult:
    files: list[Path] = field(default_factory=list)
    windows: int = 0
    calls: int = 0
    until: dt.datetime | None = None


def pull(
    client: TopClient,
    landing: Path,
    until: dt.datetime | None = None,
    apis: tuple[Api, ...] = (TRADES_INCREMENT, REFUNDS_RECEIVED),
    page_size: int = 50,
) -> PullResult:
    """Pull every API from where the last run stopped up to `until` (default: now − 5 min)."""
    landing.mkdir(parents=True, exist_ok=True)
    state_path = landing / STATE_FILE
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    until = (until or client.now() - SETTLE).astimezone(SHOP_TZ).replace(second=0, microsecond=0)
    result = PullResult(until=until)
    for api in apis:
        since_text = state.get(api.method)
        since = dt.datetime.fromisoformat(since_text) if since_text else until - FIRST_PULL_LOOKBACK
        if since >= until:
            continue
        responses: list[dict[str, Any]] = []
        for start, end in windows(since, until):
            responses.extend(pull_window(client, api, start, end, page_size))
            result.windows += 1
        result.calls += len(responses)
        # No file when nothing changed: a file would only make the landing sensor start a run.
        if any(_has_rows(r.get(api.response_key, {})) for r in responses):
            name = f"{api.file_prefix}{since:%Y%m%d%H%M}_{until:%Y%m%d%H%M}.jsonl"
            result.files.append(_write_atomically(landing / name, responses))
        state[api.method] = until.isoformat()
        _write_atomically(state_path, None, json.dumps(state, indent=2))
    return result


def _has_rows(body: dict[str, Any]) -> bool:
    for member in ("trades", "refunds"):
        rows = body.get(member)
        if isinstance(rows, dict):  # wrapped: {"trade": [...]}
            rows = next(iter(rows.values()), [])
        if rows:
            return True
    return False


def _write_atomically(path: Path, responses: list[dict] | None, text: str | None = None) -> Path:
    """Written under a dot name and renamed: the loader and the landing sensor never see half."""
    if text is None:
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in responses or [])
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


def credentials_from_env(env: dict[str, str] | None = None) -> TopCredentials | None:
    """None unless FUGOU_TOP_PULL=1; then every credential must be set (the secret may be in a
    file, FUGOU_TOP_APP_SECRET_FILE, so it stays out of the process listing and the repo)."""
    env = os.environ if env is None else env
    if env.get("FUGOU_TOP_PULL", "") not in ("1", "true", "yes"):
        return None
    secret = env.get("FUGOU_TOP_APP_SECRET", "")
    if not secret and env.get("FUGOU_TOP_APP_SECRET_FILE"):
        secret = Path(env["FUGOU_TOP_APP_SECRET_FILE"]).read_text().strip()
    missing = [
        name
        for name, value in (
            ("FUGOU_TOP_APP_KEY", env.get("FUGOU_TOP_APP_KEY")),
            ("FUGOU_TOP_APP_SECRET or FUGOU_TOP_APP_SECRET_FILE", secret),
            ("FUGOU_TOP_SESSION", env.get("FUGOU_TOP_SESSION")),
        )
        if not value
    ]
    if missing:
        raise ValueError(f"FUGOU_TOP_PULL is on but {', '.join(missing)} is not set")
    return TopCredentials(
        app_key=env["FUGOU_TOP_APP_KEY"],
        app_secret=secret,
        session=env["FUGOU_TOP_SESSION"],
        gateway=env.get("FUGOU_TOP_GATEWAY", GATEWAY),
        sign_method=env.get("FUGOU_TOP_SIGN_METHOD", "hmac"),
    )
