"""The BG/NBD model ("beta-geometric / negative binomial distribution") of repeat buying.

Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2). While alive a customer buys at a Poisson rate
λ ~ Gamma(r, α); after each purchase they drop out with probability p ~ Beta(a, b). A customer is
summarised by x (repeat purchases), t_x (time of the last purchase since the first) and T (time
since the first purchase), all in one time unit.

The fit maximises the likelihood (their equation 6) with an analytic gradient, on log parameters.
Customers with the same (x, t_x, T) contribute the same term, so they are fitted once with a
weight: with purchase dates in whole days most of a shop's customers share their triple with
others, and the fit costs the number of distinct triples, not of customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from predictions.likelihood import FitError, maximise


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class BgNbdFit:
    params: BgNbdParams
    log_likelihood: float
    customers: int
    iterations: int
    penalty: float = 0.0


@dataclass(frozen=True)
class _Distinct:
    """A column as its distinct values and, per row, which one it holds, so that a function of
    it is computed once per value. Columns with mostly distinct values stay as they are."""

    values: np.ndarray
    index: np.ndarray | None

    @classmethod
    def of(cls, column: np.ndarray) -> _Distinct:
        index, values = pd.factorize(column)
        if len(values) > len(column) // 4:
            return cls(column, None)
        return cls(np.asarray(values, dtype=float), index)

    def apply(self, values: np.ndarray) -> np.ndarray:
        """Per row, given the function's value at each distinct value."""
        return values if self.index is None else values.take(self.index)


@dataclass(frozen=True)
class _Data:
    """The fit's input, reshaped once so that each likelihood evaluation is cheap.

    Terms that depend only on x are computed once per distinct x and multiplied by how many
    customers have it. Customers without a repeat purchase have a one-term likelihood and are
    grouped by T. Repeat buyers are grouped by (x, t_x, T), and the logarithms of α+T and α+t_x
    are taken once per distinct value: with ages in whole days there are a few thousand of them.
    """

    distinct_x: np.ndarray
    customers_per_x: np.ndarray
    one_time_T: np.ndarray
    one_time_weight: np.ndarray
    repeat_x: np.ndarray
    repeat_x_index: _Distinct
    repeat_t_x: _Distinct
    repeat_T: _Distinct
    repeat_weight: np.ndarray


