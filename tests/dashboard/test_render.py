"""The page without a warehouse: what it reads, what it does with a missing table, and that a
shop's text cannot break out of it."""

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from dagster_project.defs.publishing.assets import DASHBOARD_EXPOSURE
from dagster_project.defs.transform.project import MANIFEST_PATH
from dashboard import render
from dashboard.panels import PANELS, tables_read

AS_OF = dt.date(2026, 10, 31)


def test_the_dbt_exposure_lists_exactly_the_tables_the_page_reads():
    manifest = json.loads(MANIFEST_PATH.read_text())
    exposure = manifest["exposures"][DASHBOARD_EXPOSURE]
    listed = set()
    for node in exposure["depends_on"]["nodes"]:
        props = manifest["nodes"].get(node) or manifest["sources"][node]
        listed.add(
            f"{props['schema']}.{props.get('alias') or props.get('identifier') or props['name']}"
        )
    assert listed == tables_read()
    # and each panel's SQL names only tables it declares
    for panel in PANELS:
        named = {
            f"{schema}.{table}"
            for sql in panel.queries.values()
            for schema, table in re.findall(r"\{(marts|raw)\}\.(\w+)", sql)
        }
        assert named == set(panel.tables), panel.key


class _Tags(HTMLParser):
    """The elements a browser would make of the page, and what they would fetch."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.fetches: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.fetches += [value for name, value in attrs if name in ("src", "href") and value]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    page = render.build(_frames_for, AS_OF)
    return page, render.write(page, tmp_path_factory.mktemp("dashboard"))


def _frames_for(sql: str) -> pd.DataFrame:
    """A tiny shop, enough for every panel to draw."""
    if "repurchase_monthly" in sql:
        months = pd.date_range("2026-01-01", periods=10, freq="MS")
        return pd.DataFrame(
            {
                "month_start_date": months,
                "buyer_count": range(100, 110),
                "repurchase_rate": [0.3 + i / 100 for i in range(10)],
                "new_customer_count": [20] * 10,
                "repurchase_rate_30d": [0.1] * 10,
                "repurchase_rate_60d": [0.15] * 10,
                "repurchase_rate_90d": [0.2] * 7 + [None] * 3,
            }
        )
    if "repurchase_quarterly" in sql:
        return pd.DataFrame(
            {
                "quarter_start_date": pd.date_range("2026-01-01", periods=3, freq="QS"),
                "buyer_count": [200, 210, 220],
                "repurchase_rate": [0.4, 0.42, 0.45],
            }
        )
    if "loyalty_tier_summary" in sql:
        return pd.DataFrame(
            {
                "tier_rank": [1, 2],
                "member_tier": ["普通会员", "金卡会员"],
                "member_count": [90, 10],
                "member_share": [0.9, 0.1],
                "net_spend_amount": [9000, 11000],
                "net_spend_share": [0.45, 0.55],
            }
        )
    if "segment_migration_monthly" in sql:
        return pd.DataFrame(
            {
                "segment_type": ["rfm_group", "rfm_segment"],
                "from_segment": ["一般挽留客户", "即将沉睡客户"],
                "to_segment": ["重要价值客户", "冠军客户"],
                "customer_count": [3, 2],
            }
        )
    if "rfm_segment_en" in sql:
        return pd.DataFrame(
            {"rfm_segment_en": ["Champions"], "rfm_segment_cn": ["冠军客户"], "customer_count": [5]}
        )
    if "count(*) as customer_count, sum(case" in sql:
        return pd.DataFrame({"customer_count": [100], "repeat_count": [40]})
    if "customer_predictions" in sql:
        return pd.DataFrame(
            {
                "rfm_group_code": [1],
                "rfm_group_cn": ["重要价值客户"],
                "rfm_group_en": ["important value"],
                "customer_count": [5],
                "mean_predicted_value": [820.5],
                "predicted_value": [4102.5],
            }
        )
    if "customer_rfm" in sql:
        return pd.DataFrame(
            {
                "rfm_group_code": [1, 8],
                "rfm_group_cn": ["重要价值客户", "一般挽留客户"],
                "rfm_group_en": ["important value", "general retain"],
                "customer_count": [10, 90],
            }
        )
    if "customer_lifecycle" in sql:
        return pd.DataFrame(
            {
                "lifecycle_stage": ["new", "churned"],
                "lifecycle_stage_cn": ["新客户", "流失客户"],
                "customer_count": [30, 70],
            }
        )
    if "cohort_retention_monthly" in sql:
        return pd.DataFrame(
            {
                "cohort_month_start_date": pd.to_datetime(["2026-01-01"] * 2),
                "months_since_first_purchase": [1, 2],
                "cohort_customer_count": [20, 20],
                "active_customer_count": [4, 2],
                "retention_rate": [0.2, 0.1],
            }
        )
    if "customer_ltv" in sql:
        return pd.DataFrame({"historical_ltv_amount": [50.0, 150.0, 1200.0, 25000.0]})
    if "reachable_channels" in sql:
        return pd.DataFrame(
            {"reachable_channels": ["sms,wecom", "wangwang"], "action_count": [3, 2]}
        )
    if "activation_queue" in sql:
        return pd.DataFrame(
            {
                "audience_name": ["we_miss_you", "we_miss_you"],
                # a shop's own text, written to break out of the page's script
                "description_cn": ["</script><img src=x onerror=alert(1)>", None],
                "description_en": ["silent", None],
                "priority": [10, 10],
                "queue_status": ["queued", "holdout"],
                "customer_count": [40, 4],
            }
        )
    if "campaign_lift" in sql:
        return pd.DataFrame(
            {
                "audience_name": ["we_miss_you"],
                "wave_date": [None],
                "is_pooled": [True],
                "is_window_complete": [True],
                "treatment_count": [400],
                "holdout_count": [40],
                "conversion_lift": [0.05],
                "conversion_lift_lower": [0.01],
                "conversion_lift_upper": [0.09],
                "conversion_verdict": ["lift"],
                "roi": [1.2],
                "roi_lower": [0.3],
                "roi_upper": [2.1],
                "roi_verdict": ["profitable"],
                "incremental_gross_margin_amount": [900],
                "cost_amount": [400],
            }
        )
    if "customer_churn_reasons" in sql:
        return pd.DataFrame(
            {
                "churn_reason": ["price_sensitive"],
                "churn_reason_cn": ["价格敏感"],
                "churn_status": ["churned"],
                "customer_count": [12],
            }
        )
    if "feedback_top_issues" in sql:
        return pd.DataFrame(
            {
                "issue_rank": [1],
                "topic": ["quality"],
                "topic_cn": ["质量问题"],
                "issue_count_last_30d": [7],
                "issue_count_previous_30d": [3],
                "issues_per_100_orders_last_30d": [1.4],
                "top_product_name": ["面霜"],
            }
        )
    if "file_ledger" in sql:
        return pd.DataFrame(
            {
                "target_table": ["taobao_orders"],
                "status": ["loaded"],
                "file_count": [3],
                "rows_loaded": [1200],
                "rows_quarantined": [2],
            }
        )
    if "quarantine" in sql:
        return pd.DataFrame({"reason": ["unreadable 订单编号"], "row_count": [2]})
    if "field_issues" in sql:
        return pd.DataFrame({"reason": ["unreadable date"], "row_count": [5]})
    if "shop_kpis_monthly" in sql:
        return pd.DataFrame(
            {
                "month_start_date": [pd.Timestamp("2026-10-01")],
                "buyer_count": [300],
                "new_customer_count": [40],
                "gmv_amount": [123456.7],
                "net_revenue_amount": [120000],
                "aov_amount": [183.2],
                "refund_rate": [0.02],
                "churn_rate": [0.1],
                "nps": [14.0],
            }
        )
    raise AssertionError(f"no fixture for {sql}")


def test_every_panel_draws_in_both_languages_from_a_small_shop(written):
    page, _files = written
    assert page.empty_panels == []
    for panel in page.panels:
        assert set(panel.specs) == {"zh", "en"}, panel.key
        assert panel.rows > 0
    zh = json.dumps(page.panels[0].specs["zh"], ensure_ascii=False)
    assert "新客30天回购率" in zh and "%Y年%-m月" in zh
    assert "new customers back within 30 days" in json.dumps(page.panels[0].specs["en"])
    # last month's moves on the bars: 3 in to 重要价值客户, 2 in to 冠军客户 (the 11 segments)
    rfm = next(p for p in page.panels if p.key == "rfm").specs["zh"]
    moves = [
        (row.get("rfm_group_cn") or row.get("rfm_segment_cn"), row["moves_text"])
        for rows in rfm["datasets"].values()
        for row in rows
        if "moves_text" in row
    ]
    assert ("重要价值客户", "+3") in moves and ("冠军客户", "+2") in moves
    tiles = {t["label"]["en"]: t["value"] for t in page.tiles}
    assert tiles["GMV Oct 2026"] == {"zh": "¥12.3万", "en": "¥123,457"}
    assert tiles["repeat customers"]["zh"] == "40.0%"


def test_a_missing_table_empties_its_panel_and_the_page_is_still_written(tmp_path):
    def read(sql):
        if "loyalty_tier_summary" in sql:
            raise RuntimeError("Table with name loyalty_tier_summary does not exist")
        if "feedback_top_issues" in sql:
            return _frames_for(sql).iloc[0:0]
        return _frames_for(sql)

    warnings = []
    page = render.build(read, AS_OF, warn=warnings.append)
    assert page.empty_panels == ["tiers", "feedback"]
    assert any("loyalty_tier_summary" in w for w in warnings)
    written = render.write(page, tmp_path)
    html = written["html"].read_text()
    assert "暂无数据：Table with name loyalty_tier_summary does not exist" in html
    assert re.search(r'data-panel="tiers"\s+data-rows="0"', html)
    assert written["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_shops_text_cannot_end_the_pages_script(written):
    html = written[1]["html"].read_text()
    parser = _Tags()
    parser.feed(html)
    assert parser.tags.count("script") == 2  # the Vega bundle and the page's own
    assert "img" not in parser.tags
    assert "<\\/script><img" in html  # the text is there, as text


def test_the_page_fetches_nothing(written):
    parser = _Tags()
    parser.feed(written[1]["html"].read_text())
    assert parser.fetches == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_preview_is_a_picture_of_the_charts(written, lang):
    page, _files = written
    png, drawn_in = render.render_png(page, lang)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 600 and height > 2000  # every panel, one under another
    if lang == "zh" and any(Path(d).is_dir() for d in render.CJK_FONT_DIRS):
        assert drawn_in == "zh"


def _as_postgres_returns(frame: pd.DataFrame) -> pd.DataFrame:
    """psycopg2's types: DECIMAL as Decimal, DATE as date, in object columns."""
    from decimal import Decimal

    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            frame[column] = pd.Series(
                [None if pd.isna(v) else Decimal(str(v)) for v in frame[column]], dtype=object
            )
        elif pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = pd.Series([v.date() for v in frame[column]], dtype=object)
    return frame


