"""The dashboard's panels: what each one reads, and how it is drawn in each language.

A panel is its SQL (portable: it runs on the DuckDB default and on PostgreSQL, against the schema
the caller names) plus a drawing function that turns the result into a Vega-Altair chart with
labels in one language. Every table a panel reads is listed in `tables`; the dbt exposure
`operator_dashboard` lists the same marts, and a test holds the two together, so the lineage in
dbt docs and Dagster is the page's real lineage.

Numbers follow `dashboard.numbers`: tooltips carry text formatted in Python, axes use the same
rules as Vega expressions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from dashboard.numbers import AXIS_LABELS, count, money, percent, points

Frames = dict[str, pd.DataFrame]
WIDTH = 520
HEIGHT = 260


@dataclass(frozen=True)
class Panel:
    key: str
    title: dict[str, str]
    note: dict[str, str]
    # SQL by frame name; {marts} and {raw} are the schemas to read
    queries: dict[str, str]
    draw: Callable[[Frames, str], alt.TopLevelMixin]
    # the frame whose rows say the panel has something to show
    main_frame: str
    # tables read, as schema.table; the marts among them are the exposure's depends_on
    tables: tuple[str, ...] = field(default_factory=tuple)
    wide: bool = False


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _axis(lang: str, kind: str, title: str | None = None, **kwargs) -> alt.Axis:
    if kind == "count":  # no ticks at 0.5 customers when there are only a few
        kwargs.setdefault("tickMinStep", 1)
    return alt.Axis(labelExpr=AXIS_LABELS[lang][kind], title=title, **kwargs)


def _month_axis(lang: str, title: str | None = None) -> alt.Axis:
    return alt.Axis(format="%Y-%m" if lang == "en" else "%Y年%-m月", title=title, labelAngle=-40)


# --- repurchase ---------------------------------------------------------------------------

REPURCHASE_MONTHLY = """
select month_start_date, buyer_count, repurchase_rate, new_customer_count,
       repurchase_rate_30d, repurchase_rate_60d, repurchase_rate_90d
