"""The webhook against a real HTTP server on 127.0.0.1: batches with a stable idempotency key,
retries with backoff on 5xx, 429 (Retry-After) and refused connections, no retry on a 400,
and a rerun of the night that sends nothing already acknowledged."""

import datetime as dt
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from activation.webhook import batch_key, deliver, post_batch

NIGHT = dt.date(2026, 10, 31)


class _Receiver:
    """A local endpoint answering with the scripted statuses in turn, then 200."""

    def __init__(self, script: list[tuple[int, dict]]):
        self.script = list(script)
        self.requests: list[tuple[dict, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.requests.append((dict(self.headers), body))
                status, headers = receiver.script.pop(0) if receiver.script else (200, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/fugou"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(script=()):
        made.append(_Receiver(list(script)))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _actions(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "send_key": [f"we_miss_you:C{i:04d}:2026-10-31" for i in range(n)],
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "taobao_nick": [f"买家{i}" for i in range(n)],
            "audience_name": "we_miss_you",
            "template_id": "wmy_01",
            "offer": "20元无门槛",
            "product_name": None,
            "wecom_employee_userid": None,
            "send_at": "2026-11-01 10:00",
        }
    )


def test_batches_are_retried_on_5xx_with_one_key_and_a_rerun_sends_nothing_again(
    tmp_path, receiver
):
    r = receiver([(503, {}), (502, {})])
    waits = []
    report = deliver(r.url, tmp_path, NIGHT, _actions(450), token="s3cret", sleep=waits.append)
    assert (report.batches, report.delivered, report.failed) == (3, 3, [])
    assert report.attempts == 5  # the first batch took three tries
    assert waits == [0.5, 1.0]  # exponential backoff
    keys = [headers["Idempotency-Key"] for headers, _ in r.requests]
    assert keys[0] == keys[1] == keys[2] and len(set(keys)) == 3
    assert all(h["Authorization"] == "Bearer s3cret" for h, _ in r.requests)
    bodies = [body for _, body in r.requests[2:]]
    assert [len(b["actions"]) for b in bodies] == [200, 200, 50]
    sent = [a["send_key"] for b in bodies for a in b["actions"]]
    assert sent == sorted(_actions(450)["send_key"]) and len(set(sent)) == 450
    assert bodies[0]["actions"][0]["taobao_nick"] == "买家0"  # UTF-8 JSON, not escaped away
    assert bodies[0]["idempotency_key"] == keys[2]
    # the same night again: every batch was acknowledged, none is POSTed
    again = deliver(r.url, tmp_path, NIGHT, _actions(450), sleep=waits.append)
    assert (again.delivered, again.already_delivered, len(r.requests)) == (0, 3, 5)
    # the key depends on the night and the send keys, nothing else
    assert batch_key(NIGHT, ["a", "b"]) == batch_key(NIGHT, ["a", "b"]) != batch_key(NIGHT, ["a"])


def test_a_refused_batch_is_not_retried_and_is_tried_by_the_next_run(tmp_path, receiver):
    r = receiver([(400, {})])
    waits = []
    report = deliver(r.url, tmp_path, NIGHT, _actions(3), sleep=waits.append)
    assert report.delivered == 0 and waits == [] and len(r.requests) == 1
    assert report.failed == ["batch 1 (3 actions): HTTP 400 Bad Request"]
    again = deliver(r.url, tmp_path, NIGHT, _actions(3), sleep=waits.append)
    assert again.delivered == 1 and len(r.requests) == 2


def test_retry_after_is_honoured_on_429(receiver):
    r = receiver([(429, {"Retry-After": "3"})])
    waits = []
    ok, tries, _ = post_batch(r.url, b"{}", "k", sleep=waits.append)
    assert ok and tries == 2 and waits == [3.0]


def test_an_unreachable_receiver_fails_the_batch_without_stopping_the_night(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    waits = []
    report = deliver(f"http://127.0.0.1:{port}/x", tmp_path, NIGHT, _actions(2), sleep=waits.append)
    assert report.delivered == 0 and report.attempts == 5
    assert waits == [0.5, 1.0, 2.0, 4.0]
    assert "ConnectionRefusedError" in report.failed[0] or "refused" in report.failed[0]
    assert not (tmp_path / ".webhook" / "2026-10-31.json").exists()