def _weighted_distinct(columns: dict[str, np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    counts = pd.DataFrame(columns).value_counts(sort=False)
    frame = counts.index.to_frame(index=False)
    return [frame[name].to_numpy(dtype=float) for name in columns], counts.to_numpy(dtype=float)


def _prepare(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> _Data:
    distinct_x, customers_per_x = np.unique(x, return_counts=True)
    repeat = x > 0
    (one_time_T,), one_time_weight = _weighted_distinct({"T": T[~repeat]})
    (rx, rtx, rT), repeat_weight = _weighted_distinct(
        {"x": x[repeat], "t_x": t_x[repeat], "T": T[repeat]}
    )
    return _Data(
        distinct_x=distinct_x,
        customers_per_x=customers_per_x.astype(float),
        one_time_T=one_time_T,
        one_time_weight=one_time_weight,
        repeat_x=rx,
        repeat_x_index=_Distinct.of(rx),
        repeat_t_x=_Distinct.of(rtx),
        repeat_T=_Distinct.of(rT),
        repeat_weight=repeat_weight,
    )


def _validate(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    if not (x.shape == t_x.shape == T.shape):
        raise ValueError("x, t_x and T must have the same length")
    if len(x) == 0:
        raise FitError("no customers to fit")
    if (x < 0).any() or (np.floor(x) != x).any():
        raise ValueError("x (repeat purchases) must be whole numbers ≥ 0")
    if (t_x < 0).any() or (t_x > T).any():
        raise ValueError("t_x must lie between 0 and T for every customer")
    if ((x == 0) & (t_x != 0)).any():
        raise ValueError("a customer with no repeat purchase must have t_x = 0")
    if ((x > 0) & (t_x == 0)).any():
        raise ValueError("a repeat purchase after the first needs t_x > 0")


def _neg_log_likelihood(log_params: np.ndarray, d: _Data) -> tuple[float, np.ndarray]:
    """−LL and its gradient with respect to the log parameters (equation 6 of the paper)."""
    r, alpha, a, b = np.exp(log_params)
    # ln A1 + ln A2, per distinct x
    x, n = d.distinct_x, d.customers_per_x
    ll = (
        special.gammaln(r + x)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    ) @ n
    dig_ab_minus_abx = special.digamma(a + b) - special.digamma(a + b + x)
    d_r = (special.digamma(r + x) - special.digamma(r) + np.log(alpha)) @ n
    d_alpha = r / alpha * n.sum()
    d_a = dig_ab_minus_abx @ n
    d_b = (dig_ab_minus_abx + special.digamma(b + x) - special.digamma(b)) @ n

    # one-time buyers: ln(A3) = −r ln(α+T) alone
    log_alpha_T = np.log(alpha + d.one_time_T)
    ll -= r * (log_alpha_T @ d.one_time_weight)
    d_r -= log_alpha_T @ d.one_time_weight
    d_alpha -= (r / (alpha + d.one_time_T)) @ d.one_time_weight

    # repeat buyers: ln(A3 + A4) = ln A3 + softplus(ln A4 − ln A3),
    # with A4 = a/(b+x−1) · (α+t_x)^−(r+x)
    x, w = d.repeat_x, d.repeat_weight
    T, t_x, x_ = d.repeat_T, d.repeat_t_x, d.repeat_x_index
    log_alpha_T = T.apply(np.log(alpha + T.values))
    log_alpha_tx = t_x.apply(np.log(alpha + t_x.values))
    inv_alpha_T = T.apply(1.0 / (alpha + T.values))
    inv_alpha_tx = t_x.apply(1.0 / (alpha + t_x.values))
    log_b_x1 = x_.apply(np.log(b + x_.values - 1))
    inv_b_x1 = x_.apply(1.0 / (b + x_.values - 1))
    r_x = r + x
    a3 = -r_x * log_alpha_T
    diff = np.log(a) - log_b_x1 + r_x * (log_alpha_T - log_alpha_tx)
    # softplus(d) = ln(1 + e^d) = −ln w3, without overflow: beyond 30 it is d to double precision
    odds = np.exp(np.minimum(diff, 30.0))
    w3 = 1.0 / (1.0 + odds)  # the share of A3 in A3 + A4
    w4 = 1.0 - w3
    softplus = np.maximum(diff - 30.0, 0.0) - np.log(w3)
    ll += (a3 + softplus) @ w
    d_r -= (w3 * log_alpha_T + w4 * log_alpha_tx) @ w
    d_alpha -= (r_x * (w3 * inv_alpha_T + w4 * inv_alpha_tx)) @ w
    d_a += w4 @ w / a
    d_b -= (w4 * inv_b_x1) @ w
    grad = np.array([d_r, d_alpha, d_a, d_b]) * np.array([r, alpha, a, b])
    return -float(ll), -grad


def fit(x, t_x, T, penalty: float = 0.0) -> BgNbdFit:
    """Maximum-likelihood BG/NBD parameters for customers summarised by (x, t_x, T)
    (penalised towards the start when `penalty` > 0: see predictions.likelihood)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    _validate(x, t_x, T)
    if not (x > 0).any():
        raise FitError("no customer has a repeat purchase: the dropout process cannot be fitted")
    data = _prepare(x, t_x, T)
    # Start where the rate is about one purchase per mean customer age and half drop out.
    start = np.log([1.0, max(float(np.mean(T)), 1e-6), 1.0, 1.0])
    best = maximise(_neg_log_likelihood, start, (data,), penalty, "BG/NBD")
    r, alpha, a, b = (float(v) for v in best.params)
    return BgNbdFit(
        params=BgNbdParams(r=r, alpha=alpha, a=a, b=b),
        log_likelihood=best.log_likelihood,
        customers=len(x),
        iterations=best.iterations,
        penalty=penalty,
    )


def _odds_dead(params: BgNbdParams, x, t_x, T):
    """a/(b+x−1) · ((α+T)/(α+t_x))^(r+x) for repeaters, 0 for the others: P(alive) = 1/(1+this)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    b_x1 = np.where(repeat, b + x - 1, 1.0)
    log_odds = np.log(a) - np.log(b_x1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(repeat, np.exp(np.minimum(log_odds, 700.0)), 0.0)


def probability_alive(params: BgNbdParams, x, t_x, T) -> np.ndarray:
    """P(still a customer at T | x, t_x, T): equation (12) of the paper."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    return 1.0 / (1.0 + _odds_dead(params, x, t_x, T))


def expected_purchases(params: BgNbdParams, t: float, x, t_x, T) -> np.ndarray:
    """E[purchases in (T, T+t] | x, t_x, T]: equation (10) of the paper."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if t <= 0:
        return np.zeros_like(x)
    z = t / (alpha + T + t)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    tail = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    numerator = (a + b + x - 1) / (a - 1) * (1 - tail * hyp)
    return numerator / (1.0 + _odds_dead(params, x, t_x, T))


def median_time_to_next_purchase(params: BgNbdParams, x, T) -> np.ndarray:
    """Median wait to the next purchase, for a customer who is still alive.

    While alive, purchases are Poisson with a rate whose posterior is Gamma(r+x, α+T), so the wait
    is Pareto II: P(wait > w) = ((α+T)/(α+T+w))^(r+x). Its mean is infinite when r+x ≤ 1 (most
    one-time buyers), its median never is.
    """
    x, T = (np.asarray(v, dtype=float) for v in (x, T))
    return (params.alpha + T) * (np.power(2.0, 1.0 / (params.r + x)) - 1.0)


def simulate(
    params: BgNbdParams, T: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw (x, t_x) for customers observed for T after their first purchase, from the model.

    For checking that a fit recovers known parameters, and for benchmarks.
    """
    T = np.asarray(T, dtype=float)
    n = len(T)
    rate = rng.gamma(params.r, 1.0 / params.alpha, n)
    dropout = rng.beta(params.a, params.b, n)
    x = np.zeros(n, dtype=np.int64)
    t_x = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        who = np.flatnonzero(active)
        at = t_x[who] + rng.exponential(1.0 / rate[who])
        inside = at <= T[who]
        bought = who[inside]
        x[bought] += 1
        t_x[bought] = at[inside]
        active[who[~inside]] = False
        # Dropout happens right after a repeat purchase (never after the first).
        active[bought[rng.random(len(bought)) < dropout[bought]]] = False
    return x, t_x
