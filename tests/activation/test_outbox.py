"""The outbox lays tonight's queued actions out per channel: the right rows in the right files,
offers worded as shops write them, formula-like text escaped, and a rerun of the night
replacing its folder whole."""

import datetime as dt

import pandas as pd
import pytest

from activation.outbox import offer_text, send_keys_in, write_outbox

NIGHT = dt.date(2026, 10, 31)


def _queue(rows: list[dict]) -> pd.DataFrame:
    base = {
        "offer_kind": "none",
        "offer_value": 0,
        "template_id": "t",
        "scheduled_send_at": "2026-11-01 10:00:00",
        "taobao_nick": None,
        "mobile_pseudonym": None,
        "wecom_employee_userid": None,
        "product_name": None,
    }
    frame = pd.DataFrame([{**base, **row} for row in rows])
    frame["send_key"] = frame["audience_name"] + ":" + frame["customer_id"] + ":2026-10-31"
    return frame


@pytest.mark.parametrize(
    ("kind", "value", "said"),
    [
        ("discount", 0.85, "85折"),
        ("discount", 0.8, "8折"),
        ("discount", 0.75, "75折"),
        ("amount_off", 30, "30元"),
        ("no_threshold", 50, "50元无门槛"),
        ("gift", 0, "礼品"),
        ("none", 0, ""),
    ],
)
def test_offers_read_as_shops_write_them(kind, value, said):
    assert offer_text(kind, value) == said


def test_each_channel_gets_its_file_and_a_rerun_replaces_the_night(tmp_path):
    queue = _queue(
        [
            {
                "audience_name": "silent_high_value",
                "customer_id": "C1",
                "reachable_channels": "sms,agent_task",
                "offer_kind": "discount",
                "offer_value": 0.85,
                "taobao_nick": '=HYPERLINK("http://x")',
                "mobile_pseudonym": "ab12",
                "wecom_employee_userid": "zhangsan",
            },
            {
                "audience_name": "high_value_lapsing",
                "customer_id": "C2",
                "reachable_channels": "wangwang",
                "taobao_nick": "小厨娘",
            },
            {
                "audience_name": "replenishment_due",
                "customer_id": "C3",
                "reachable_channels": "wecom,sms",
                "wecom_employee_userid": "lisi",
                "mobile_pseudonym": "cd34",
                "product_name": "厨房纸",
            },
            {
                "audience_name": "vip",
                "customer_id": "C4",
                "reachable_channels": "taobao_crowd,agent_task",
                "taobao_nick": "大客户",
            },
        ]
    )
    report = write_outbox(tmp_path, NIGHT, queue)
    night = tmp_path / "2026-10-31"
    assert report.files == {
        "sms.csv": 2,
        "wangwang.csv": 1,
        "taobao_crowd/vip.csv": 1,
        "wecom/lisi.csv": 1,
        "agent_tasks.csv": 2,
    }
    # no vault yet: the SMS rows carry pseudonyms and say so
    assert report.sms_without_numbers == 2
    sms = pd.read_csv(night / "sms.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert list(sms["手机号假名"]) == ["ab12", "cd34"] and set(sms["手机号码"]) == {""}
    assert list(sms["优惠"]) == ["85折", ""] and list(sms["商品"]) == ["", "厨房纸"]
    assert (night / "sms.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese
    agents = pd.read_csv(night / "agent_tasks.csv", dtype=str, encoding="utf-8-sig")
    assert list(agents["负责人"]) == ["zhangsan", "未分配"]
    # a nick a spreadsheet would run is escaped
    assert agents["旺旺昵称"][0] == '\'=HYPERLINK("http://x")'
    assert sorted(send_keys_in(night)) == sorted(
        [
            "silent_high_value:C1:2026-10-31",
            "silent_high_value:C1:2026-10-31",
            "high_value_lapsing:C2:2026-10-31",
            "replenishment_due:C3:2026-10-31",
            "replenishment_due:C3:2026-10-31",
            "vip:C4:2026-10-31",
            "vip:C4:2026-10-31",
        ]
    )
    # a rerun of the night with a smaller queue leaves only its own files
    write_outbox(tmp_path, NIGHT, queue.iloc[[1]])
    assert sorted(p.name for p in night.rglob("*.csv")) == ["wangwang.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["2026-10-31"]  # no scratch left behind


def test_a_night_that_queues_nobody_writes_an_empty_folder(tmp_path):
    empty = _queue([{"audience_name": "a", "customer_id": "C1", "reachable_channels": "sms"}])
    report = write_outbox(tmp_path, NIGHT, empty.iloc[0:0])
    assert report.files == {} and report.rows == 0
    assert [p.name for p in (tmp_path / "2026-10-31").iterdir()] == ["manifest.json"]