from {marts}.repurchase_monthly
order by month_start_date
"""
REPURCHASE_QUARTERLY = """
select quarter_start_date, buyer_count, repurchase_rate
from {marts}.repurchase_quarterly
order by quarter_start_date
"""

# the trend an operator reads: two years (the marts keep every month)
REPURCHASE_MONTHS = 24
RATE_NAMES = {
    "repurchase_rate": ("老客占比(当月买家中回购的)", "returning share of the month's buyers"),
    "repurchase_rate_30d": ("新客30天回购率", "new customers back within 30 days"),
    "repurchase_rate_60d": ("新客60天回购率", "new customers back within 60 days"),
    "repurchase_rate_90d": ("新客90天回购率", "new customers back within 90 days"),
}


def draw_repurchase(frames: Frames, lang: str):
    monthly = frames["monthly"].copy()
    monthly["month_start_date"] = pd.to_datetime(monthly["month_start_date"])
    monthly = monthly.tail(REPURCHASE_MONTHS)
    long = monthly.melt(
        id_vars=["month_start_date"],
        value_vars=list(RATE_NAMES),
        var_name="measure",
        value_name="rate",
    ).dropna(subset=["rate"])
    long["series"] = long["measure"].map({k: _t(lang, *v) for k, v in RATE_NAMES.items()})
    long["rate_text"] = [percent(v, lang) for v in long["rate"]]
    long["month"] = long["month_start_date"].dt.strftime("%Y-%m")
    order = [_t(lang, *RATE_NAMES[k]) for k in RATE_NAMES]
    lines = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("month_start_date:T", axis=_month_axis(lang)),
            y=alt.Y("rate:Q", axis=_axis(lang, "percent", _t(lang, "比率", "rate"))),
            color=alt.Color(
                "series:N",
                sort=order,
                scale=alt.Scale(domain=order),
                legend=alt.Legend(title=None, orient="bottom", columns=2),
            ),
            tooltip=[
                alt.Tooltip("month:N", title=_t(lang, "月份", "month")),
                alt.Tooltip("series:N", title=_t(lang, "指标", "measure")),
                alt.Tooltip("rate_text:N", title=_t(lang, "比率", "rate")),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT, title=_t(lang, "按月", "by month"))
    )
    quarterly = frames["quarterly"].copy()
    quarterly["quarter_start_date"] = pd.to_datetime(quarterly["quarter_start_date"])
    quarterly = quarterly.tail(REPURCHASE_MONTHS // 3)
    quarterly["quarter"] = [
        f"{d.year}Q{(d.month - 1) // 3 + 1}" for d in quarterly["quarter_start_date"]
    ]
    quarterly["rate_text"] = [percent(v, lang) for v in quarterly["repurchase_rate"]]
    quarterly["buyers_text"] = [count(v, lang) for v in quarterly["buyer_count"]]
    bars = (
        alt.Chart(quarterly)
        .mark_bar()
        .encode(
            x=alt.X("quarter:N", sort=None, title=None, axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("repurchase_rate:Q", axis=_axis(lang, "percent", None)),
            tooltip=[
                alt.Tooltip("quarter:N", title=_t(lang, "季度", "quarter")),
                alt.Tooltip("rate_text:N", title=_t(lang, "老客占比", "returning share")),
                alt.Tooltip("buyers_text:N", title=_t(lang, "买家数", "buyers")),
            ],
        )
        .properties(width=220, height=HEIGHT, title=_t(lang, "按季度", "by quarter"))
    )
    return alt.hconcat(lines, bars)


# --- member tiers -------------------------------------------------------------------------

TIERS = """
select tier_rank, member_tier, member_count, member_share, net_spend_amount, net_spend_share
from {marts}.loyalty_tier_summary
order by tier_rank
"""


def draw_tiers(frames: Frames, lang: str):
    tiers = frames["tiers"].copy()
    tiers["members_text"] = [count(v, lang) for v in tiers["member_count"]]
    tiers["spend_text"] = [money(v, lang) for v in tiers["net_spend_amount"]]
    for column in ("member_share", "net_spend_share"):
        tiers[column] = pd.to_numeric(tiers[column])
        tiers[column + "_text"] = [percent(v, lang) for v in tiers[column]]
    order = list(tiers["member_tier"])
    tooltip = [
        alt.Tooltip("member_tier:N", title=_t(lang, "等级", "tier")),
        alt.Tooltip("members_text:N", title=_t(lang, "会员数", "members")),
        alt.Tooltip("member_share_text:N", title=_t(lang, "会员占比", "share of members")),
        alt.Tooltip("spend_text:N", title=_t(lang, "消费额", "net spend")),
        alt.Tooltip("net_spend_share_text:N", title=_t(lang, "消费占比", "share of spend")),
    ]

    def pie(theta: str, title: str):
        base = alt.Chart(tiers).encode(
            theta=alt.Theta(f"{theta}:Q", stack=True),
            color=alt.Color(
                "member_tier:N",
                sort=order,
                scale=alt.Scale(domain=order, scheme="goldorange"),
                legend=alt.Legend(title=_t(lang, "会员等级", "tier"), orient="bottom"),
            ),
            order=alt.Order("tier_rank:Q"),
            tooltip=tooltip,
        )
        arcs = base.mark_arc(outerRadius=105, innerRadius=45)
        # a slice under 4% has no room for its label: the tooltip has it
        labels = (
            base.transform_filter(f"datum.{theta} >= 0.04")
            .mark_text(radius=130, fontSize=12)
            .encode(text=alt.Text(f"{theta}_text:N"))
        )
        return (arcs + labels).properties(width=260, height=HEIGHT, title=title)

    return alt.hconcat(
        pie("member_share", _t(lang, "会员人数占比", "share of members")),
        pie("net_spend_share", _t(lang, "消费金额占比", "share of members' net spend")),
    ).resolve_scale(color="shared")


# --- RFM groups and segments --------------------------------------------------------------

RFM_GROUPS = """
select rfm_group_code, rfm_group_cn, rfm_group_en, count(*) as customer_count
from {marts}.customer_rfm
group by rfm_group_code, rfm_group_cn, rfm_group_en
order by rfm_group_code
"""
RFM_SEGMENTS = """
select rfm_segment_en, rfm_segment_cn, count(*) as customer_count
from {marts}.customer_rfm
group by rfm_segment_en, rfm_segment_cn
order by customer_count desc, rfm_segment_en
"""
# the latest month's moves between groups: who came in, who left
RFM_MOVES = """
with latest as (
    select max(month_start_date) as month_start_date
    from {marts}.segment_migration_monthly
)
select m.segment_type, m.from_segment, m.to_segment, sum(m.customer_count) as customer_count
from {marts}.segment_migration_monthly as m
inner join latest on m.month_start_date = latest.month_start_date
where not m.is_unchanged
group by m.segment_type, m.from_segment, m.to_segment
"""


def _net_moves(moves: pd.DataFrame, segment_type: str) -> pd.Series:
    rows = moves[moves["segment_type"] == segment_type]
    if rows.empty:
        return pd.Series(dtype="float64")
    came = rows.groupby("to_segment")["customer_count"].sum()
    left = rows.groupby("from_segment")["customer_count"].sum()
    return came.sub(left, fill_value=0)


def _moves_text(net: float, lang: str) -> str:
    if pd.isna(net):
        return ""
    if net == 0:
        return _t(lang, "持平", "no change")
    return f"{net:+,.0f}"


def _group_bars(frame: pd.DataFrame, label: str, lang: str, title: str, height: int):
    frame = frame.copy()
    frame["customers_text"] = [count(v, lang) for v in frame["customer_count"]]
    frame["moves_text"] = [_moves_text(v, lang) for v in frame["net_moves"]]
    frame["label"] = frame[label]
    base = alt.Chart(frame).encode(
        y=alt.Y("label:N", sort=None, title=None),
        x=alt.X("customer_count:Q", axis=_axis(lang, "count", _t(lang, "客户数", "customers"))),
        tooltip=[
            alt.Tooltip("label:N", title=_t(lang, "分组", "group")),
            alt.Tooltip("customers_text:N", title=_t(lang, "客户数", "customers")),
            alt.Tooltip(
                "moves_text:N", title=_t(lang, "较上月净变化", "net move since last month")
            ),
        ],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "direction:N",
            scale=alt.Scale(
                domain=[
                    _t(lang, "上月净流入", "grew"),
                    _t(lang, "上月净流出", "shrank"),
                    _t(lang, "持平", "no change"),
                ],
                range=["#2f7d4f", "#c0392b", "#8c8c8c"],
            ),
            legend=alt.Legend(title=_t(lang, "较上月", "since last month"), orient="bottom"),
        )
    )
    text = base.mark_text(align="left", dx=4, fontSize=11).encode(text="moves_text:N")
    return (bars + text).properties(width=230, height=height, title=title)


def _with_moves(frame: pd.DataFrame, net: pd.Series, key: str, lang: str) -> pd.DataFrame:
    frame = frame.copy()
    frame["net_moves"] = frame[key].map(net)
    frame["direction"] = [
        _t(lang, "持平", "no change")
        if pd.isna(v) or v == 0
        else (_t(lang, "上月净流入", "grew") if v > 0 else _t(lang, "上月净流出", "shrank"))
        for v in frame["net_moves"]
    ]
    frame["net_moves"] = frame["net_moves"].fillna(0)
    return frame


def draw_rfm(frames: Frames, lang: str):
    moves = frames["moves"]
    groups = frames["groups"]
    # segment_migration_monthly names groups and segments by their Chinese names
    groups = _with_moves(groups, _net_moves(moves, "rfm_group"), "rfm_group_cn", lang)
    segments = _with_moves(
        frames["segments"], _net_moves(moves, "rfm_segment"), "rfm_segment_cn", lang
    )
    return alt.hconcat(
        _group_bars(
            groups,
            "rfm_group_cn" if lang == "zh" else "rfm_group_en",
            lang,
            _t(lang, "八大客群", "the 8 classic groups"),
            HEIGHT,
        ),
        _group_bars(
            segments,
            "rfm_segment_cn" if lang == "zh" else "rfm_segment_en",
            lang,
            _t(lang, "11个细分", "the 11 segments"),
            HEIGHT,
        ),
    ).resolve_scale(color="shared")


# --- lifecycle funnel ---------------------------------------------------------------------

LIFECYCLE = """
select lifecycle_stage, lifecycle_stage_cn, count(*) as customer_count
from {marts}.customer_lifecycle
group by lifecycle_stage, lifecycle_stage_cn
"""
STAGE_ORDER = ("potential", "new", "active", "loyal", "silent", "churned")


def draw_lifecycle(frames: Frames, lang: str):
    stages = frames["stages"].copy()
    stages["position"] = (
        stages["lifecycle_stage"]
        .map({stage: i for i, stage in enumerate(STAGE_ORDER)})
        .fillna(len(STAGE_ORDER))
    )
    stages = stages.sort_values(["position", "lifecycle_stage"])
    stages["label"] = stages["lifecycle_stage_cn"] if lang == "zh" else stages["lifecycle_stage"]
    total = stages["customer_count"].sum()
    stages["share_text"] = [
        percent(v / total if total else None, lang) for v in stages["customer_count"]
    ]
    stages["customers_text"] = [count(v, lang) for v in stages["customer_count"]]
    stages["left"] = -stages["customer_count"] / 2
    stages["right"] = stages["customer_count"] / 2
    stages["caption"] = stages["customers_text"] + " (" + stages["share_text"] + ")"
    order = list(stages["label"])
    base = alt.Chart(stages).encode(
        y=alt.Y("label:N", sort=order, title=None),
        tooltip=[
            alt.Tooltip("label:N", title=_t(lang, "阶段", "stage")),
            alt.Tooltip("customers_text:N", title=_t(lang, "客户数", "customers")),
            alt.Tooltip("share_text:N", title=_t(lang, "占比", "share")),
        ],
    )
    bars = base.mark_bar().encode(
        x=alt.X("left:Q", axis=None),
        x2="right:Q",
        color=alt.Color(
            "label:N", sort=order, scale=alt.Scale(domain=order, scheme="tealblues"), legend=None
        ),
    )
    text = base.mark_text(fontSize=12, color="#111").encode(x=alt.datum(0), text="caption:N")
    return (bars + text).properties(width=WIDTH, height=HEIGHT)


# --- cohort retention ---------------------------------------------------------------------

COHORTS = """
select cohort_month_start_date, months_since_first_purchase, cohort_customer_count,
       active_customer_count, retention_rate
