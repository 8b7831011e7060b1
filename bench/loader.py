"""Benchmark the loader's per-file work: rows per second and peak memory by file size and format.

    python bench/loader.py FILE [FILE ...] [--out loader_formats.json]

Each file is prepared (decoded, split, typed, pseudonymised, written as Parquet) in a fresh
process, as the loader's workers do, so its peak RSS is the worker's own. Writes
bench/results/loader.json. Peak memory should not grow with file size: files are cut into
64 MB pieces.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

from ingestion.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"


def _prepare(path: str, queue) -> None:
    from ingestion.prepare import prepare_file

    with tempfile.TemporaryDirectory() as spool:
        started = time.perf_counter()
        prepared = prepare_file(Path(path), Path(path).name, "bench", b"bench-key", Path(spool))
        seconds = time.perf_counter() - started
        rejected = 0
        for part in prepared.parts:  # read before the spool goes
            with part.rejects.open(newline="", encoding="utf-8") as handle:
                rejected += sum(1 for _ in csv.reader(handle))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(
        {
            "file": Path(path).name,
            "table": prepared.table,
            "mb": round(Path(path).stat().st_size / 1e6, 1),
            "rows": prepared.rows_in_file,
            "rows_rejected": rejected,
            "vectorised": prepared.vectorised,
            "seconds": round(seconds, 2),
            "rows_per_second": round(prepared.rows_in_file / seconds),
            "peak_rss_mb": round(peak, 1),
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--out", default="loader.json", help="file name under bench/results/")
    parser.add_argument(
        "--append",
        action="store_true",
        help="keep the figures already in --out for other files (one format at a time)",
    )
    args = parser.parse_args(argv)
    context = multiprocessing.get_context("spawn")
    results = []
    for path in args.files:
        queue = context.Queue()
        worker = context.Process(target=_prepare, args=(str(path), queue))
        worker.start()
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"{path}: the worker failed (exit code {worker.exitcode})")
        results.append(queue.get(timeout=10))
        print(json.dumps(results[-1], ensure_ascii=False))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / args.out
    if args.append and out.exists():
        measured = {r["file"] for r in results}
        kept = [r for r in json.loads(out.read_text()) if r["file"] not in measured]
        results = sorted(kept + results, key=lambda r: r["file"])
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
