"""The Gamma-Gamma model of spend per purchase.

Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
Journal of Marketing Research 42(4), section "Adding monetary value". A customer's purchases are
Gamma(p, ν) around their own mean, and ν ~ Gamma(q, γ) across customers. The data are, per
customer with at least one repeat purchase, the number of repeat purchases x and their mean
value m̄. The model assumes spend does not depend on how often one buys; the fit reports the
correlation between x and m̄ so a reader can check it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from predictions.likelihood import FitError, maximise


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    gamma: float

    @property
    def population_mean_value(self) -> float:
        """E[spend per purchase] of a customer nothing is known about: pγ/(q−1)."""
        return self.p * self.gamma / (self.q - 1)


@dataclass(frozen=True)
class GammaGammaFit:
    params: GammaGammaParams
    log_likelihood: float
    customers: int
    frequency_value_correlation: float
    penalty: float = 0.0


def _neg_log_likelihood(log_params: np.ndarray, x, m, w) -> tuple[float, np.ndarray]:
    p, q, gamma = np.exp(log_params)
    px = p * x
    log_total = np.log(gamma + x * m)
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_total
    )
    dig_pxq = special.digamma(px + q)
    d_p = x * (dig_pxq - special.digamma(px) + np.log(m) + np.log(x) - log_total)
    d_q = dig_pxq - special.digamma(q) + np.log(gamma) - log_total
    d_gamma = q / gamma - (px + q) / (gamma + x * m)
    grad = np.array([(w * g).sum() for g in (d_p, d_q, d_gamma)])
    return -float((w * ll).sum()), -grad * np.array([p, q, gamma])


def fit(x, mean_value, penalty: float = 0.0) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma parameters from repeat customers' (x, m̄) (penalised
    towards the start when `penalty` > 0: see predictions.likelihood).

    Customers with x = 0 carry no spend information in this model and must be left out by the
    caller, as must non-positive means (refunded purchases): the model is for positive spend.
    """
    x = np.asarray(x, dtype=float)
    m = np.asarray(mean_value, dtype=float)
    if x.shape != m.shape:
        raise ValueError("x and mean_value must have the same length")
    if (x <= 0).any() or (m <= 0).any():
        raise ValueError("Gamma-Gamma needs x ≥ 1 and a positive mean value for every customer")
    if len(x) < 2:
        raise FitError("Gamma-Gamma needs at least two repeat customers")
    pairs, weight = np.unique(np.column_stack([x, m]), axis=0, return_counts=True)
    ux, um, uw = pairs[:, 0], pairs[:, 1], weight.astype(float)
    start = np.log([1.0, 2.0, max(float(np.mean(m)), 1e-6)])
    best = maximise(_neg_log_likelihood, start, (ux, um, uw), penalty, "Gamma-Gamma")
    p, q, gamma = (float(v) for v in best.params)
    if q <= 1:
        raise FitError(f"Gamma-Gamma fit gave q = {q:.3f} ≤ 1: the mean spend is unbounded")
    correlation = float(np.corrcoef(x, m)[0, 1]) if np.ptp(x) > 0 and np.ptp(m) > 0 else 0.0
    return GammaGammaFit(
        params=GammaGammaParams(p=p, q=q, gamma=gamma),
        log_likelihood=best.log_likelihood,
        customers=len(x),
        frequency_value_correlation=correlation,
        penalty=penalty,
    )


def expected_mean_value(params: GammaGammaParams, x, mean_value) -> np.ndarray:
    """E[spend per future purchase | x, m̄]: the population mean and the customer's own mean,
    weighted by how much the customer's x purchases say (equation 5 of the paper). Customers
    with x = 0 get the population mean."""
    x = np.asarray(x, dtype=float)
    m = np.where(x > 0, np.asarray(mean_value, dtype=float), 0.0)
    p, q, gamma = params.p, params.q, params.gamma
    return (p * (gamma + x * m)) / (p * x + q - 1)
