"""Tonight's webhook actions POSTed as JSON batches to the shop's own system (a CRM, a
marketing tool, a WeCom bot relay): FUGOU_WEBHOOK_URL, optionally FUGOU_WEBHOOK_TOKEN as a
bearer token.

Delivery is at least once on the wire and exactly once in effect:

- every batch carries an `Idempotency-Key` (a hash of the night and its send keys), the same on
  every retry and every rerun of the night, so a receiver that honours it applies it once;
- a batch the receiver acknowledged (2xx) is written to a ledger beside the outbox
  (`.webhook/<night>.json`), and a rerun of the night does not POST it again;
- a connection error, a timeout, 429 or 5xx is retried with exponential backoff (Retry-After
  is honoured when given, up to the cap); any other 4xx is the receiver refusing the batch and
  is not retried.

A batch that still fails is reported, not raised: the night's other channels stand, and a run
of the same night that builds again (`--rebuild`) tries that batch again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

BATCH_SIZE = 200
ATTEMPTS = 5
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
TIMEOUT_SECONDS = 10.0
LEDGER_DIR = ".webhook"


@dataclass
class WebhookReport:
    batches: int = 0
    delivered: int = 0  # acknowledged tonight
    already_delivered: int = 0  # acknowledged by an earlier run of the night: not sent again
    failed: list[str] = field(default_factory=list)  # "batch 3: HTTP 400 …"
    attempts: int = 0


def batch_key(as_of: dt.date, send_keys: list[str]) -> str:
    digest = hashlib.sha256("\n".join([as_of.isoformat(), *send_keys]).encode("utf-8"))
    return f"fugou-{as_of.isoformat()}-{digest.hexdigest()[:32]}"


def batches(actions: pd.DataFrame, size: int = BATCH_SIZE) -> list[pd.DataFrame]:
    ordered = actions.sort_values("send_key")
    return [ordered.iloc[i : i + size] for i in range(0, len(ordered), size)]


def _payload(as_of: dt.date, number: int, key: str, rows: pd.DataFrame) -> bytes:
    records = json.loads(rows.to_json(orient="records", force_ascii=False, date_format="iso"))
    body = {"as_of": as_of.isoformat(), "batch": number, "idempotency_key": key, "actions": records}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After") if error.headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def post_batch(
    url: str,
    body: bytes,
    key: str,
    token: str = "",
    attempts: int = ATTEMPTS,
    first_backoff: float = FIRST_BACKOFF_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, int, str]:
    """(acknowledged, attempts made, what went wrong last)."""
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    problem = ""
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        wait = first_backoff * 2 ** (attempt - 1)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                if 200 <= response.status < 300:
                    return True, attempt, ""
                problem = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            problem = f"HTTP {error.code} {error.reason}"
            if error.code != 429 and error.code < 500:
                return False, attempt, problem  # refused: a retry would be refused too
            wait = _retry_after(error) or wait
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            problem = f"{type(error).__name__}: {getattr(error, 'reason', error)}"
        if attempt < attempts:
            sleep(min(wait, MAX_BACKOFF_SECONDS))
    return False, attempts, problem


def deliver(
    url: str,
    outbox_dir: Path,
    as_of: dt.date,
    actions: pd.DataFrame,
    token: str = "",
    size: int = BATCH_SIZE,
    **retry,
) -> WebhookReport:
    """POST tonight's webhook actions in batches; skip the ones an earlier run delivered."""
    ledger_path = outbox_dir / LEDGER_DIR / f"{as_of.isoformat()}.json"
    ledger: dict[str, str] = (
        json.loads(ledger_path.read_text(encoding="utf-8")) if ledger_path.exists() else {}
    )
    report = WebhookReport()
    for number, rows in enumerate(batches(actions, size), start=1):
        report.batches += 1
        key = batch_key(as_of, rows["send_key"].tolist())
        if key in ledger:
            report.already_delivered += 1
            continue
        ok, tries, problem = post_batch(
            url, _payload(as_of, number, key, rows), key, token, **retry
        )
        report.attempts += tries
        if ok:
            report.delivered += 1
            ledger[key] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            ledger_path.parent.mkdir(parents=True, exist_ok=True)
            ledger_path.write_text(json.dumps(ledger, indent=2), encoding="utf-8")
        else:
            report.failed.append(f"batch {number} ({len(rows)} actions): {problem}")
    return report