from {marts}.cohort_retention_monthly
where months_since_first_purchase between 1 and 12
order by cohort_month_start_date, months_since_first_purchase
"""


def draw_cohorts(frames: Frames, lang: str):
    cohorts = frames["cohorts"].copy()
    cohorts["cohort_month_start_date"] = pd.to_datetime(cohorts["cohort_month_start_date"])
    latest = sorted(cohorts["cohort_month_start_date"].unique())[-12:]
    cohorts = cohorts[cohorts["cohort_month_start_date"].isin(latest)].copy()
    cohorts["cohort"] = cohorts["cohort_month_start_date"].dt.strftime("%Y-%m")
    cohorts["retention_rate"] = pd.to_numeric(cohorts["retention_rate"])
    cohorts["rate_text"] = [percent(v, lang) for v in cohorts["retention_rate"]]
    cohorts["size_text"] = [count(v, lang) for v in cohorts["cohort_customer_count"]]
    base = alt.Chart(cohorts).encode(
        x=alt.X(
            "months_since_first_purchase:O",
            title=_t(lang, "首购后第几个月", "months after the first purchase"),
            axis=alt.Axis(labelAngle=0),
        ),
        y=alt.Y("cohort:O", title=_t(lang, "首购月份", "first purchase month")),
        tooltip=[
            alt.Tooltip("cohort:N", title=_t(lang, "首购月份", "cohort")),
            alt.Tooltip("size_text:N", title=_t(lang, "新客数", "new customers")),
            alt.Tooltip("months_since_first_purchase:O", title=_t(lang, "第几个月", "month")),
            alt.Tooltip("rate_text:N", title=_t(lang, "留存率", "retention")),
        ],
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "retention_rate:Q",
            scale=alt.Scale(scheme="blues"),
            legend=alt.Legend(title=_t(lang, "留存率", "retention"), format=".0%", orient="right"),
        )
    )
    text = base.mark_text(fontSize=9).encode(
        text="rate_text:N",
        color=alt.condition("datum.retention_rate > 0.25", alt.value("white"), alt.value("#222")),
    )
    return (cells + text).properties(width=WIDTH, height=HEIGHT)


# --- customer value -----------------------------------------------------------------------

CLV = """
select historical_ltv_amount
from {marts}.customer_ltv
where historical_ltv_amount is not null
"""
PREDICTED_BY_SEGMENT = """
select r.rfm_group_code, r.rfm_group_cn, r.rfm_group_en,
       count(*) as customer_count,
       avg(p.clv_12m_amount) as mean_predicted_value,
       sum(p.clv_12m_amount) as predicted_value
