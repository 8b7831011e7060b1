"""What comes back from the channels: receipts loaded nights after the send bring each queued
action's delivery status into contact_history (earlier nights' rows included), and a TD/退订
reply suppresses the customer from then on. On the hand-computed shop, two nights."""

import datetime as dt

import duckdb
import pytest

from ingestion.loader import load_landing
from ingestion.prepare import pseudonymise
from tests.conftest import PII_KEY, query, run_dbt, write_export
from tests.fixtures.hand_shop import write_hand_shop

FIRST, SECOND = "2026-10-31", "2026-11-01"
ALL_CHANNELS = "sms,wecom,wangwang,taobao_crowd,agent_task,webhook"


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("receipts")
    warehouse = tmp_path / "warehouse.duckdb"
    landing = write_hand_shop(tmp_path / "landing")
    with duckdb.connect(str(warehouse)) as con:
        load_landing(con, landing, PII_KEY)
    run_dbt(["build", "--exclude", "test_type:unit"], warehouse, FIRST, tmp_path)
    first = query(
        warehouse,
        "select send_key, customer_id, channels, delivery_status from marts.contact_history "
        "where queue_status = 'queued' order by send_key",
    )
    assert len(first) >= 2, "the hand shop queues at least two actions on its first night"
    groups = query(
        warehouse,
        "select audience_name, customer_id, treatment_group from marts.audience_memberships",
    )
    (delivered, _, _, _), (failed, failed_customer, _, _) = first[:2]
    # the SMS platform's send report (阿里云-style columns, send key as OutId), two days later
    write_export(
        landing / "短信发送记录-20261102.csv",
        ["手机号码", "发送时间", "接收时间", "发送状态", "错误码", "外部流水扩展字段"],
        [
            {
                "手机号码": "138****0001",
                "发送时间": "2026-11-01 10:00:03",
                "接收时间": "2026-11-01 10:00:09",
                "发送状态": "发送中",
                "错误码": "",
                "外部流水扩展字段": delivered,
            },
            {
                "手机号码": "138****0002",
                "发送时间": "2026-11-01 10:00:04",
                "接收时间": "2026-11-01 10:00:30",
                "发送状态": "发送失败",
                "错误码": "MOBILE_NOT_ON_SERVICE",
                "外部流水扩展字段": failed,
            },
        ],
    )
    # 阿里云's QuerySendDetails shape: sendStatus 3 is 发送成功, with the whole number in phoneNum
    write_export(
        landing / "短信发送记录-20261103.csv",
        [
            "phoneNum",
            "sendStatus",
            "errCode",
            "templateCode",
            "content",
            "sendDate",
            "receiveDate",
            "outId",
        ],
        [
            {
                "phoneNum": "13800000001",
                "sendStatus": "3",
                "errCode": "DELIVERED",
                "templateCode": "SMS_1234",
                "content": "【小店】亲，送您一张券",
                "sendDate": "2026-11-01 10:00:03",
                "receiveDate": "2026-11-01 10:00:11",
                "outId": delivered,
            },
        ],
    )
    # carol texts back 退订 (with a full stop), bob asks a question
    write_export(
        landing / "上行短信-20261101.csv",
        ["手机号码", "上行内容", "接收时间"],
        [
            {"手机号码": "13800000003", "上行内容": "退订。", "接收时间": "2026-11-01 11:00:00"},
            {
                "手机号码": "13800000002",
                "上行内容": "什么时候发货",
                "接收时间": "2026-11-01 11:05:00",
            },
        ],
    )
    with duckdb.connect(str(warehouse)) as con:
        report = load_landing(con, landing, PII_KEY)
    assert {f.source_file: f.status for f in report.files if f.status == "loaded"} == {
        "短信发送记录-20261102.csv": "loaded",
        "短信发送记录-20261103.csv": "loaded",
        "上行短信-20261101.csv": "loaded",
    }
    # the report's number and message text are left out, not kept as unknown columns
    assert query(
        warehouse, "select count(*) from raw.delivery_receipts where _extra is not null"
    ) == [(0,)]
    assert b"13800000001" not in warehouse.read_bytes()
    run_dbt(["build", "--exclude", "test_type:unit"], warehouse, SECOND, tmp_path)
    return warehouse, first, delivered, failed, failed_customer, groups


def test_receipts_reach_earlier_nights_rows_of_contact_history(nights):
    warehouse, first, delivered, failed, *_ = nights
    rows = dict(
        (key, (status, code))
        for key, status, code in query(
            warehouse,
            "select send_key, delivery_status, delivery_error_code from marts.contact_history "
            f"where as_of_date = '{FIRST}'",
        )
    )
    # the later report (sendStatus 3) wins over 发送中
    assert rows[delivered] == ("delivered", "DELIVERED")
    assert rows[failed] == ("failed", "MOBILE_NOT_ON_SERVICE")
    others = {k: v for k, v in rows.items() if k not in (delivered, failed)}
    assert all(status is None for status, _ in others.values())  # no receipt: no status
    # the first night's rows are all still there, and the receipts' customer ids are raw's
    assert len(rows) >= len(first)
    assert query(
        warehouse, "select count(*) from raw.delivery_receipts where customer_id is null"
    ) == [(0,)]


def test_an_unsubscribe_reply_suppresses_the_customer(nights):
    warehouse, *_ = nights
    carol = pseudonymise(PII_KEY, "13800000003")
    rows = query(
        warehouse,
        """
        select suppression.suppression_kind, suppression.reason, suppression.suppressed_since_date
        from marts.suppression_list as suppression
        inner join marts.customer_identifiers as ids using (customer_id)
        where ids.identifier_type = 'phone_hmac' and ids.identifier_value = ?
        """,
        [carol],
    )
    assert rows == [("opted_out", "SMS reply 退订。", dt.date(2026, 11, 1))]
    # bob's question is no opt-out
    assert query(
        warehouse,
        "select count(*) from marts.suppression_list where suppression_kind = 'opted_out'",
    ) == [(1,)]
    # the second night holds back her marketing action (she was queued on the first)
    held = query(
        warehouse,
        """
        select queue.queue_status, queue.held_back_reason
        from marts.activation_queue as queue
        inner join marts.audience_definitions as definitions using (audience_name)
        inner join marts.customer_identifiers as ids using (customer_id)
        where definitions.is_marketing
            and ids.identifier_type = 'phone_hmac' and ids.identifier_value = ?
        """,
        [carol],
    )
    assert held and set(held) == {("held_back", "suppressed_opted_out")}


def test_every_member_keeps_their_group_on_the_second_night(nights):
    warehouse, *_, groups = nights
    second = {
        (a, c): g
        for a, c, g in query(
            warehouse,
            "select audience_name, customer_id, treatment_group from marts.audience_memberships",
        )
    }
    assert len(groups) >= 2
    assert all(second[(a, c)] == g for a, c, g in groups)  # nobody changes group, nobody is lost
