"""Fugou's fits reproduce the published CDNOW results, from the raw purchase records."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from predictions import bgnbd, gamma_gamma, occasions
from tests.conftest import PROJECT_ROOT

CDNOW = PROJECT_ROOT / "tests" / "fixtures" / "cdnow"
CALIBRATION_END = dt.date(1997, 9, 30)  # the first 39 weeks
WEEK = 7.0


@pytest.fixture(scope="module")
def calibration() -> pd.DataFrame:
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "value"],
        dtype={"date": str},
    )
    raw["purchase_date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return occasions.summarise(raw, CALIBRATION_END, time_unit_days=WEEK)


def test_summary_matches_the_published_one(calibration):
    published = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    published = published.set_index("ID").sort_index()
    assert len(calibration) == 2357
    assert (calibration["x"].to_numpy() == published["x"].to_numpy()).all()
    # the published file rounds to two decimals
    assert np.allclose(calibration["t_x"], published["t_x"], atol=0.005)
    assert np.allclose(calibration["T"], published["T"], atol=0.005)
    repeaters = published["x"] > 0
    assert np.allclose(
        calibration["mean_repeat_value"][repeaters.to_numpy()],
        published["zbar"][repeaters],
        atol=0.005,
    )


def test_bgnbd_reproduces_fader_hardie_lee_2005(calibration):
    fit = bgnbd.fit(calibration["x"], calibration["t_x"], calibration["T"])
    assert round(fit.params.r, 3) == 0.243
    assert round(fit.params.alpha, 3) == 4.414
    assert round(fit.params.a, 3) == 0.793
    assert round(fit.params.b, 3) == 2.426
    assert round(fit.log_likelihood, 1) == -9582.4


def test_bgnbd_conditional_expectation_of_the_papers_worked_example(calibration):
    """The paper's customer with x = 2, t_x = 30.43, T = 38.86 is expected to buy 1.226 times in
    the next 39 weeks."""
    fit = bgnbd.fit(calibration["x"], calibration["t_x"], calibration["T"])
    expected = bgnbd.expected_purchases(fit.params, 39, [2], [30.43], [38.86])
    assert round(float(expected[0]), 3) == 1.226


def test_gamma_gamma_reproduces_the_iso_value_paper(calibration):
    repeaters = calibration[calibration["x"] > 0]
    fit = gamma_gamma.fit(repeaters["x"], repeaters["mean_repeat_value"])
    assert fit.customers == 946
    assert round(fit.params.p, 2) == 6.25
    assert round(fit.params.q, 2) == 3.74
    assert round(fit.params.gamma, 2) == 15.44
