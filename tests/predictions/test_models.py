"""Properties of the BG/NBD and Gamma-Gamma code that hold for any data."""

import numpy as np
import pytest

from predictions import bgnbd, gamma_gamma


@pytest.fixture(scope="module")
def simulated():
    rng = np.random.default_rng(7)
    truth = bgnbd.BgNbdParams(r=0.3, alpha=30.0, a=0.7, b=2.0)
    T = rng.integers(1, 720, 40_000).astype(float)
    x, t_x = bgnbd.simulate(truth, T, rng)
    # whole days, as a shop's data comes: a repeat purchase is at least a day after the first
    t_x = np.where(x > 0, np.clip(np.ceil(t_x), 1, T), 0.0)
    return truth, x, t_x, T


def test_fit_recovers_the_parameters_it_was_simulated_with(simulated):
    truth, x, t_x, T = simulated
    fit = bgnbd.fit(x, t_x, T)
    assert fit.params.r == pytest.approx(truth.r, rel=0.1)
    assert fit.params.alpha == pytest.approx(truth.alpha, rel=0.15)
    assert fit.params.a == pytest.approx(truth.a, rel=0.2)
    assert fit.params.b == pytest.approx(truth.b, rel=0.25)
    assert fit.customers == len(x)


def central_difference(function, point: np.ndarray, step: float = 1e-5) -> np.ndarray:
    return np.array(
        [
            (function(point + step * unit)[0] - function(point - step * unit)[0]) / (2 * step)
            for unit in np.eye(len(point))
        ]
    )


def test_bgnbd_gradient_matches_finite_differences(simulated):
    _, x, t_x, T = simulated
    data = bgnbd._prepare(x.astype(float), t_x, T)
    for point in (np.log([0.3, 30.0, 0.7, 2.0]), np.log([1.2, 5.0, 2.0, 0.6])):
        analytic = bgnbd._neg_log_likelihood(point, data)[1]
        numeric = central_difference(lambda p: bgnbd._neg_log_likelihood(p, data), point)
        assert np.allclose(analytic, numeric, rtol=1e-5, atol=1e-6 * np.abs(analytic).max())


def test_gamma_gamma_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 12, 500).astype(float)
    m = rng.gamma(4.0, 30.0, 500)
    w = np.ones(500)
    point = np.log([5.0, 3.0, 20.0])
    analytic = gamma_gamma._neg_log_likelihood(point, x, m, w)[1]
    numeric = central_difference(lambda p: gamma_gamma._neg_log_likelihood(p, x, m, w), point)
    assert np.allclose(analytic, numeric, rtol=1e-5, atol=1e-6 * np.abs(analytic).max())


def test_weighting_equals_repeating_the_customers(simulated):
    """Fitting each distinct customer once with a weight is the same as fitting them all."""
    _, x, t_x, T = simulated
    doubled = bgnbd.fit(np.tile(x, 2), np.tile(t_x, 2), np.tile(T, 2))
    single = bgnbd.fit(x, t_x, T)
    assert doubled.log_likelihood == pytest.approx(2 * single.log_likelihood, rel=1e-9)
    assert doubled.params.r == pytest.approx(single.params.r, rel=1e-5)


def test_probability_alive_and_expected_purchases_behave():
    params = bgnbd.BgNbdParams(r=0.25, alpha=40.0, a=0.8, b=2.5)
    # no repeat purchase: never seen to survive a dropout chance, so alive for sure
    assert bgnbd.probability_alive(params, [0], [0], [300])[0] == 1.0
    # same history, seen longer without buying: less likely alive and fewer expected purchases
    p_alive = bgnbd.probability_alive(params, [3, 3], [100, 100], [120, 400])
    assert p_alive[0] > p_alive[1]
    expected = [bgnbd.expected_purchases(params, t, [3], [100], [120])[0] for t in (30, 90, 365)]
    assert 0 < expected[0] < expected[1] < expected[2]
    assert bgnbd.expected_purchases(params, 0, [3], [100], [120])[0] == 0


def test_inconsistent_histories_are_refused():
    with pytest.raises(ValueError, match="t_x must lie between 0 and T"):
        bgnbd.fit([1, 0], [50, 0], [40, 10])
    with pytest.raises(ValueError, match="no repeat purchase must have t_x = 0"):
        bgnbd.fit([0, 1], [5, 3], [10, 10])
    with pytest.raises(bgnbd.FitError, match="no customer has a repeat purchase"):
        bgnbd.fit([0, 0], [0, 0], [10, 20])
    with pytest.raises(ValueError, match="positive mean value"):
        gamma_gamma.fit([1, 2], [10.0, 0.0])


def test_gamma_gamma_shrinks_a_customers_mean_towards_the_population():
    params = gamma_gamma.GammaGammaParams(p=6.0, q=4.0, gamma=15.0)
    population = params.population_mean_value
    one, many = gamma_gamma.expected_mean_value(params, [1, 50], [100.0, 100.0])
    assert population < one < many < 100.0
    assert gamma_gamma.expected_mean_value(params, [0], [np.nan])[0] == pytest.approx(population)
