"""Tonight's actions as the files each channel takes: the outbox.

The queue (marts.activation_queue) has decided who gets what; this module only lays the queued
rows out per channel, one folder per night, in the shapes a shop hands on:

- `sms.csv`: one row per message for an SMS platform's batch upload (手机号码, 模板, variables);
- `wangwang.csv`: the 旺旺 follow-up list, by nick;
- `taobao_crowd/<audience>.csv`: one nick per row, for a crowd upload in Taobao's customer
  operations tools;
- `wecom/<employee>.csv`: each employee's WeCom tasks, for the customers they follow;
- `agent_tasks.csv`: follow-up tasks for the customer's service agent (the employee who
  follows them on WeCom, else unassigned).

Every file is UTF-8 with a BOM (Excel and WPS read the Chinese) and neutralised against
spreadsheet formulas (ingestion.spreadsheet). Every row carries its send key, so a platform
can deduplicate and receipts can come back to contact_history. Writing a night again replaces
that night's folder whole: a rerun changes nothing and sends nothing twice.

Holdout, suppressed, capped and unreachable members never reach here: the outbox takes only
`queue_status = 'queued'`, and a check reads the files back against the queue.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from ingestion.erasure import is_suppressed, suppression_keys
from ingestion.spreadsheet import write_spreadsheet
from ingestion.vault import ContactVault, open_mobiles

CHANNELS = ("sms", "wangwang", "taobao_crowd", "wecom", "agent_task", "webhook")
MANIFEST = "manifest.json"


@dataclass
class OutboxReport:
    folder: Path
    files: dict[str, int] = field(default_factory=dict)  # relative path -> rows
    sms_without_numbers: int = 0  # SMS rows written with a pseudonym, no number
    escaped_cells: int = 0

    @property
    def rows(self) -> int:
        return sum(self.files.values())


def on_channel(queue: pd.DataFrame, channel: str) -> pd.Series:
    """Which queued actions go out on `channel`. A boolean Series, not a list: an empty list
    would select columns (a first night may queue nobody)."""
    channels = queue["reachable_channels"].fillna("").astype(str).str.split(",")
    return channels.map(lambda found: channel in found).astype(bool)


def sms_numbers(con, vault_key: bytes, queue: pd.DataFrame) -> tuple[dict[str, str], int]:
    """The contact vault opened for tonight's SMS rows only: nobody else's number leaves it.
    (pseudonym -> number, how many it holds that this key did not open.)"""
    if not vault_key:
        return {}, 0
    wanted = queue.loc[on_channel(queue, "sms"), "mobile_pseudonym"].dropna().tolist()
    return open_mobiles(con, ContactVault(vault_key), wanted)


def offer_text(kind: str, value: object) -> str:
    """The offer as the message says it: 85折, 30元, 30元无门槛, 礼品, or nothing."""
    amount = Decimal(str(value if value is not None else 0))
    if kind == "discount":
        tenths = (amount * 100).normalize()
        digits = format(tenths, "f").rstrip("0") if tenths % 10 else format(tenths / 10, "f")
        return f"{digits}折"
    if kind == "amount_off":
        return f"{amount.normalize():f}元"
    if kind == "no_threshold":
        return f"{amount.normalize():f}元无门槛"
    if kind == "gift":
        return "礼品"
    return ""


def outbox_frames(
    queue: pd.DataFrame, vault_numbers: dict[str, str] | None = None
) -> dict[str, pd.DataFrame]:
    """Relative file path -> its rows, from tonight's queued actions.

    `queue` holds one row per queued action with send_key, audience_name, customer_id,
    reachable_channels, offer_kind, offer_value, template_id, scheduled_send_at, taobao_nick,
    mobile_pseudonym, wecom_employee_userid, product_name. `vault_numbers` maps a mobile
    pseudonym to its number, for the SMS file; without it the file carries the pseudonyms.
    """
    queue = queue.assign(
        offer=[
            offer_text(k, v) for k, v in zip(queue["offer_kind"], queue["offer_value"], strict=True)
        ],
        send_at=pd.to_datetime(queue["scheduled_send_at"]).dt.strftime("%Y-%m-%d %H:%M"),
    )
    by_channel = {c: queue[on_channel(queue, c)] for c in CHANNELS}
    frames: dict[str, pd.DataFrame] = {}
    sms = by_channel["sms"]
    if len(sms):
        numbers = vault_numbers or {}
        frames["sms.csv"] = pd.DataFrame(
            {
                "手机号码": [numbers.get(p, "") for p in sms["mobile_pseudonym"]],
                "手机号假名": sms["mobile_pseudonym"].to_numpy(),
                "模板": sms["template_id"].to_numpy(),
                "优惠": sms["offer"].to_numpy(),
                "商品": sms["product_name"].fillna("").to_numpy(),
                "发送时间": sms["send_at"].to_numpy(),
                "人群": sms["audience_name"].to_numpy(),
                "send_key": sms["send_key"].to_numpy(),
            }
        )
    wangwang = by_channel["wangwang"]
    if len(wangwang):
        frames["wangwang.csv"] = pd.DataFrame(
            {
                "旺旺昵称": wangwang["taobao_nick"].to_numpy(),
                "人群": wangwang["audience_name"].to_numpy(),
                "话术模板": wangwang["template_id"].to_numpy(),
                "优惠": wangwang["offer"].to_numpy(),
                "商品": wangwang["product_name"].fillna("").to_numpy(),
                "send_key": wangwang["send_key"].to_numpy(),
            }
        )
    for audience, rows in by_channel["taobao_crowd"].groupby("audience_name", sort=True):
        frames[f"taobao_crowd/{audience}.csv"] = pd.DataFrame(
            {"淘宝会员名": rows["taobao_nick"].to_numpy(), "send_key": rows["send_key"].to_numpy()}
        )
    for employee, rows in by_channel["wecom"].groupby("wecom_employee_userid", sort=True):
        frames[f"wecom/{employee}.csv"] = _tasks(rows)
    agents = by_channel["agent_task"]
    if len(agents):
        frames["agent_tasks.csv"] = pd.concat(
            [
                pd.DataFrame(
                    {"负责人": agents["wecom_employee_userid"].fillna("未分配").to_numpy()}
                ),
                _tasks(agents),
            ],
            axis=1,
        )
    webhook = by_channel["webhook"]
    if len(webhook):
        frames["webhook.csv"] = _tasks(webhook)
    return frames


def _tasks(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "客户": rows["customer_id"].to_numpy(),
            "旺旺昵称": rows["taobao_nick"].to_numpy(),
            "人群": rows["audience_name"].to_numpy(),
            "话术模板": rows["template_id"].to_numpy(),
            "优惠": rows["offer"].to_numpy(),
            "商品": rows["product_name"].fillna("").to_numpy(),
            "发送时间": rows["send_at"].to_numpy(),
            "send_key": rows["send_key"].to_numpy(),
        }
    )


def write_outbox(
    outbox_dir: Path,
    as_of: dt.date,
    queue: pd.DataFrame,
    vault_numbers: dict[str, str] | None = None,
) -> OutboxReport:
    """Write tonight's folder `<outbox_dir>/<as_of>/` whole, replacing what a run of the same
    night wrote before: the files are written to a scratch folder beside it and swapped in."""
    night = outbox_dir / as_of.isoformat()
    outbox_dir.mkdir(parents=True, exist_ok=True)
    report = OutboxReport(folder=night)
    scratch = Path(tempfile.mkdtemp(prefix=f".{as_of.isoformat()}-", dir=outbox_dir))
    try:
        for relative, frame in outbox_frames(queue, vault_numbers).items():
            counts = write_spreadsheet(frame, scratch / relative)
            report.files[relative] = len(frame)
            report.escaped_cells += sum(counts.values())
            if relative == "sms.csv":
                report.sms_without_numbers = int((frame["手机号码"] == "").sum())
        (scratch / MANIFEST).write_text(
            json.dumps(
                {
                    "as_of": as_of.isoformat(),
                    "files": report.files,
                    "sms_without_numbers": report.sms_without_numbers,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
        if night.exists():
            shutil.rmtree(night)
        scratch.rename(night)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


WEBHOOK_FIELDS = (
    "send_key",
    "customer_id",
    "taobao_nick",
    "audience_name",
    "template_id",
    "offer",
    "product_name",
    "wecom_employee_userid",
    "send_at",
)


def webhook_actions(queue: pd.DataFrame) -> pd.DataFrame:
    """Tonight's actions for the webhook, with English field names for the receiving system
    (no phone: a receiver that texts holds its own numbers)."""
    rows = queue[on_channel(queue, "webhook")]
    rows = rows.assign(
        offer=[
            offer_text(k, v) for k, v in zip(rows["offer_kind"], rows["offer_value"], strict=True)
        ],
        send_at=pd.to_datetime(rows["scheduled_send_at"]).dt.strftime("%Y-%m-%d %H:%M"),
    )
    return rows[list(WEBHOOK_FIELDS)].reset_index(drop=True)


def without_erased(con, pii_key: bytes, queue: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The queue less any action naming an erased person by mobile or nick (the erasure
    tombstones, raw.suppression_list): their rows are gone from the marts, and this holds even
    for a mart built before the erasure. (queue, how many were dropped)."""
    secret, keys = suppression_keys(con, pii_key)
    if secret is None or queue.empty:
        return queue, 0
    erased = [
        is_suppressed(secret, keys, "phone", phone if isinstance(phone, str) else None)
        or is_suppressed(secret, keys, "taobao_nick", nick if isinstance(nick, str) else None)
        for phone, nick in zip(queue["mobile_pseudonym"], queue["taobao_nick"], strict=True)
    ]
    dropped = pd.Series(erased, index=queue.index, dtype=bool)
    return queue[~dropped], int(dropped.sum())


def send_keys_in(folder: Path) -> list[str]:
    """Every send key the night's files hold, one per row (for the checks)."""
    keys: list[str] = []
    for path in sorted(folder.rglob("*.csv")):
        keys.extend(pd.read_csv(path, dtype=str, encoding="utf-8-sig")["send_key"].tolist())
    return keys
