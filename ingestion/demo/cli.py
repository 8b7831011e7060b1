"""`python -m ingestion.demo` — write a demo shop's exports into a landing folder.

The ground truth (which person every identifier belongs to, each person's true purchase rate and
dropout probability) goes to a separate folder, never into the landing folder, so the pipeline
cannot peek at it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import time
from pathlib import Path

from ingestion.demo.exports import write_exports, write_ground_truth
from ingestion.demo.shop import ShopParams, build_shop


def ensure_key_file(path: Path) -> Path:
    """A random PII key for the demo, created once; real shops bring their own secret."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True, help="folder the exports go to")
    parser.add_argument("--truth", type=Path, required=True, help="folder for the ground truth")
    parser.add_argument(
        "--customers",
        type=int,
        default=ShopParams.customers,
        help="people in the shop (default %(default)s; 1000000 for the benchmark)",
    )
    parser.add_argument("--seed", type=int, default=ShopParams.seed)
    parser.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=ShopParams.end,
        help="last day of shop history (default %(default)s)",
    )
    parser.add_argument("--key-file", type=Path, help="create a random PII key here if missing")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    params = ShopParams(customers=args.customers, seed=args.seed, end=args.end)
    shop = build_shop(params)
    files = write_exports(shop, args.landing)
    write_ground_truth(shop, args.truth)
    if args.key_file:
        ensure_key_file(args.key_file)
    summary = {
        "customers": int(len(shop.people)),
        "orders": int(len(shop.orders)),
        "order_lines": int(len(shop.lines)),
        "files": len(files),
        "seconds": round(time.perf_counter() - started, 2),
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