from {marts}.customer_predictions as p
inner join {marts}.customer_rfm as r on p.customer_id = r.customer_id
where p.clv_12m_amount is not null
group by r.rfm_group_code, r.rfm_group_cn, r.rfm_group_en
order by r.rfm_group_code
"""
CLV_BINS = (0, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)


def _clv_bands(values: pd.Series, lang: str) -> pd.DataFrame:
    """Historical value in bands a shop names (¥0–100 …): money spreads over orders of magnitude,
    so equal-width bins would put nearly everyone in the first one."""
    edges = [*CLV_BINS, float("inf")]
    labels = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        if high == float("inf"):
            labels.append(money(low, lang) + "+")
        else:
            labels.append(f"{money(low, lang)}–{money(high, lang)}")
    bands = pd.cut(pd.to_numeric(values), bins=edges, labels=labels, right=False)
    frame = bands.value_counts(sort=False).rename_axis("band").reset_index(name="customer_count")
    frame["band"] = frame["band"].astype(str)
    frame["customers_text"] = [count(v, lang) for v in frame["customer_count"]]
    return frame


def draw_value(frames: Frames, lang: str):
    bands = _clv_bands(frames["clv"]["historical_ltv_amount"], lang)
    histogram = (
        alt.Chart(bands)
        .mark_bar()
        .encode(
            x=alt.X(
                "band:N",
                sort=None,
                title=_t(lang, "累计消费", "spend to date"),
                axis=alt.Axis(labelAngle=-35),
            ),
            y=alt.Y("customer_count:Q", axis=_axis(lang, "count", _t(lang, "客户数", "customers"))),
            tooltip=[
                alt.Tooltip("band:N", title=_t(lang, "区间", "band")),
                alt.Tooltip("customers_text:N", title=_t(lang, "客户数", "customers")),
            ],
        )
        .properties(
            width=280, height=HEIGHT, title=_t(lang, "历史客户价值分布", "historical value")
        )
    )
    predicted = frames["predicted"].copy()
    charts = [histogram]
    if not predicted.empty:
        predicted["label"] = (
            predicted["rfm_group_cn"] if lang == "zh" else predicted["rfm_group_en"]
        )
        predicted["mean_predicted_value"] = pd.to_numeric(predicted["mean_predicted_value"])
        predicted["mean_text"] = [money(v, lang) for v in predicted["mean_predicted_value"]]
        predicted["total_text"] = [money(v, lang) for v in predicted["predicted_value"]]
        predicted["customers_text"] = [count(v, lang) for v in predicted["customer_count"]]
        charts.append(
            alt.Chart(predicted)
            .mark_bar(color="#d4822a")
            .encode(
                y=alt.Y("label:N", sort=None, title=None),
                x=alt.X(
                    "mean_predicted_value:Q",
                    axis=_axis(lang, "money", _t(lang, "人均", "per customer")),
                ),
                tooltip=[
                    alt.Tooltip("label:N", title=_t(lang, "客群", "group")),
                    alt.Tooltip("mean_text:N", title=_t(lang, "人均预测值", "mean predicted")),
                    alt.Tooltip("total_text:N", title=_t(lang, "合计", "total")),
                    alt.Tooltip("customers_text:N", title=_t(lang, "客户数", "customers")),
                ],
            )
            .properties(
                width=200,
                height=HEIGHT,
                title=_t(lang, "未来12个月预测价值(按客群)", "predicted 12-month value"),
            )
        )
    return alt.hconcat(*charts)


# --- tonight's actions --------------------------------------------------------------------

AUDIENCES = """
select q.audience_name, d.description_cn, d.description_en,
       min(q.priority) as priority, q.queue_status, count(*) as customer_count
