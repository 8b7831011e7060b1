"""Pairwise precision and recall of identity resolution, on cases worked out by hand."""

import pandas as pd
import pytest

from expectations.identity_quality import pairwise_quality, truth_in_warehouse_form
from ingestion.prepare import pseudonymise

KEY = b"quality-test-key-0123456789abcdef-not-secret"


def _frame(rows, columns):
    return pd.DataFrame(rows, columns=columns)


def test_pairs_are_counted_by_hand():
    # person 1: n1, n2, p1 (records: o1 = n1+p1, o2 = n2+p1); person 2: n3 (o3); person 3: n4
    # (o4), never linked to anything. Resolver: {n1, p1} and {n2, n3} (a wrong merge), n4 alone.
    observations = _frame(
        [
            ("order:o1", "taobao_nick", "n1"),
            ("order:o1", "phone_hmac", pseudonymise(KEY, "13900000001")),
            ("order:o2", "taobao_nick", "n2"),
            ("order:o2", "phone_hmac", pseudonymise(KEY, "13900000001")),
            ("order:o3", "taobao_nick", "n3"),
            ("order:o4", "taobao_nick", "n4"),
        ],
        ["record_key", "identifier_type", "identifier_value"],
    )
    resolved = _frame(
        [
            ("taobao_nick", "n1", "A"),
            ("phone_hmac", pseudonymise(KEY, "13900000001"), "A"),
            ("taobao_nick", "n2", "B"),
            ("taobao_nick", "n3", "B"),
        ],
        ["identifier_type", "identifier_value", "customer_id"],
    )
    truth = truth_in_warehouse_form(
        _frame(
            [
                ("taobao_nick", "n1", "1"),
                ("taobao_nick", "n2", "1"),
                ("phone", "13900000001", "1"),
                ("taobao_nick", "n3", "2"),
                ("taobao_nick", "n4", "3"),
                ("alipay_account", "shared@163.com", "1"),  # shared: no right answer, left out
                ("alipay_account", "shared@163.com", "2"),
            ],
            ["identifier_type", "identifier_value", "person_id"],
        ),
        KEY,
    )
    quality = pairwise_quality(resolved, observations, truth)
    # true pairs: person 1 has 3 identifiers → 3 pairs. predicted: A 1 pair, B 1 pair (n4 is
    # unresolved: a customer of its own). correct: only A's (n1, p1).
    assert (quality.true_pairs, quality.predicted_pairs, quality.correct_pairs) == (3, 2, 1)
    assert quality.precision == pytest.approx(0.5)
    assert quality.recall == pytest.approx(1 / 3)
    # the records connect all three of person 1's identifiers (o1 and o2 share p1)
    assert quality.supported_pairs == 3 and quality.supported_correct_pairs == 1
    assert (quality.people_split, quality.customers_merged) == (1, 1)
    assert quality.identifiers == 5


def test_pairs_no_record_supports_count_against_recall_but_not_supported_recall():
    observations = _frame(
        [("order:o1", "taobao_nick", "n1"), ("member:m1", "member_id", "M1")],
        ["record_key", "identifier_type", "identifier_value"],
    )
    resolved = _frame(
        [("taobao_nick", "n1", "A"), ("member_id", "M1", "B")],
        ["identifier_type", "identifier_value", "customer_id"],
    )
    truth = _frame(
        [("taobao_nick", "n1", "1"), ("member_id", "M1", "1")],
        ["identifier_type", "identifier_value", "person_id"],
    )
    quality = pairwise_quality(resolved, observations, truth_in_warehouse_form(truth, KEY))
    assert quality.recall == 0.0 and quality.supported_recall == 1.0
    assert quality.precision == 1.0  # nothing was put together
