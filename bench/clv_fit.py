"""The BG/NBD fit at shop scale: Fugou's (predictions.bgnbd) against `lifetimes` (the library
it replaces; unmaintained since 2020) on the same customers, in one run.

    python bench/clv_fit.py [--customers 1000000] [--repeats 3]

Customers are drawn from a BG/NBD with r = 0.25, α = 40 days, a = 0.8, b = 2.5, first purchases
spread over five years. Two forms of the same histories are fitted:
- `days`: t_x and T in whole days, as the shop's purchase days give them (what Fugou fits);
- `continuous`: T with a random fraction of a day added, so that few customers share a value
  (the worst case for Fugou's grouping of equal histories).
Both fits run under threadpool_limits(1). `lifetimes` is a benchmark-only dependency: the script
installs it (with autograd and dill) into .fugou/bench-lib with pip the first time, outside the
project's environment. Writes bench/results/clv_fit_<customers>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from ingestion.settings import DEFAULT_HOME, PROJECT_ROOT
from predictions import bgnbd

RESULTS = PROJECT_ROOT / "bench" / "results"
BENCH_LIB = DEFAULT_HOME / "bench-lib"
TRUTH = bgnbd.BgNbdParams(r=0.25, alpha=40.0, a=0.8, b=2.5)


def import_lifetimes():
    if not (BENCH_LIB / "lifetimes").is_dir():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--target",
                str(BENCH_LIB),
                "lifetimes==0.11.3",
                "autograd",
                "dill",
            ],
            check=True,
        )
    sys.path.insert(0, str(BENCH_LIB))
    from lifetimes import BetaGeoFitter

    return BetaGeoFitter


def histories(customers: int, seed: int = 20261124) -> dict[str, tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 5 * 365, customers).astype(float)
    x, t_x = bgnbd.simulate(TRUTH, T, rng)
    x = x.astype(float)
    t_x_days = np.where(x > 0, np.clip(np.ceil(t_x), 1, T), 0.0)
    return {
        "days": (x, t_x_days, T),
        "continuous": (x, t_x, T + rng.random(customers)),
    }


def timed(function, repeats: int) -> tuple[list[float], object]:
    seconds, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        seconds.append(round(time.perf_counter() - start, 3))
    return seconds, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    BetaGeoFitter = import_lifetimes()

    report: dict = {
        "customers": args.customers,
        "truth": TRUTH.__dict__,
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "forms": {},
    }
    for form, (x, t_x, T) in histories(args.customers).items():
        fugou_seconds, fit = timed(lambda x=x, t_x=t_x, T=T: bgnbd.fit(x, t_x, T), args.repeats)

        def lifetimes_fit(x=x, t_x=t_x, T=T):
            with threadpool_limits(1):
                return BetaGeoFitter().fit(x, t_x, T)

        lifetimes_seconds, reference = timed(lifetimes_fit, 1)
        theirs = {k: float(v) for k, v in reference.params_.items()}
        ours = fit.params.__dict__
        report["forms"][form] = {
            "repeat_buyers": int((x > 0).sum()),
            "fugou_seconds": fugou_seconds,
            "fugou_median_seconds": statistics.median(fugou_seconds),
            "lifetimes_seconds": lifetimes_seconds[0],
            "speedup": round(lifetimes_seconds[0] / statistics.median(fugou_seconds), 1),
            "fugou_params": ours,
            "lifetimes_params": theirs,
            "largest_relative_difference": max(
                abs(ours[k] - theirs[k]) / abs(theirs[k]) for k in ("r", "alpha", "a", "b")
            ),
            "fugou_log_likelihood": fit.log_likelihood,
        }
        print(form, json.dumps(report["forms"][form]))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"clv_fit_{args.customers}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
