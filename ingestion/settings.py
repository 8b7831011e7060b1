"""The one place Fugou reads its environment.

Everything else (ingestion, Dagster definitions, benchmarks) takes a `Settings` object, so a test
can build one by hand and nothing depends on the process environment by accident.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

SHOP_TZ = ZoneInfo("Asia/Shanghai")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HOME = PROJECT_ROOT / ".fugou"


TELEMETRY_OFF = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def disable_telemetry() -> None:
    """Fugou runs offline and phones nobody: dbt and Great Expectations are told so even when
    started without scripts/env.sh. Dagster reads only $DAGSTER_HOME/dagster.yaml for this, which
    scripts/setup.sh writes with `telemetry: enabled: false`."""
    for name, value in TELEMETRY_OFF.items():
        os.environ.setdefault(name, value)


class SettingsError(RuntimeError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    as_of: dt.date
    dbt_target: str
    published_warehouse: Path  # the copy of the marts BI tools open
    pii_key: bytes = field(repr=False, default=b"")  # a secret: never in logs
    # The demo generator's ground truth folder (identities.csv): identity quality is measured
    # against it when set. A real shop has none.
    ground_truth: Path | None = None
    # libpq connection string of the `postgres` dbt target, for Python assets that read and write
    # the marts there (the same FUGOU_PG_* variables as profiles.yml, with the same defaults)
    postgres_dsn: str = "host=127.0.0.1 port=5432 user=postgres dbname=test"
    # A landed file changed more recently than this is still being copied: every run leaves it
    # for a later one (FUGOU_SETTLE_SECONDS; 0 for files known complete, as the demo's)
    settle_seconds: int = 30
    # False when FUGOU_AS_OF is unset and `as_of` is merely today: a run then takes the day it
    # started (Warehouse.as_of), so every step of it describes the same day
    as_of_explicit: bool = True
    # The BI copy shows Taobao nicks as keyed handles unless the shop publishes them
    # (FUGOU_PUBLISH_NICKS=true): every BI login could read them
    publish_nicks: bool = False
    # Tonight's files per channel (activation/outbox.py), one folder per night: FUGOU_OUTBOX_DIR,
    # else `<warehouse>_outbox/` beside the warehouse
    outbox_dir: Path | None = None
    # Seals the mobiles SMS needs in the contact vault (ingestion/vault.py): FUGOU_VAULT_KEY or
    # FUGOU_VAULT_KEY_FILE, a secret apart from the PII key; empty = no vault, SMS by pseudonym
    vault_key: bytes = field(repr=False, default=b"")
    # Where the outbox POSTs tonight's webhook actions (activation/webhook.py): FUGOU_WEBHOOK_URL,
    # with FUGOU_WEBHOOK_TOKEN as a bearer token; empty = webhook actions are only written
    webhook_url: str = ""
    webhook_token: str = field(repr=False, default="")

    def __post_init__(self) -> None:
        if not self.pii_key:
            raise SettingsError("Settings need a PII key (FUGOU_PII_KEY or FUGOU_PII_KEY_FILE)")


def today_in_shop_tz() -> dt.date:
    """Taobao's day, its exports and its promotions all run on Beijing time, so 'today' does too."""
    return dt.datetime.now(SHOP_TZ).date()


def shop_day(timestamp: float) -> dt.date:
    """The Beijing day of a Unix time (a run's start)."""
    return dt.datetime.fromtimestamp(timestamp, SHOP_TZ).date()


MIN_KEY_BYTES = 32
KEY_HINT = "make one with: python -c 'import secrets; print(secrets.token_hex(32))'"


def _key_from(env: dict[str, str], variable: str, hint: str = "") -> tuple[bytes, str]:
    """(key, where it came from) from `variable` or `<variable>_FILE`, empty when neither is
    set. Both set is refused unless they agree: a shop that moved its key into a file and
    forgot the old variable would otherwise run on whichever one happened to win."""
    env_key = env.get(variable, "").encode("utf-8")
    key_file = env.get(f"{variable}_FILE", "")
    file_key = b""
    if key_file:
        path = Path(key_file)
        if not path.is_file():
            raise SettingsError(f"{variable}_FILE points to {path}, which does not exist")
        file_key = path.read_bytes().strip()
    if env_key and file_key and env_key != file_key:
        raise SettingsError(
            f"{variable} and {variable}_FILE are both set and hold different keys: unset "
            f"one of them{hint}"
        )
    return env_key or file_key, variable if env_key else f"the key file {key_file}"


def _read_pii_key(env: dict[str, str]) -> bytes:
    key, source = _key_from(
        env, "FUGOU_PII_KEY", " (the warehouse's key is the one its fingerprint matches)"
    )
    if not key:
        raise SettingsError(
            "no PII key: set FUGOU_PII_KEY (a secret string) or FUGOU_PII_KEY_FILE (a file "
            "holding it). Phones and Alipay accounts are pseudonymised with it before they "
            f"reach the warehouse; {KEY_HINT}"
        )
    if len(key) < MIN_KEY_BYTES:
        raise SettingsError(
            f"the PII key in {source} is {len(key)} bytes; it must be at least {MIN_KEY_BYTES} "
            f"random bytes: {KEY_HINT}"
        )
    return key


