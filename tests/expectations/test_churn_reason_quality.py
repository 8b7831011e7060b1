"""Precision and recall of named churn reasons against planted ones, on frames worked by hand."""

import pandas as pd
import pytest

from expectations.churn_reason_quality import reason_quality


def test_recall_and_both_precisions_by_hand():
    planted = pd.DataFrame(
        {
            "customer_id": ["p1", "p2", "p3", "s1", "s2", "n1"],
            "planted_churn_reason": ["price_sensitive"] * 3
            + ["service_dissatisfied"] * 2
            + ["need_changed"],
        }
    )
    named = pd.DataFrame(
        {
            # p3 is not in the mart at all; x1 and x2 were planted nothing
            "customer_id": ["p1", "p2", "s1", "s2", "n1", "x1", "x2"],
            "churn_reason": [
                "price_sensitive",
                "service_dissatisfied",
                "service_dissatisfied",
                "unknown",
                "need_changed",
                "price_sensitive",
                "service_dissatisfied",
            ],
        }
    )
    by_reason = {q.reason: q for q in reason_quality(named, planted)}
    price = by_reason["price_sensitive"]
    assert (price.planted, price.named, price.named_and_planted) == (3, 2, 1)
    assert price.recall == pytest.approx(1 / 3)
    assert price.precision == pytest.approx(1 / 2)  # x1 counts against it
    assert price.precision_among_planted == pytest.approx(1.0)  # p1 only, among planted
    service = by_reason["service_dissatisfied"]
    # named: p2 (planted price), s1, x2; planted: s1, s2
    assert service.recall == pytest.approx(1 / 2)
    assert service.precision == pytest.approx(1 / 3)
    assert service.precision_among_planted == pytest.approx(1 / 2)
    need = by_reason["need_changed"]
    assert (need.recall, need.precision, need.precision_among_planted) == (1.0, 1.0, 1.0)
