"""Write one large file per source format for the loader bench, from a demo landing folder.

    python bench/big_files.py --landing DEMO_LANDING --out DIR --rows 1000000

Each output cycles the data rows of the newest demo file of its format and gives every row fresh
ids (orders, sub-orders, refunds, members, events, answers, trades), so the loader sees N distinct
records with the demo's real value mix and quirks. Then `python bench/loader.py DIR/* --out …`
measures rows per second and worker peak memory per format.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
from pathlib import Path

# Per format: the demo file name prefix, and the columns whose values must be unique per row.
CSV_FORMATS = {
    "ExportOrderList2021": ("ExportOrderList2022", ("订单编号", "主订单编号")),
    "ExportOrderDetailList2022": ("ExportOrderDetailList2022", ("子订单编号", "主订单编号")),
    "ExportOrderList2026_suborders": ("ExportOrderList2026", ("子订单编号", "主订单编号")),
    "发货报表": ("发货报表", ("订单编号",)),
    "销售出库明细": ("销售出库明细", ("订单编号", "原始单号", "原始子单号")),
    "抖店订单": ("抖店订单", ("主订单编号", "子订单编号")),
    "ExportRefundList2026": ("ExportRefundList2026", ("订单编号", "退款编号")),
    "积分明细": ("积分明细", ("流水号",)),
    "NPS问卷": ("NPS问卷", ("答卷编号",)),
    "会员列表": ("会员列表", ("会员编号",)),
}
TOP_FORMAT = "TopTradesIncrement"


def _newest(landing: Path, prefix: str) -> Path:
    files = sorted(p for p in landing.iterdir() if p.name.startswith(prefix))
    if not files:
        raise SystemExit(f"no demo file starting with {prefix} in {landing}")
    return files[-1]


def _encoding(path: Path) -> str:
    head = path.read_bytes()[:3]
    if head == b"\xef\xbb\xbf":
        return "utf-8-sig"
    try:
        path.read_bytes().decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _unique(value: str, number: int) -> str:
    """The same shape (`="…"` kept, same prefix letters), digits replaced by a fresh number."""
    wrapped = value.startswith('="')
    core = value[2:-1] if wrapped else value
    letters = core.rstrip("0123456789")
    fresh = (
        f"{letters}{9_000_000_000_000_000 + number}" if letters == "" else f"{letters}{number:09d}"
    )
    return f'="{fresh}"' if wrapped else fresh


def write_csv(template: Path, target: Path, id_columns: tuple[str, ...], rows: int) -> None:
    encoding = _encoding(template)
    with template.open(encoding=encoding, newline="") as source:
        reader = csv.reader(source)
        header = next(reader)
        body = [row for row in reader if any(cell.strip() for cell in row)]
    names = [h.strip() for h in header]
    positions = [names.index(c) for c in id_columns if c in names]
    with target.open("w", encoding=encoding, newline="") as out:
        out.write(",".join(f'"{h}"' for h in header) + "\r\n")
        lines = []
        for number, row in enumerate(itertools.islice(itertools.cycle(body), rows)):
            row = list(row)
            for position in positions:
                row[position] = _unique(row[position], number)
            # as the back office writes: every cell quoted, `="…"` ids bare
            lines.append(
                ",".join(c if c.startswith('="') else '"' + c.replace('"', '""') + '"' for c in row)
            )
            if len(lines) == 50_000:
                out.write("\r\n".join(lines) + "\r\n")
                lines = []
        if lines:
            out.write("\r\n".join(lines) + "\r\n")


def write_top_dump(template: Path, target: Path, rows: int, page_size: int = 100) -> None:
    trades = []
    for line in template.read_text(encoding="utf-8").splitlines():
        if line.strip():
            body = json.loads(line)["trades_sold_increment_get_response"]
            trades.extend(body["trades"]["trade"])
    with target.open("w", encoding="utf-8") as out:
        page = []
        for number, trade in enumerate(itertools.islice(itertools.cycle(trades), rows)):
            tid = 9_000_000_000_000_000 + number * 10
            orders = [
                {**order, "oid": tid + k + 1} for k, order in enumerate(trade["orders"]["order"])
            ]
            page.append({**trade, "tid": tid, "tid_str": str(tid), "orders": {"order": orders}})
            if len(page) == page_size:
                out.write(
                    json.dumps(
                        {"trades_sold_increment_get_response": {"trades": {"trade": page}}},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                page = []
        if page:
            out.write(
                json.dumps(
                    {"trades_sold_increment_get_response": {"trades": {"trade": page}}},
                    ensure_ascii=False,
                )
                + "\n"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--format",
        action="append",
        choices=[*CSV_FORMATS, TOP_FORMAT],
        help="write only these formats (repeatable; default every one)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = set(args.format or [*CSV_FORMATS, TOP_FORMAT])
    for name, (prefix, ids) in CSV_FORMATS.items():
        if name not in wanted:
            continue
        template = _newest(args.landing, prefix)
        target = args.out / f"{name}_{args.rows}.csv"
        write_csv(template, target, ids, args.rows)
        print(target, target.stat().st_size // 1_000_000, "MB")
    if TOP_FORMAT not in wanted:
        return 0
    target = args.out / f"{TOP_FORMAT}_{args.rows}.jsonl"
    write_top_dump(_newest(args.landing, "TopTradesIncrement"), target, args.rows)
    print(target, target.stat().st_size // 1_000_000, "MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