from {marts}.activation_queue as q
left join {marts}.audience_definitions as d on q.audience_name = d.audience_name
group by q.audience_name, d.description_cn, d.description_en, q.queue_status
"""
# each queued action once per channel it goes out on (split in Python: portable)
QUEUED_CHANNELS = """
select reachable_channels, count(*) as action_count
from {marts}.activation_queue
where queue_status = 'queued'
group by reachable_channels
"""
STATUS_NAMES = {
    "queued": ("发送", "queued"),
    "holdout": ("对照组(不发)", "holdout"),
    "held_back": ("拦截(抑制/频控/无渠道)", "held back"),
}
CHANNEL_NAMES = {
    "sms": ("短信", "SMS"),
    "wangwang": ("旺旺", "Wangwang"),
    "taobao_crowd": ("淘宝人群", "Taobao crowd"),
    "wecom": ("企业微信", "WeCom"),
    "agent_task": ("客服任务", "agent task"),
    "webhook": ("Webhook", "webhook"),
}


def draw_tonight(frames: Frames, lang: str):
    audiences = frames["audiences"].copy()
    audiences["status"] = (
        audiences["queue_status"]
        .map({k: _t(lang, *v) for k, v in STATUS_NAMES.items()})
        .fillna(audiences["queue_status"])
    )
    audiences["customers_text"] = [count(v, lang) for v in audiences["customer_count"]]
    audiences["description"] = audiences[
        "description_cn" if lang == "zh" else "description_en"
    ].fillna("")
    order = list(
        audiences.groupby("audience_name")["priority"].min().sort_values(kind="stable").index
    )
    status_order = [_t(lang, *v) for v in STATUS_NAMES.values()]
    stacked = (
        alt.Chart(audiences)
        .mark_bar()
        .encode(
            y=alt.Y("audience_name:N", sort=order, title=None),
            x=alt.X("customer_count:Q", axis=_axis(lang, "count", _t(lang, "人数", "customers"))),
            color=alt.Color(
                "status:N",
                sort=status_order,
                scale=alt.Scale(domain=status_order, range=["#2f7d4f", "#e0b33a", "#9aa5b1"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            order=alt.Order("queue_status:N"),
            tooltip=[
                alt.Tooltip("audience_name:N", title=_t(lang, "人群", "audience")),
                alt.Tooltip("description:N", title=_t(lang, "规则", "rule")),
                alt.Tooltip("status:N", title=_t(lang, "状态", "status")),
                alt.Tooltip("customers_text:N", title=_t(lang, "人数", "customers")),
            ],
        )
        .properties(
            width=330,
            height=max(HEIGHT, 18 * len(order)),
            title=_t(lang, "今晚的人群", "tonight's audiences"),
        )
    )
    channels = channel_counts(frames["channels"])
    channels["channel_label"] = (
        channels["channel"]
        .map({k: _t(lang, *v) for k, v in CHANNEL_NAMES.items()})
        .fillna(channels["channel"])
    )
    channels["actions_text"] = [count(v, lang) for v in channels["action_count"]]
    by_channel = (
        alt.Chart(channels)
        .mark_bar(color="#3b6ea8")
        .encode(
            x=alt.X("channel_label:N", sort="-y", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("action_count:Q", axis=_axis(lang, "count", _t(lang, "条数", "actions"))),
            tooltip=[
                alt.Tooltip("channel_label:N", title=_t(lang, "渠道", "channel")),
                alt.Tooltip("actions_text:N", title=_t(lang, "条数", "actions")),
            ],
        )
        .properties(width=180, height=HEIGHT, title=_t(lang, "发件箱(按渠道)", "outbox by channel"))
    )
    return alt.hconcat(stacked, by_channel)


def channel_counts(queued: pd.DataFrame) -> pd.DataFrame:
    """Queued actions per channel: a member reachable on two channels counts on both, as the
    outbox writes a row to each."""
    totals: dict[str, int] = {}
    for channels, n in zip(queued["reachable_channels"], queued["action_count"], strict=True):
        for channel in str(channels or "").split(","):
            channel = channel.strip()
            if channel:
                totals[channel] = totals.get(channel, 0) + int(n)
    return pd.DataFrame(
        sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])), columns=["channel", "action_count"]
    )


# --- did it work --------------------------------------------------------------------------

CAMPAIGNS = """
select lift.audience_name, lift.wave_date, lift.is_pooled, lift.is_window_complete,
       lift.treatment_count, lift.holdout_count,
       lift.conversion_lift, lift.conversion_lift_lower, lift.conversion_lift_upper,
       lift.conversion_verdict,
       roi.roi, roi.roi_lower, roi.roi_upper, roi.roi_verdict,
       roi.incremental_gross_margin_amount, roi.cost_amount
from {marts}.campaign_lift as lift
left join {marts}.campaign_roi as roi
    on lift.audience_name = roi.audience_name
    and (
        (roi.is_pooled and lift.is_pooled)
        or (not roi.is_pooled and not lift.is_pooled and roi.wave_date = lift.wave_date)
    )