def _read_vault_key(env: dict[str, str], pii_key: bytes) -> bytes:
    """The contact vault's key, optional; the same rules as the PII key, and never that key:
    whoever runs the pseudonyms must not thereby hold every customer's number."""
    key, source = _key_from(env, "FUGOU_VAULT_KEY")
    if not key:
        return b""
    if len(key) < MIN_KEY_BYTES:
        raise SettingsError(
            f"the vault key in {source} is {len(key)} bytes; it must be at least "
            f"{MIN_KEY_BYTES} random bytes: {KEY_HINT}"
        )
    if key == pii_key:
        raise SettingsError(
            "the vault key is the PII key: give the contact vault a key of its own "
            f"(FUGOU_VAULT_KEY_FILE); {KEY_HINT}"
        )
    return key


def landing_dir(env: dict[str, str] | None = None) -> Path:
    """The landing folder alone, for code that must not need the PII key (the landing sensor)."""
    env = os.environ if env is None else env
    return Path(env.get("FUGOU_LANDING_DIR", DEFAULT_HOME / "landing"))


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    as_of_text = env.get("FUGOU_AS_OF", "")
    try:
        as_of = dt.date.fromisoformat(as_of_text) if as_of_text else today_in_shop_tz()
    except ValueError as exc:
        raise SettingsError(
            f"FUGOU_AS_OF must be a date like 2026-11-01, got {as_of_text!r}"
        ) from exc
    warehouse = Path(env.get("FUGOU_WAREHOUSE", DEFAULT_HOME / "warehouse.duckdb"))
    published = env.get("FUGOU_PUBLISHED_WAREHOUSE", "")
    return Settings(
        landing_dir=landing_dir(env),
        warehouse=warehouse,
        as_of=as_of,
        pii_key=(pii_key := _read_pii_key(env)),
        vault_key=_read_vault_key(env, pii_key),
        webhook_url=_webhook_url(env),
        webhook_token=env.get("FUGOU_WEBHOOK_TOKEN", ""),
        dbt_target=env.get("FUGOU_DBT_TARGET", "duckdb"),
        published_warehouse=Path(published)
        if published
        else warehouse.with_name(f"{warehouse.stem}_bi.duckdb"),
        ground_truth=Path(env["FUGOU_GROUND_TRUTH"]) if env.get("FUGOU_GROUND_TRUTH") else None,
        postgres_dsn=_postgres_dsn(env),
        settle_seconds=_whole_seconds(env, "FUGOU_SETTLE_SECONDS", 30),
        as_of_explicit=bool(as_of_text),
        publish_nicks=_flag(env, "FUGOU_PUBLISH_NICKS"),
        outbox_dir=Path(env["FUGOU_OUTBOX_DIR"])
        if env.get("FUGOU_OUTBOX_DIR")
        else warehouse.with_name(f"{warehouse.stem}_outbox"),
    )


def _webhook_url(env: dict[str, str]) -> str:
    url = env.get("FUGOU_WEBHOOK_URL", "").strip()
    if url and not url.startswith(("http://", "https://")):
        raise SettingsError(f"FUGOU_WEBHOOK_URL must be an http(s) URL, got {url!r}")
    return url


def _flag(env: dict[str, str], name: str) -> bool:
    text = env.get(name, "").strip().lower()
    if text in ("", "0", "false", "no"):
        return False
    if text in ("1", "true", "yes"):
        return True
    raise SettingsError(f"{name} must be true or false, got {text!r}")


def _whole_seconds(env: dict[str, str], name: str, default: int) -> int:
    text = env.get(name, "")
    if not text:
        return default
    if not text.isdigit():
        raise SettingsError(f"{name} must be a whole number of seconds, got {text!r}")
    return int(text)


def _postgres_dsn(env: dict[str, str]) -> str:
    parts = {
        "host": env.get("FUGOU_PG_HOST", "127.0.0.1"),
        "port": env.get("FUGOU_PG_PORT", "5432"),
        "user": env.get("FUGOU_PG_USER", "postgres"),
        "password": env.get("FUGOU_PG_PASSWORD", ""),
        "dbname": env.get("FUGOU_PG_DATABASE", "test"),
    }
    return " ".join(f"{name}={_libpq_quoted(value)}" for name, value in parts.items() if value)


def _libpq_quoted(value: str) -> str:
    """A value as libpq's key=value syntax reads it: quoted when it holds a space or a quote."""
    if value and not any(c in value for c in " '\\"):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def main(argv: list[str] | None = None) -> int:
    """`python -m ingestion.settings`: check the configuration in a second, before a run that
    would find a missing key or folder only after Dagster's start-up."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m ingestion.settings",
        description="Check the FUGOU_* settings a run needs and print them (never the key).",
    )
    parser.parse_args(argv)
    try:
        settings = load_settings()
        if not settings.landing_dir.is_dir():
            raise SettingsError(
                f"the landing folder {settings.landing_dir} does not exist: set "
                "FUGOU_LANDING_DIR to the folder the exports are dropped into"
            )
    except SettingsError as exc:
        print(f"settings: {exc}", file=sys.stderr)
        return 2
    files = sum(1 for path in settings.landing_dir.rglob("*") if path.is_file())
    print(
        f"settings OK: landing {settings.landing_dir} ({files} files), warehouse "
        f"{settings.warehouse}, BI copy {settings.published_warehouse}, target "
        f"{settings.dbt_target}, as of {settings.as_of}, contact vault "
        + ("on" if settings.vault_key else "off (no FUGOU_VAULT_KEY: SMS files carry pseudonyms)")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
