"""The night's cross-sell: evaluate every method on the time split, choose one per customer
segment, and list the chosen method's products for every customer.

Two windows of holdout_days each, when the history is long enough:
- selection: recommend as of as_of - 2 × holdout, score on the holdout after it, and choose;
- confirmation: recommend as of as_of - holdout, score on the last holdout days. The choice is
  fixed before this window is looked at, so its figures say how the chosen method does on days
  it was not chosen on (the honest number), and a check warns when it falls behind popularity.
With history for one window only, the choice is made and reported on that window, and the
selection table says so; with less, nothing can be measured and the shop gets
category_popularity, the cold-start rule.

A method other than popularity is chosen for a segment only if it has the best hit rate there
and hits more customers than popularity beyond luck (one-sided sign test, p below
`significance`) on at least `min_evaluated_customers`; otherwise popularity is kept. The two
segments, customers with one order and repeat customers, are chosen for separately: one order
says little about a customer, and on many shops what works for the repeat buyers does not work
for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recommendations import evaluation, rankers
from recommendations.history import History, Purchases, build_history, purchase_lines

COLD_START = "category_popularity"


@dataclass(frozen=True)
class CrossSellSettings:
    holdout_days: int = 90
    popularity_days: int = 90
    half_life_days: float = 180.0  # purchases this many days old count half
    min_history_days: int = 30  # before a split, for a window to be worth measuring
    min_evaluated_customers: int = 30  # per segment, for a choice other than the cold-start rule
    significance: float = 0.05
    methods: tuple[str, ...] = rankers.METHODS
    ranker: rankers.RankerSettings = field(default_factory=rankers.RankerSettings)


@dataclass(frozen=True)
class NightResult:
    next_products: pd.DataFrame
    evaluation: pd.DataFrame
    selection: pd.DataFrame
    notes: list[str]


def run(
    raw_lines: pd.DataFrame | Purchases,
    products: pd.DataFrame,
    as_of: dt.date,
    settings: CrossSellSettings,
) -> NightResult:
    """`raw_lines`: the purchase lines as a frame, or already coded (purchases_from_chunks)."""
    lines = raw_lines if isinstance(raw_lines, Purchases) else purchase_lines(raw_lines)
    notes: list[str] = []
    windows = _windows(lines, as_of, settings)
    scored = {name: _evaluate(lines, split, settings) for name, split in windows.items()}
    evaluation_rows = [
        row for name, result in scored.items() for row in result.rows(name, settings, as_of)
    ]
    chooser = "selection" if "selection" in scored else ("confirmation" if scored else None)
    choices = {}
    for segment in evaluation.SEGMENTS:
        choice = _choose(scored.get(chooser), segment, settings)
        if chooser == "confirmation":
            choice["selected_on"] = "same_window"
            choice["reason"] += " (history for one window only: chosen and reported on it)"
        choices[segment] = choice
        confirm = scored.get("confirmation")
        if confirm is not None and chooser == "selection":
            chosen = confirm.segment_metrics(choice["chosen_method"], segment)
            baseline = confirm.segment_metrics(rankers.BASELINE, segment)
            choice["confirmation_hit_rate"] = chosen["hit_rate"]
            choice["confirmation_popularity_hit_rate"] = baseline["hit_rate"]
            if (
                chosen["hit_rate"] is not None
                and baseline["hit_rate"] is not None
                and chosen["hit_rate"] < baseline["hit_rate"]
            ):
                notes.append(
                    f"{segment}: {choice['chosen_method']}, chosen on the earlier window, hit "
                    f"{chosen['hit_rate']:.1%} of the last {settings.holdout_days} days' customers "
                    f"against popularity's {baseline['hit_rate']:.1%}"
                )
    if not scored:
        notes.append(
            f"history too short for a {settings.holdout_days}-day evaluation: every customer "
            f"gets {COLD_START} (the cold-start rule)"
        )

    history = build_history(lines, as_of, settings.half_life_days, settings.popularity_days)
    next_products = _final_lists(history, products, choices, settings, as_of)
    selection = pd.DataFrame(
        [
            {
                "as_of_date": as_of,
                "segment": segment,
                **{key: choice.get(key) for key in _SELECTION_KEYS},
                "customer_count": int(((history.order_count > 1) == (segment == "repeat")).sum()),
            }
            for segment, choice in choices.items()
        ]
    )
    evaluation_frame = pd.DataFrame(evaluation_rows, columns=EVALUATION_COLUMNS)
    return NightResult(next_products, evaluation_frame, selection, notes)


# the columns of cross_sell_evaluation, also when a short history evaluates nothing
EVALUATION_COLUMNS = (
    "as_of_date",
    "evaluation_window",
    "split_date",
    "window_end_date",
    "segment",
    "method",
    "top_k",
    "evaluated_customer_count",
    "hit_customer_count",
    "hit_rate",
    "precision_at_k",
    "recall_at_k",
    "ndcg_at_k",
    "catalogue_coverage",
    "p_value_vs_popularity",
)
_SELECTION_KEYS = (
    "chosen_method",
    "selected_on",
    "selection_split_date",
    "chosen_hit_rate",
    "popularity_hit_rate",
    "p_value_vs_popularity",
    "confirmation_hit_rate",
    "confirmation_popularity_hit_rate",
    "reason",
)


def _windows(lines: Purchases, as_of: dt.date, settings) -> dict[str, dt.date]:
    """Split days of the windows the history can afford, by name."""
    if lines.first_day is None:
        return {}
    first = lines.first_day
    holdout = dt.timedelta(days=settings.holdout_days)
    enough = dt.timedelta(days=settings.min_history_days)
    windows = {}
    if as_of - 2 * holdout - enough >= first:
        windows["selection"] = as_of - 2 * holdout
    if as_of - holdout - enough >= first:
        windows["confirmation"] = as_of - holdout
    return windows


@dataclass
class _Scored:
    split: dt.date
    end: dt.date
    history: History
    truth: evaluation.Truth
    rankings: dict
    hit_matrices: dict

    def mask(self, segment: str | None):
        return None if segment is None else self.truth.segment == segment

    def segment_metrics(self, method: str, segment: str | None) -> dict:
        return evaluation.metrics(
            self.hit_matrices[method],
            self.truth,
            self.rankings[method],
            self.history.sold_count,
            self.mask(segment),
        )

    def p_value(self, method: str, segment: str | None) -> float | None:
        if method == rankers.BASELINE:
            return None
        mask = self.mask(segment)
        mine = self.hit_matrices[method].any(axis=1)
        base = self.hit_matrices[rankers.BASELINE].any(axis=1)
        if mask is not None:
            mine, base = mine[mask], base[mask]
        return evaluation.sign_test(mine, base)

    def rows(self, window: str, settings: CrossSellSettings, as_of: dt.date):
        for segment in ("all", *evaluation.SEGMENTS):
            key = None if segment == "all" else segment
            for method in self.rankings:
                yield {
                    "as_of_date": as_of,
                    "evaluation_window": window,
                    "split_date": self.split,
                    "window_end_date": self.end,
                    "segment": segment,
                    "method": method,
                    "top_k": settings.ranker.top_k,
                    **self.segment_metrics(method, key),
                    "p_value_vs_popularity": self.p_value(method, key),
                }


def _evaluate(lines: Purchases, split: dt.date, settings: CrossSellSettings) -> _Scored:
    end = split + dt.timedelta(days=settings.holdout_days)
    history = build_history(lines, split, settings.half_life_days, settings.popularity_days)
    truth = evaluation.truth_after(lines, history, end)
    rankings, hit_matrices = {}, {}
    for method in dict.fromkeys((rankers.BASELINE, *settings.methods)):
        ranking = rankers.rank(history, truth.rows, method, settings.ranker)
        rankings[method] = ranking
        hit_matrices[method] = evaluation.hits(ranking, truth)
    return _Scored(split, end, history, truth, rankings, hit_matrices)


def _choose(scored: _Scored | None, segment: str, settings: CrossSellSettings) -> dict:
    if scored is None:
        return {
            "chosen_method": COLD_START,
            "selected_on": "not_evaluated",
            "reason": "not enough history to evaluate: the cold-start rule",
        }
    base = scored.segment_metrics(rankers.BASELINE, segment)
    choice = {
        "selected_on": "earlier_window",
        "selection_split_date": scored.split,
        "popularity_hit_rate": base["hit_rate"],
    }
    evaluated = base["evaluated_customer_count"]
    if evaluated < settings.min_evaluated_customers:
        return {
            **choice,
            "chosen_method": COLD_START,
            "reason": (
                f"{evaluated} customers evaluated, fewer than the "
                f"{settings.min_evaluated_customers} needed to tell methods apart: the cold-start rule"
            ),
        }
    candidates = []
    for method in scored.rankings:
        found = scored.segment_metrics(method, segment)
        candidates.append((found["hit_rate"], found["ndcg_at_k"], method))
    hit_rate, _, best = max(candidates, key=lambda c: (c[0], c[1], c[2] == rankers.BASELINE))
    p_value = scored.p_value(best, segment)
    if best != rankers.BASELINE and p_value is not None and p_value < settings.significance:
        reason = (
            f"{best} hit {hit_rate:.1%} of {evaluated} customers against popularity's "
            f"{base['hit_rate']:.1%} (sign test p = {p_value:.3g})"
        )
        return {
            **choice,
            "chosen_method": best,
            "chosen_hit_rate": hit_rate,
            "p_value_vs_popularity": p_value,
            "reason": reason,
        }
    if best == rankers.BASELINE:
        reason = f"no method hit more than popularity's {base['hit_rate']:.1%}"
    else:
        reason = (
            f"{best} hit {hit_rate:.1%} against popularity's {base['hit_rate']:.1%}, "
            f"not beyond luck (sign test p = {p_value if p_value is None else f'{p_value:.3g}'})"
        )
    return {
        **choice,
        "chosen_method": rankers.BASELINE,
        "chosen_hit_rate": base["hit_rate"],
        "p_value_vs_popularity": p_value if best != rankers.BASELINE else None,
        "reason": f"{reason}: popularity kept",
    }


def _final_lists(history, products, choices, settings, as_of) -> pd.DataFrame:
    frames = []
    for segment, choice in choices.items():
        rows = np.flatnonzero(
            history.order_count > 1 if segment == "repeat" else history.order_count == 1
        )
        if len(rows) == 0:
            continue
        method = choice["chosen_method"]
        ranking = rankers.rank(history, rows, method, settings.ranker)
        listed = ranking.products >= 0
        row, rank = np.nonzero(listed)
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": history.customers[ranking.rows[row]],
                    "recommendation_rank": (rank + 1).astype(np.int32),
                    "merchant_code": history.products[ranking.products[row, rank]],
                    "score": np.round(ranking.scores[row, rank], 6),
                    "is_personalised": ranking.personalised[row, rank],
                    "method": method,
                    "segment": segment,
                }
            )
        )
    columns = [
        "customer_id",
        "recommendation_rank",
        "merchant_code",
        "score",
        "is_personalised",
        "method",
        "segment",
    ]
    lists = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    names = products[["merchant_code", "product_name", "category_name"]].drop_duplicates(
        "merchant_code"
    )
    lists = lists.merge(names, on="merchant_code", how="left")
    lists["as_of_date"] = as_of
    return lists.sort_values(["customer_id", "recommendation_rank"], ignore_index=True)