def test_postgres_types_draw_the_same_charts(written):
    page, _files = written
    from_postgres = render.build(lambda sql: _as_postgres_returns(_frames_for(sql)), AS_OF)
    assert from_postgres.empty_panels == []
    for ours, theirs in zip(page.panels, from_postgres.panels, strict=True):
        assert json.dumps(theirs.specs, sort_keys=True, default=str) == json.dumps(
            ours.specs, sort_keys=True, default=str
        ), ours.key
    assert from_postgres.tiles == page.tiles


def test_checks_that_did_not_pass_are_listed_and_the_rest_counted(tmp_path):
    checks = [
        render.Check("dbt_unique_orders", "marts/fct_orders", "failed", "3 failing rows"),
        render.Check("reconcile", "marts/member_loyalty_reconciliation", "warning", "10 rows"),
        render.Check("not_null_customer_id", "marts/dim_customers", "passed"),
        render.Check("text_safe_for_spreadsheets", "published/bi_marts", "not run"),
    ]
    page = render.build(_frames_for, AS_OF, checks=checks, identity_precision=0.99942)
    html = render.render_html(page)
    assert "数据检查：1 项通过，2 项未通过，1 项尚未运行。" in html
    assert "Data checks: 1 passed, 2 did not pass, 1 not run yet." in html
    assert "2 项数据检查未通过" in html  # the banner under the tiles
    table = html[html.index('<table class="checks"') : html.index("</table>")]
    assert "dbt_unique_orders" in table and "reconcile" in table
    assert "not_null_customer_id" not in table and "text_safe_for_spreadsheets" not in table
    assert "99.94%" in html