order by lift.audience_name, lift.wave_date
"""


def campaign_rows(campaigns: pd.DataFrame) -> pd.DataFrame:
    """One row per audience: the pooled result of the waves whose window is over where there is
    one, else the latest wave, marked as still open. (A shop's first weeks have no finished
    window; it should still see how its first waves are going.)"""
    pooled = campaigns[campaigns["is_pooled"].astype(bool)]
    waves = campaigns[~campaigns["is_pooled"].astype(bool)]
    latest = (
        waves[~waves["audience_name"].isin(pooled["audience_name"])]
        .sort_values(["audience_name", "wave_date"])
        .groupby("audience_name", as_index=False)
        .tail(1)
    )
    return pd.concat([pooled, latest], ignore_index=True).sort_values(
        ["treatment_count", "audience_name"], ascending=[False, True], kind="stable"
    )


def _interval_chart(frame, value, low, high, lang, axis_kind, title, text_fn):
    """A point and its 95% interval per audience; an audience that cannot be measured yet (no
    holdout, too few members) keeps its row, with the reason written where the point would be."""
    frame = frame.copy()
    for column in (value, low, high):
        frame[column] = pd.to_numeric(frame[column])
    frame["value_text"] = [text_fn(v, lang) for v in frame[value]]
    frame["interval_text"] = [
        "–" if pd.isna(a) else f"{text_fn(a, lang)} … {text_fn(b, lang)}"
        for a, b in zip(frame[low], frame[high], strict=True)
    ]
    order = list(frame["audience_name"])
    base = alt.Chart(frame).encode(
        y=alt.Y("audience_name:N", sort=order, title=None),
        tooltip=[
            alt.Tooltip("audience_name:N", title=_t(lang, "人群", "audience")),
            alt.Tooltip("value_text:N", title=title),
            alt.Tooltip("interval_text:N", title=_t(lang, "95%区间", "95% interval")),
            alt.Tooltip("verdict:N", title=_t(lang, "结论", "verdict")),
        ],
    )
    measured = base.transform_filter(f"isValid(datum.{value})")
    rule = measured.mark_rule(strokeWidth=2, color="#888").encode(
        x=alt.X(f"{low}:Q", axis=_axis(lang, axis_kind, title)), x2=f"{high}:Q"
    )
    dot = measured.mark_point(filled=True, size=70).encode(
        x=f"{value}:Q",
        color=alt.Color(
            "verdict:N", legend=alt.Legend(title=_t(lang, "结论", "verdict"), orient="bottom")
        ),
    )
    unmeasured = (
        base.transform_filter(f"!isValid(datum.{value})")
        .mark_text(align="left", dx=4, color="#8c8c8c", fontSize=11)
        .encode(x=alt.datum(0), text="verdict:N")
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0]})).mark_rule(strokeDash=[4, 3]).encode(x="zero:Q")
    return (rule + dot + unmeasured + zero).properties(width=250, height=max(160, 20 * len(frame)))


VERDICT_NAMES = {
    "lift": ("有提升", "lift"),
    "negative": ("负效果", "negative"),
    "no_clear_effect": ("无明显效果", "no clear effect"),
    "too_small_to_tell": ("样本太少", "too small to tell"),
    "no_holdout": ("无对照组", "no holdout"),
    # ROI's own
    "profitable": ("盈利", "profitable"),
    "loss": ("亏损", "loss"),
    "unclear": ("盈亏未定", "unclear"),
}


def _verdict(value, lang: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    names = VERDICT_NAMES.get(str(value))
    return _t(lang, *names) if names else str(value)


def draw_campaigns(frames: Frames, lang: str):
    campaigns = campaign_rows(frames["campaigns"])
    campaigns["audience_name"] = [
        name if pooled else f"{name} ({_t(lang, '进行中', 'open')} {pd.Timestamp(wave):%m-%d})"
        for name, pooled, wave in zip(
            campaigns["audience_name"],
            campaigns["is_pooled"].astype(bool),
            campaigns["wave_date"],
            strict=True,
        )
    ]
    lift = campaigns.assign(verdict=[_verdict(v, lang) for v in campaigns["conversion_verdict"]])
    roi = campaigns.assign(verdict=[_verdict(v, lang) for v in campaigns["roi_verdict"]])
    return alt.hconcat(
        _interval_chart(
            lift,
            "conversion_lift",
            "conversion_lift_lower",
            "conversion_lift_upper",
            lang,
            "percent",
            _t(lang, "转化率提升(对比对照组)", "conversion lift vs holdout"),
            points,
        ).properties(title=_t(lang, "转化提升", "lift")),
        _interval_chart(
            roi,
            "roi",
            "roi_lower",
            "roi_upper",
            lang,
            "ratio",
            _t(lang, "投资回报率", "ROI"),
            lambda v, _lang: "–" if pd.isna(v) else f"{v:.2f}",
        ).properties(title=_t(lang, "投资回报率(ROI)", "ROI")),
    ).resolve_scale(color="independent")


# --- why customers leave ------------------------------------------------------------------

CHURN_REASONS = """
select churn_reason, churn_reason_cn, churn_status, count(*) as customer_count
from {marts}.customer_churn_reasons
group by churn_reason, churn_reason_cn, churn_status
"""
CHURN_STATUS_NAMES = {"at_risk": ("有流失风险", "at risk"), "churned": ("已流失", "churned")}


def draw_churn(frames: Frames, lang: str):
    reasons = frames["reasons"].copy()
    reasons["label"] = reasons["churn_reason_cn"] if lang == "zh" else reasons["churn_reason"]
    reasons["status"] = (
        reasons["churn_status"]
        .map({k: _t(lang, *v) for k, v in CHURN_STATUS_NAMES.items()})
        .fillna(reasons["churn_status"])
    )
    reasons["customers_text"] = [count(v, lang) for v in reasons["customer_count"]]
    order = list(
        reasons.groupby("label")["customer_count"].sum().sort_values(ascending=False).index
    )
    return (
        alt.Chart(reasons)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=order, title=None),
            x=alt.X("customer_count:Q", axis=_axis(lang, "count", _t(lang, "客户数", "customers"))),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(range=["#e0923a", "#b03a2e"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=_t(lang, "原因", "reason")),
                alt.Tooltip("status:N", title=_t(lang, "状态", "status")),
                alt.Tooltip("customers_text:N", title=_t(lang, "客户数", "customers")),
            ],
        )
        .properties(width=WIDTH, height=200)
    )


# --- feedback -----------------------------------------------------------------------------

TOP_ISSUES = """
select issue_rank, topic, topic_cn, issue_count_last_30d, issue_count_previous_30d,
       issues_per_100_orders_last_30d, top_product_name
from {marts}.feedback_top_issues
order by issue_rank
"""


def draw_feedback(frames: Frames, lang: str):
    issues = frames["issues"].head(10).copy()
    issues["label"] = issues["topic_cn"] if lang == "zh" else issues["topic"]
    issues["previous_text"] = [count(v, lang) for v in issues["issue_count_previous_30d"]]
    issues["rate_text"] = [
        "–" if pd.isna(v) else f"{float(v):.2f}" for v in issues["issues_per_100_orders_last_30d"]
    ]
    issues["product"] = issues["top_product_name"].fillna("–")
    return (
        alt.Chart(issues)
        .mark_bar(color="#8e44ad")
        .encode(
            y=alt.Y("label:N", sort=None, title=None),
            x=alt.X(
                "issue_count_last_30d:Q",
                axis=_axis(lang, "count", _t(lang, "近30天反馈数", "issues, last 30 days")),
            ),
            tooltip=[
                alt.Tooltip("label:N", title=_t(lang, "问题", "issue")),
                alt.Tooltip("issue_count_last_30d:Q", title=_t(lang, "近30天", "last 30 days")),
                alt.Tooltip("previous_text:N", title=_t(lang, "前30天", "30 days before")),
                alt.Tooltip("rate_text:N", title=_t(lang, "每百单", "per 100 orders")),
                alt.Tooltip("product:N", title=_t(lang, "最多的商品", "top product")),
            ],
        )
        .properties(width=WIDTH, height=200)
    )


# --- data health --------------------------------------------------------------------------

FILES = """
select target_table, status, count(*) as file_count,
       sum(rows_loaded) as rows_loaded, sum(rows_quarantined) as rows_quarantined
