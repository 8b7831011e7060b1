"""Peak memory and time of loading one poison export beside a good one, each case in a fresh
process (the whole load: loader, its DuckDB, the Python readers).

    python bench/poison_files.py [--out poison_files.json]

Cases are the shapes that crashed or ballooned the loader (issue 22): a 70 MB cell on one
line, a 5 MB cell with a quoted line break, 20,000 columns, and the same export twice. Writes
bench/results/poison_files.json with each case's outcome, seconds and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import shutil
import tempfile
import time
from pathlib import Path

from ingestion.settings import PROJECT_ROOT
from tests.fixtures.real_exports import gen_a_2017_order, write_gen_a_2017

RESULTS = PROJECT_ROOT / "bench" / "results"
NAME = "ExportOrderList201705311200.csv"


def _write(case: str, landing: Path) -> None:
    rows = [gen_a_2017_order(n, hex_phones=False) for n in range(1, 6)]
    if case == "cell_70mb_one_line":
        rows[2] = gen_a_2017_order(3, hex_phones=False, 订单备注="y" * (70 << 20))
    elif case == "cell_5mb_quoted_line_break":
        rows[2] = gen_a_2017_order(3, hex_phones=False, 买家留言="长" * ((5 << 20) // 3) + "\n换行")
    if case == "columns_20000":
        landing.mkdir(parents=True)
        header = ["订单编号", "买家会员名", "买家实际支付金额", "订单状态", "订单创建时间"]
        line = ["3500000000000001", "nick", "1.00", "交易成功", "2017-05-01 10:00:00"]
        (landing / NAME).write_text(
            ",".join(header + [f"c{i}" for i in range(20_000)])
            + "\n"
            + "\n".join([",".join(line + ["v"] * 20_000)] * 200)
            + "\n",
            encoding="utf-8",
        )
    else:
        write_gen_a_2017(landing / NAME, rows, encoding="utf-8")
    if case == "same_export_twice":
        shutil.copy(landing / NAME, landing / f"copy of {NAME}")
    good = [gen_a_2017_order(n, hex_phones=False) for n in range(10, 15)]
    write_gen_a_2017(landing / "ExportOrderList201706301200.csv", good, encoding="utf-8")


def _load(case: str, root: str, queue) -> None:
    import duckdb

    from ingestion.loader import load_landing

    landing = Path(root) / "landing"
    _write(case, landing)
    started = time.perf_counter()
    with duckdb.connect(str(Path(root) / "w.duckdb")) as con:
        workers = 2 if case == "same_export_twice" else 1
        report = load_landing(
            con, landing, b"bench-key-0123456789abcdef-not-secret", workers=workers
        )
    seconds = time.perf_counter() - started
    queue.put(
        {
            "case": case,
            "seconds": round(seconds, 2),
            # the loading process, and the largest of its worker processes (parallel loads)
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "worker_peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            ),
            "files": {
                f.source_file[:60]: [f.status, f.rows_loaded, f.rows_quarantined]
                for f in report.files
            },
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="poison_files.json")
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    results = []
    for case in (
        "cell_70mb_one_line",
        "cell_5mb_quoted_line_break",
        "columns_20000",
        "same_export_twice",
    ):
        with tempfile.TemporaryDirectory() as root:
            queue = context.Queue()
            process = context.Process(target=_load, args=(case, root, queue))
            process.start()
            result = queue.get()
            process.join()
        print(json.dumps(result, ensure_ascii=False))
        results.append(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(
        json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