def test_a_preview_that_cannot_be_drawn_costs_a_warning_not_the_page(tmp_path, monkeypatch):
    page = render.build(_frames_for, AS_OF)

    def broken(*args, **kwargs):
        raise RuntimeError("no fonts, no luck")

    monkeypatch.setattr(render, "render_png", broken)
    warnings = []
    written = render.write(page, tmp_path, warn=warnings.append)
    assert set(written) == {"html"}
    assert written["html"].stat().st_size > 500_000
    assert warnings == ["dashboard preview not drawn: RuntimeError('no fonts, no luck')"]


def test_the_vega_bundle_is_built_once_and_read_back_after(tmp_path, monkeypatch):
    """A second process (here: a cleared cache) reads the bundle the first wrote, and a cache
    folder that cannot be written costs only the time."""
    import vl_convert

    built = []

    def bundle():
        built.append(1)
        return "/* vega */ window.vega = {};"

    monkeypatch.setattr(vl_convert, "javascript_bundle", bundle)
    monkeypatch.setattr(render, "JAVASCRIPT_CACHE", tmp_path / "cache")
    render._javascript.cache_clear()
    try:
        first = render._javascript()
        render._javascript.cache_clear()
        assert render._javascript() == first == "/* vega */ window.vega = {};"
        assert len(built) == 1
        assert [p.suffix for p in (tmp_path / "cache").iterdir()] == [".js"]  # no .tmp left

        blocked = tmp_path / "not-a-folder"
        blocked.write_text("a file where the folder would go")
        monkeypatch.setattr(render, "JAVASCRIPT_CACHE", blocked / "cache")
        render._javascript.cache_clear()
        assert render._javascript() == first
        assert len(built) == 2
    finally:
        render._javascript.cache_clear()
