"""Loyalty and feedback lists a shop exports from its membership tool (淘宝会员通 / a mini-program
membership system / a CRM): members, the points ledger, and NPS or satisfaction surveys.

No single public format exists for these (shared/formats has none), so each family is keyed on
the header names such tools commonly use, in Chinese and English; a shop whose tool names a
column differently adds an alias here. A member is known by whichever ids the tool keeps: member
number, phone (pseudonymised on load), Taobao nick, WeChat unionid/openid.
"""

from __future__ import annotations

from ingestion.sources import sql_forms
from ingestion.sources.spec import Column, FileSpec, phone_kind_of
from ingestion.sources.values import (
    parse_date,
    parse_int,
    parse_phone,
    parse_score_0_10,
    parse_signed_int,
    parse_text,
    parse_timestamp,
    required_text,
)

TS = "TIMESTAMP"


_MOBILE_KIND = phone_kind_of("mobile")
_IDS = (
    Column("mobile", ("手机号", "手机", "手机号码", "mobile", "phone"), parse_phone, pii=True),
    Column("taobao_nick", ("淘宝会员名", "淘宝昵称", "买家会员名", "taobao_nick"), parse_text),
    Column("wechat_unionid", ("unionid", "UnionID", "微信unionid"), parse_text),
    Column("wechat_openid", ("openid", "OpenID", "微信openid"), parse_text),
)

MEMBERS = FileSpec(
    table="loyalty_members",
    description="会员列表: one row per member per export (tier, points balance, birthday, join date)",
    name_prefixes=("会员列表", "会员导出", "MemberList", "小程序会员", "Members"),
    generations=(("member_list", frozenset({"会员等级"})), ("member_list_en", frozenset({"tier"}))),
    columns=(
        Column(
            "member_id",
            ("会员编号", "会员卡号", "会员ID", "member_id"),
            required_text("会员编号"),
            required=True,
            fast=sql_forms.REQUIRED_TEXT,
        ),
        *_IDS,
        Column("nickname", ("昵称", "会员昵称", "nickname"), parse_text, pii=True),
        Column("tier", ("会员等级", "等级", "tier"), parse_text),
        Column(
            "points_balance",
            ("积分余额", "可用积分", "当前积分", "points_balance"),
            parse_int,
            "INTEGER",
        ),
        Column("birthday", ("生日", "出生日期", "birthday"), parse_date, "DATE"),
        Column("gender", ("性别", "gender"), parse_text),
        Column(
            "joined_at",
            ("入会时间", "注册时间", "开卡时间", "joined_at"),
            parse_timestamp,
            TS,
            required=True,
        ),
        Column("join_channel", ("入会渠道", "注册渠道", "来源渠道", "join_channel"), parse_text),
    ),
    derived=(_MOBILE_KIND,),
)

POINTS_LEDGER = FileSpec(
    table="loyalty_points_events",
    description="积分明细: one row per points event (earn, redeem, expire, adjust) per export",
    name_prefixes=("积分明细", "积分流水", "PointsLedger", "Points"),
    generations=(("points_ledger", frozenset({"积分变动"})),),
    columns=(
        Column("event_id", ("流水号", "明细编号", "event_id"), parse_text),
        Column(
            "member_id",
            ("会员编号", "会员卡号", "会员ID", "member_id"),
            required_text("会员编号"),
            required=True,
            fast=sql_forms.REQUIRED_TEXT,
        ),
        Column("event_type", ("变动类型", "类型", "event_type"), parse_text, required=True),
        Column(
            "points",
            ("积分变动", "变动积分", "积分", "points"),
            parse_signed_int,
            "INTEGER",
            required=True,
        ),
        Column(
            "balance_after",
            ("变动后余额", "剩余积分", "balance_after"),
            parse_signed_int,
            "INTEGER",
        ),
        Column("order_id", ("关联订单号", "订单编号", "order_id"), parse_text),
        Column("reason", ("备注", "说明", "reason"), parse_text),
        Column("event_at", ("变动时间", "时间", "event_at"), parse_timestamp, TS, required=True),
    ),
)

SURVEY_RESPONSES = FileSpec(
    table="survey_responses",
    description="问卷 / NPS: one row per survey answer (score 0-10, comment, date)",
    name_prefixes=("问卷", "NPS", "满意度", "Survey"),
    generations=(("nps_survey", frozenset({"推荐意愿"})), ("survey_en", frozenset({"score"}))),
    columns=(
        Column("response_id", ("答卷编号", "序号", "response_id"), parse_text),
        Column("survey_name", ("问卷名称", "survey"), parse_text),
        Column("member_id", ("会员编号", "会员卡号", "member_id"), parse_text),
        *_IDS,
        Column(
            "score",
            ("推荐意愿", "推荐意愿(0-10)", "NPS评分", "评分", "score"),
            parse_score_0_10,
            "INTEGER",
            required=True,
        ),
        Column("comment", ("意见建议", "评价内容", "留言", "comment"), parse_text),
        Column(
            "answered_at",
            ("提交时间", "答卷时间", "answered_at"),
            parse_timestamp,
            TS,
            required=True,
        ),
        Column("channel", ("答卷渠道", "渠道", "channel"), parse_text),
    ),
    derived=(_MOBILE_KIND,),
)
