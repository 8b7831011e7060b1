"""Shared helpers: writing export files as shops have them, and running dbt on a test warehouse."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pytest

from dagster_project.defs.transform.project import NIGHTLY_EXCLUDES
from ingestion.settings import PROJECT_ROOT

PII_KEY = b"test-key-0123456789abcdef-not-a-secret"
DBT_DIR = PROJECT_ROOT / "dbt_project"
# Tests write their exports whole, just before loading them: nothing is still being copied
# (tests/ingestion/test_settling.py holds the waiting itself to account).
os.environ.setdefault("FUGOU_SETTLE_SECONDS", "0")


def write_export(
    path: Path,
    header: list[str],
    rows: Iterable[dict[str, str]],
    encoding: str = "utf-8-sig",
    trailing_comma: bool = False,
) -> Path:
    """An export the way the back office writes it: every cell quoted, `="…"` left bare."""

    def cell(value: str) -> str:
        return value if value.startswith("=") else '"' + value.replace('"', '""') + '"'

    lines = [",".join(cell(h) for h in header)]
    tail = "," if trailing_comma else ""
    for row in rows:
        lines.append(",".join(cell(row.get(h.strip(), "")) for h in header) + tail)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


def write_wecom_contact(
    path: Path, external_userid: str, unionid: str, createtime: int, mobile: str
) -> Path:
    """A 企业微信 external-contact export with one contact, added by staff member zhangsan with
    the customer's mobile in its remark: the record that joins a WeChat unionid to a phone."""
    contact = {
        "external_contact": {"external_userid": external_userid, "type": 1, "unionid": unionid},
        "follow_info": {
            "userid": "zhangsan",
            "createtime": createtime,
            "add_way": 1,
            "remark_mobiles": [mobile],
        },
    }
    path.write_text(
        json.dumps({"errcode": 0, "external_contact_list": [contact]}), encoding="utf-8"
    )
    return path


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def query_quarantine(warehouse: Path, sql: str, key: bytes = PII_KEY) -> list[tuple]:
    """`sql` over raw.quarantine with its raw lines opened into a `raw_text` column."""
    from ingestion.sealing import Sealer

    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as w (read_only)")
        frame = con.execute("select * from w.raw.quarantine").df()
        sealer = Sealer(key)
        frame["raw_text"] = [
            None if token is None or token != token else sealer.open(token)
            for token in frame["raw_text_sealed"]
        ]
        con.register("opened_quarantine", frame)
        return con.execute(sql.replace("raw.quarantine", "opened_quarantine")).fetchall()


def run_dbt(
    args: list[str],
    warehouse: Path | None,
    as_of: str,
    tmp_path: Path,
    target: str = "duckdb",
    extra_env: dict[str, str] | None = None,
    project_dir: Path = DBT_DIR,
    variables: dict | None = None,
) -> str:
    """dbt in its own process, as Dagster runs it (dbt-duckdb keeps the file open in-process),
    with its artifacts and logs in `tmp_path`.

    Every build of one warehouse starts from the parse state the last one left (kept beside the
    warehouse, as the nightly step keeps it), so dbt parses only what changed: a full parse is
    8 s of every build. The day goes as FUGOU_AS_OF, as the nightly step passes it, since a new
    `--vars` value would make dbt parse the whole project again. dbt itself checks that the
    state fits (same profile, vars and files) and parses in full when it does not."""
    env = dict(
        os.environ,
        FUGOU_DBT_TARGET=target,
        FUGOU_AS_OF=as_of,
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        **(extra_env or {}),
    )
    if warehouse is not None:
        env["FUGOU_WAREHOUSE"] = str(warehouse)
    command = [
        str(Path(sys.executable).with_name("dbt")),
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(PROJECT_ROOT),
        "--target-path",
        str(tmp_path / "dbt_target"),
        "--log-path",
        str(tmp_path / "dbt_logs"),
        *(["--vars", json.dumps(variables)] if variables else []),
    ]
    parse_state = tmp_path / "dbt_target" / PARSE_STATE
    shared = _shared_parse_state(warehouse, project_dir, target)
    if shared is not None and shared.is_file() and not parse_state.exists():
        parse_state.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared, parse_state)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    if shared is not None and parse_state.is_file():
        shutil.copyfile(parse_state, shared)
    if done.returncode != 0:
        raise AssertionError(
            f"dbt {' '.join(args)} failed:\n{done.stdout[-6000:]}{done.stderr[-2000:]}"
        )
    return done.stdout


PARSE_STATE = "partial_parse.msgpack"
# `dbt build` as the nightly step runs it, with its own excludes: the unit tests, 11 s of every
# build, are test_hand_computed_shop's business, whose build runs them all.
NIGHTLY_BUILD = ["build", *NIGHTLY_EXCLUDES]


def _shared_parse_state(warehouse: Path | None, project_dir: Path, target: str) -> Path | None:
    """Where builds of this DuckDB warehouse (from this project, for this target) keep dbt's
    parse state between their target folders; None on PostgreSQL, whose builds are few."""
    if warehouse is None or target != "duckdb":
        return None
    project = hashlib.sha256(str(project_dir.resolve()).encode()).hexdigest()[:12]
    return warehouse.with_name(f"{warehouse.name}.{project}.{PARSE_STATE}")


def _test_postgres():
    """(host, port, server): the PostgreSQL the tests use. FUGOU_TEST_PG_HOST (and _PORT) name a
    server of the user's; otherwise a throwaway one starts for this session (pgserver: the
    server binaries from PyPI, in a temporary folder, on a Unix socket, so it needs no port and
    no server on the machine) and stops at its end."""
    host = os.environ.get("FUGOU_TEST_PG_HOST")
    if host:
        return host, os.environ.get("FUGOU_TEST_PG_PORT", "5432"), None
    import tempfile

    import pgserver

    data = tempfile.mkdtemp(prefix="fugou-test-pg-")
    server = pgserver.get_server(data, cleanup_mode="delete")
    return str(Path(data)), "5432", server


PG_HOST, PG_PORT, _PG_SERVER = _test_postgres()
# dbt's postgres target and Settings.postgres_dsn read these: every subprocess finds the server
os.environ["FUGOU_PG_HOST"], os.environ["FUGOU_PG_PORT"] = PG_HOST, PG_PORT
os.environ["FUGOU_PG_USER"] = "postgres"


def pg_dsn(database: str = "postgres") -> str:
    return f"host={PG_HOST} port={PG_PORT} user=postgres dbname={database}"


def postgres_answers() -> bool:
    if PG_HOST.startswith("/"):
        return (Path(PG_HOST) / f".s.PGSQL.{PG_PORT}").exists()
    try:
        with socket.create_connection((PG_HOST, int(PG_PORT)), timeout=2):
            return True
    except OSError:
        return False


# PostgreSQL databases the tests make: unique per run (two runs on one server never clash), and
# dropped when the session ends (none is left behind).
_TEST_DATABASES: list[str] = []


def unique_database_name(prefix: str) -> str:
    import secrets

    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    _TEST_DATABASES.append(name)
    return name


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases():
    yield
    if _TEST_DATABASES and postgres_answers():
        import psycopg2

        server = psycopg2.connect(pg_dsn())
        server.autocommit = True
        try:
            with server.cursor() as cur:
                for name in _TEST_DATABASES:
                    cur.execute(f"drop database if exists {name} with (force)")
        finally:
            server.close()
    if _PG_SERVER is not None:
        _PG_SERVER.cleanup()
