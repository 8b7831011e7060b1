"""Audiences are YAML entries (var audiences): a malformed one stops the compile naming the
audience and what is wrong; a new one is one entry and a re-run."""

import copy

import pytest
import yaml

from tests.conftest import DBT_DIR, run_dbt

DEFAULTS = yaml.safe_load((DBT_DIR / "dbt_project.yml").read_text())["vars"]["audiences"]
GOOD = {
    "name": "vip_new_arrivals",
    "description_cn": "新品速递",
    "description_en": "New arrivals",
    "when": "m_score = 5",
    "priority": 5,
    "channels": ["wecom"],
    "offer": {"kind": "none", "value": 0, "template_id": "new_arrivals"},
    "cooldown_days": 7,
    "holdout_share": 0.1,
}


def COMPILED(tmp_path):
    return tmp_path / "dbt_target" / "compiled" / "fugou" / "models" / "marts" / "activation"


def _compile(tmp_path, audiences) -> str:
    return run_dbt(
        ["compile", "--select", "audience_memberships audience_definitions"],
        tmp_path / "warehouse.duckdb",
        "2026-10-31",
        tmp_path,
        variables={"audiences": audiences},
    )


def _with(**changes) -> dict:
    audience = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is None:
            audience.pop(key)
        else:
            audience[key] = value
    return audience


@pytest.mark.parametrize(
    ("audience", "said"),
    [
        (_with(when=None), "audience vip_new_arrivals: missing when"),
        (_with(colour="red"), "audience vip_new_arrivals: unknown setting colour"),
        (_with(priority=10), "audience vip_new_arrivals: priority must be a whole number"),
        (_with(channels=["fax"]), "audience vip_new_arrivals: channels must be a list of sms"),
        (_with(channels="sms"), "audience vip_new_arrivals: channels must be a list of sms"),
        (_with(holdout_share=0.7), "audience vip_new_arrivals: holdout_share must be a number"),
        (
            _with(offer={"kind": "discount", "value": 8.5, "template_id": "t"}),
            "audience vip_new_arrivals: a discount offer is the share paid",
        ),
        (_with(offer={"kind": "cashback", "value": 5, "template_id": "t"}), "offer must be"),
        (_with(active_from="11/01/2026"), "audience vip_new_arrivals: active_from must be a date"),
        (_with(name="VIP list"), "name must be lower_snake_case"),
        (_with(cooldown_days=-1), "cooldown_days must be a whole number"),
        (
            _with(goal={"metric": "churn", "change": 0.1, "period_days": 60}),
            "audience vip_new_arrivals: goal must be",  # churn is aimed down
        ),
        (_with(goal={"metric": "revenue", "change": 0.1, "period_days": 60}), "goal must be"),
        (_with(goal={"metric": "repurchase", "change": 0.05}), "goal must be"),
        (_with(goal={"metric": "churn", "change": -1.5, "period_days": 60}), "goal must be"),
    ],
)
def test_a_malformed_audience_stops_the_compile_naming_it(tmp_path, audience, said):
    with pytest.raises(AssertionError) as failed:
        _compile(tmp_path, [*DEFAULTS, audience])
    assert said in str(failed.value)


def test_the_same_name_twice_is_refused(tmp_path):
    with pytest.raises(AssertionError) as failed:
        _compile(tmp_path, [*DEFAULTS, _with(name=DEFAULTS[0]["name"], priority=999)])
    assert f"audience {DEFAULTS[0]['name']}: name must be lower_snake_case" in str(failed.value)


def test_a_new_audience_is_one_entry(tmp_path):
    _compile(tmp_path, [*DEFAULTS, GOOD])
    sql = (COMPILED(tmp_path) / "audience_memberships.sql").read_text()
    assert "'vip_new_arrivals' as audience_name" in sql and "(m_score = 5)" in sql
    # its holdout: md5 of key:audience:customer, first 4 hex digits below 0.1 × 65536
    assert "'fugou:vip_new_arrivals:' || facts.customer_id" in sql and "< '199a'" in sql


def test_an_audience_outside_its_dates_selects_nobody(tmp_path):
    _compile(tmp_path, [_with(active_from="2026-11-01", active_to="2026-11-30")])
    assert "where false" in (COMPILED(tmp_path) / "audience_memberships.sql").read_text()