from {raw}.file_ledger
group by target_table, status
"""
QUARANTINE = """
select reason, count(*) as row_count
from {raw}.quarantine
group by reason
order by row_count desc, reason
"""
FIELD_ISSUES = """
select reason, count(*) as row_count
from {raw}.field_issues
group by reason
order by row_count desc, reason
"""


FILE_STATUS_NAMES = {
    "loaded": ("已载入", "loaded"),
    "rejected": ("拒收", "rejected"),
    "failed": ("失败", "failed"),
}


def draw_health(frames: Frames, lang: str):
    files = frames["files"].copy()
    files["status"] = files["status"].map(
        lambda v: _t(lang, *FILE_STATUS_NAMES[v]) if v in FILE_STATUS_NAMES else v
    )
    files["target_table"] = files["target_table"].fillna(_t(lang, "(未识别)", "(unrecognised)"))
    files["files_text"] = [count(v, lang) for v in files["file_count"]]
    files["rows_text"] = [count(v, lang) for v in files["rows_loaded"]]
    loaded = (
        alt.Chart(files)
        .mark_bar()
        .encode(
            y=alt.Y("target_table:N", sort="-x", title=None),
            x=alt.X("file_count:Q", axis=_axis(lang, "count", _t(lang, "文件数", "files"))),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(
                    domain=[_t(lang, *v) for v in FILE_STATUS_NAMES.values()],
                    range=["#2f7d4f", "#c0392b", "#7b241c"],
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("target_table:N", title=_t(lang, "表", "table")),
                alt.Tooltip("status:N", title=_t(lang, "状态", "status")),
                alt.Tooltip("files_text:N", title=_t(lang, "文件数", "files")),
                alt.Tooltip("rows_text:N", title=_t(lang, "载入行数", "rows loaded")),
            ],
        )
        .properties(
            width=250,
            height=max(HEIGHT, 16 * files["target_table"].nunique()),
            title=_t(lang, "已载入文件", "files loaded"),
        )
    )
    problems = pd.concat(
        [
            frames["quarantine"].assign(kind=_t(lang, "隔离(整行)", "quarantined row")),
            frames["field_issues"].assign(kind=_t(lang, "字段置空", "field nulled")),
        ],
        ignore_index=True,
    )
    if problems.empty:
        clean = (
            alt.Chart(
                pd.DataFrame(
                    {
                        "text": [
                            _t(
                                lang,
                                "没有被隔离的行，也没有被置空的字段。",
                                "No row quarantined, no field nulled.",
                            )
                        ]
                    }
                )
            )
            .mark_text(fontSize=13, color="#2f7d4f", align="left")
            .encode(text="text:N", x=alt.value(0), y=alt.value(20))
            .properties(width=220, height=40, title=_t(lang, "问题行", "rows with problems"))
        )
        return alt.hconcat(loaded, clean)
    problems["reason"] = problems["reason"].astype(str).str.slice(0, 60)
    problems["rows_text"] = [count(v, lang) for v in problems["row_count"]]
    reasons = (
        alt.Chart(problems.head(12))
        .mark_bar()
        .encode(
            y=alt.Y("reason:N", sort="-x", title=None),
            x=alt.X("row_count:Q", axis=_axis(lang, "count", _t(lang, "行数", "rows"))),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(range=["#c0392b", "#e0b33a", "#9aa5b1"]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("reason:N", title=_t(lang, "原因", "reason")),
                alt.Tooltip("kind:N", title=_t(lang, "处理", "handling")),
                alt.Tooltip("rows_text:N", title=_t(lang, "行数", "rows")),
            ],
        )
        .properties(
            width=220, height=HEIGHT, title=_t(lang, "问题行(按原因)", "rows with problems")
        )
    )
    return alt.hconcat(loaded, reasons).resolve_scale(color="independent")


PANELS: tuple[Panel, ...] = (
    Panel(
        key="repurchase",
        title={"zh": "复购率", "en": "Repurchase rate"},
        note={
            "zh": "每月买家中的老客占比，以及新客30/60/90天内回购的比例(需满90天才有)。",
            "en": "Share of each month's buyers who had bought before, and new customers back "
            "within 30/60/90 days (once 90 days have passed).",
        },
        queries={"monthly": REPURCHASE_MONTHLY, "quarterly": REPURCHASE_QUARTERLY},
        draw=draw_repurchase,
        main_frame="monthly",
        tables=("marts.repurchase_monthly", "marts.repurchase_quarterly"),
        wide=True,
    ),
    Panel(
        key="tiers",
        title={"zh": "会员等级", "en": "Member tiers"},
        note={
            "zh": "按店铺规则计算的等级：人数占比与消费占比。",
            "en": "Tiers computed from the shop's rules: share of members and of their spend.",
        },
        queries={"tiers": TIERS},
        draw=draw_tiers,
        main_frame="tiers",
        tables=("marts.loyalty_tier_summary",),
    ),
    Panel(
        key="rfm",
        title={"zh": "RFM客群", "en": "RFM groups"},
        note={
            "zh": "各客群人数；数字为上个月迁入减迁出。",
            "en": "Customers per group; the figure is last month's moves in minus moves out.",
        },
        queries={"groups": RFM_GROUPS, "segments": RFM_SEGMENTS, "moves": RFM_MOVES},
        draw=draw_rfm,
        main_frame="groups",
        tables=("marts.customer_rfm", "marts.segment_migration_monthly"),
    ),
    Panel(
        key="lifecycle",
        title={"zh": "生命周期", "en": "Lifecycle stages"},
        note={
            "zh": "潜客→新客→活跃→忠诚→沉默→流失，按店铺的购买节奏划分。",
            "en": "Potential → new → active → loyal → silent → churned, by the shop's rhythm.",
        },
        queries={"stages": LIFECYCLE},
        draw=draw_lifecycle,
        main_frame="stages",
        tables=("marts.customer_lifecycle",),
    ),
    Panel(
        key="cohorts",
        title={"zh": "新客留存(按首购月)", "en": "Cohort retention"},
        note={
            "zh": "最近12个首购月份的新客，在之后每个月仍购买的比例。",
            "en": "For the last 12 first-purchase months: the share buying again each month after.",
        },
        queries={"cohorts": COHORTS},
        draw=draw_cohorts,
        main_frame="cohorts",
        tables=("marts.cohort_retention_monthly",),
    ),
    Panel(
        key="value",
        title={"zh": "客户价值(LTV)", "en": "Customer value (LTV)"},
        note={
            "zh": "累计消费的分布；BG/NBD与Gamma-Gamma模型预测的未来12个月价值。",
            "en": "Spend to date; the next 12 months' value predicted by BG/NBD and Gamma-Gamma.",
        },
        queries={"clv": CLV, "predicted": PREDICTED_BY_SEGMENT},
        draw=draw_value,
        main_frame="clv",
        tables=("marts.customer_ltv", "marts.customer_predictions", "marts.customer_rfm"),
    ),
    Panel(
        key="tonight",
        title={"zh": "今晚的触达", "en": "Tonight's actions"},
        note={
            "zh": "每个人群：发送、对照组、被拦截(抑制、频控、无可用渠道)；发件箱按渠道计数。",
            "en": "Per audience: queued, holdout, held back (suppressed, capped, unreachable); "
            "the outbox by channel.",
        },
        queries={"audiences": AUDIENCES, "channels": QUEUED_CHANNELS},
        draw=draw_tonight,
        main_frame="audiences",
        tables=("marts.activation_queue", "marts.audience_definitions"),
        wide=True,
    ),
    Panel(
        key="campaigns",
        title={"zh": "活动效果", "en": "Did it work"},
        note={
            "zh": "对比对照组的转化提升与ROI，线段为95%置信区间；已结束观察期的批次合计。",
            "en": "Conversion lift against the holdout and ROI, with 95% intervals; waves whose "
            "window is over, pooled.",
        },
        queries={"campaigns": CAMPAIGNS},
        draw=draw_campaigns,
        main_frame="campaigns",
        tables=("marts.campaign_lift", "marts.campaign_roi"),
        wide=True,
    ),
    Panel(
        key="churn",
        title={"zh": "流失原因", "en": "Why customers leave"},
        note={
            "zh": "有流失风险和已流失的客户，按证据最强的原因(价格、服务、需求变化、未知)。",
            "en": "Customers at risk or lost, by the reason with the strongest evidence.",
        },
        queries={"reasons": CHURN_REASONS},
        draw=draw_churn,
        main_frame="reasons",
        tables=("marts.customer_churn_reasons",),
    ),
    Panel(
        key="feedback",
        title={"zh": "反馈问题TOP", "en": "Top feedback issues"},
        note={
            "zh": "近30天退款、售后和问卷文字里最多的问题。",
            "en": "The issues most named in refunds, after-sales and surveys over 30 days.",
        },
        queries={"issues": TOP_ISSUES},
        draw=draw_feedback,
        main_frame="issues",
        tables=("marts.feedback_top_issues",),
    ),
    Panel(
        key="health",
        title={"zh": "数据健康", "en": "Data health"},
        note={
            "zh": "已载入的导出文件；被隔离的行和被置空的字段(按原因)；检查结果见下表。",
            "en": "Export files loaded; rows quarantined and fields nulled, by reason; checks "
            "below.",
        },
        queries={"files": FILES, "quarantine": QUARANTINE, "field_issues": FIELD_ISSUES},
        draw=draw_health,
        main_frame="files",
        tables=("raw.file_ledger", "raw.quarantine", "raw.field_issues"),
        wide=True,
    ),
)


# the tiles above the panels
HEADLINE = """
select month_start_date, buyer_count, new_customer_count, gmv_amount, net_revenue_amount,
       aov_amount, refund_rate, churn_rate, nps
from {marts}.shop_kpis_monthly
order by month_start_date desc
"""
CUSTOMERS = """
select count(*) as customer_count, sum(case when frequency > 1 then 1 else 0 end) as repeat_count
from {marts}.customer_rfm
"""
HEADLINE_TABLES = ("marts.shop_kpis_monthly", "marts.customer_rfm")


def tables_read() -> set[str]:
    """Every table the page reads (schema.table): the dbt exposure must list exactly these."""
    return {table for panel in PANELS for table in panel.tables} | set(HEADLINE_TABLES)
