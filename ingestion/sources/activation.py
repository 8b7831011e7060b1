"""What comes back from acting on customers, and the lists a shop keeps for it.

- the do-not-contact list (勿扰名单): no platform exports this; the shop writes it (a
  spreadsheet saved as CSV). A person is named by whichever id the shop has: Fugou's customer
  id (from the BI marts), a Taobao nick or a mobile (pseudonymised on load).
- delivery receipts: the SMS platform's send report (阿里云短信's 发送记录 and the like), one row
  per message, matched to Fugou's action by the send key the outbox handed over as the
  message's external id (OutId, 外部流水扩展字段). Any channel's receipts load the same way.
- SMS replies (上行短信): what customers texted back; TD/退订 and the like opt them out.
"""

from __future__ import annotations

from ingestion.sources.spec import Column, Derived, FileSpec, phone_kind_of
from ingestion.sources.values import parse_phone, parse_text, parse_timestamp

DO_NOT_CONTACT = FileSpec(
    table="do_not_contact",
    description="勿扰名单: people the shop asked never to be sent marketing (by customer id, nick or mobile)",
    name_prefixes=("勿扰名单", "免打扰名单", "DoNotContact", "do_not_contact"),
    generations=(
        ("do_not_contact", frozenset({"原因"})),
        ("do_not_contact_en", frozenset({"reason"})),
    ),
    columns=(
        Column("customer_id", ("客户ID", "客户编号", "customer_id"), parse_text),
        Column("taobao_nick", ("淘宝会员名", "淘宝昵称", "买家会员名", "taobao_nick"), parse_text),
        Column("mobile", ("手机号", "手机", "mobile", "phone"), parse_phone, pii=True),
        Column("reason", ("原因", "备注", "reason"), parse_text),
        Column("added_at", ("添加时间", "日期", "added_at"), parse_timestamp, "TIMESTAMP"),
    ),
    derived=(phone_kind_of("mobile"),),
    vaults_contacts=False,
)

DELIVERY_RECEIPTS = FileSpec(
    table="delivery_receipts",
    description="Send reports (短信发送记录, delivery receipts): one row per message, by send key",
    name_prefixes=("短信回执", "短信发送记录", "发送记录", "DeliveryReceipts", "delivery_receipts"),
    generations=(
        ("receipts_cn", frozenset({"发送状态"})),
        ("receipts_en", frozenset({"status"})),
    ),
    columns=(
        Column(
            "send_key",
            ("send_key", "外部流水扩展字段", "外部流水号", "OutId", "outId", "out_id", "业务ID"),
            parse_text,
            required=True,
        ),
        # text (发送成功, DELIVRD …), 阿里云 QuerySendDetails' sendStatus (1 等待回执, 2 发送失败,
        # 3 发送成功) or its status report's success (true/false): read in the staging model
        Column(
            "status",
            ("发送状态", "状态", "回执状态", "status", "sendStatus", "SendStatus", "success"),
            parse_text,
            required=True,
        ),
        Column(
            "status_at",
            (
                "接收时间",
                "回执时间",
                "状态时间",
                "status_at",
                "receiveDate",
                "receive_date",
                "report_time",
            ),
            parse_timestamp,
            "TIMESTAMP",
        ),
        Column(
            "sent_at",
            ("发送时间", "sent_at", "sendDate", "send_date", "send_time"),
            parse_timestamp,
            "TIMESTAMP",
        ),
        Column(
            "error_code",
            ("错误码", "失败原因", "error_code", "errCode", "err_code"),
            parse_text,
        ),
        Column("channel", ("渠道", "channel"), parse_text),
    ),
    # The report's number and message text are not needed (the send key names the action) and
    # are not kept: left out, not stored in _extra.
    known_headers=(
        "手机号码",
        "手机号",
        "接收号码",
        "phoneNum",
        "PhoneNum",
        "phone_number",
        "PhoneNumber",
        "短信内容",
        "内容",
        "content",
        "Content",
        "模板",
        "模板CODE",
        "模板code",
        "templateCode",
        "TemplateCode",
        "签名",
        "sign_name",
        "发送回执ID",
        "回执ID",
        "biz_id",
        "bizId",
        "BizId",
        "err_msg",
        "状态说明",
        "sms_size",
        "短信条数",
        "计费条数",
    ),
    # the customer the send key names (audience:customer:night), so an erasure finds the row
    derived=(
        Derived(
            "customer_id",
            lambda values: _customer_of(values["send_key"]),
            sql=lambda parsed: f"nullif(split_part({parsed['send_key']}, ':', 2), '')",
        ),
    ),
    detect_by_header=False,
    vaults_contacts=False,
)

SMS_REPLIES = FileSpec(
    table="sms_replies",
    description="上行短信: what customers texted back (TD/退订 opts them out)",
    name_prefixes=("短信回复", "上行短信", "SmsReplies", "sms_replies"),
    generations=(
        ("replies_cn", frozenset({"上行内容"})),
        ("replies_cn_short", frozenset({"回复内容"})),
        ("replies_en", frozenset({"content"})),
    ),
    columns=(
        Column("mobile", ("手机号", "手机号码", "phone_number", "mobile"), parse_phone, pii=True),
        Column("content", ("上行内容", "回复内容", "内容", "content"), parse_text),
        Column(
            "replied_at",
            ("接收时间", "回复时间", "send_time", "replied_at"),
            parse_timestamp,
            "TIMESTAMP",
        ),
    ),
    derived=(phone_kind_of("mobile"),),
    detect_by_header=False,
    vaults_contacts=False,
)


def _customer_of(send_key: str | None) -> str | None:
    parts = (send_key or "").split(":")
    return parts[1] or None if len(parts) > 1 else None


SPECS = (DO_NOT_CONTACT, DELIVERY_RECEIPTS, SMS_REPLIES)
