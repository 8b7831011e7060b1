#!/usr/bin/env bash
# The loader bench at scale, one format at a time: write a ROWS-record file of the format from the
# demo landing, measure its worker (rows/s, peak RSS), delete it, go on. Every format at 10M rows
# at once would need about 40 GB of disk.
#
#   bench/loader_at_scale.sh [ROWS] [DEMO_LANDING]      # figures: bench/results/loader_formats_ROWS.json
#
# A TOP trade carries about 2.2 order rows, so the TOP dump gets ROWS/2 trades (≥ ROWS raw rows).
set -euo pipefail
source "$(dirname "$0")/../scripts/env.sh"
cd "$FUGOU_ROOT"
ROWS="${1:-10000000}"
LANDING="${2:-$FUGOU_HOME/demo/landing}"
OUT="loader_formats_${ROWS}.json"
SCRATCH="$(mktemp -d "$FUGOU_HOME/bench_files.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT

for format in 发货报表 ExportOrderList2026_suborders ExportOrderDetailList2022 ExportRefundList2026 \
  积分明细 NPS问卷 会员列表 抖店订单 销售出库明细 ExportOrderList2021 TopTradesIncrement; do
  rows="$ROWS"
  [ "$format" = TopTradesIncrement ] && rows=$((ROWS / 2))
  python bench/big_files.py --landing "$LANDING" --out "$SCRATCH" --rows "$rows" --format "$format"
  python bench/loader.py "$SCRATCH"/* --out "$OUT" --append
  rm -f "$SCRATCH"/*
done
