"""A BI tool's reads of the published marts, in its own process, as Superset makes them:
SQLAlchemy through duckdb-engine, a connection per query plus one held open throughout.

Run as `python -m tests.dashboard.bi_client PUBLISHED STOP_FILE`; it reads until STOP_FILE
exists, then prints what it saw as JSON. The test starts it before a nightly run and stops it
after, so every read happens while the run writes the warehouse and republishes the copy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa


def main(published: str, stop_file: str) -> int:
    engine = sa.create_engine(f"duckdb:///{published}", connect_args={"read_only": True})
    seen = {
        "reads": 0,
        "errors": [],
        "tables": [],
        "customer_counts": set(),
        "held_reads": 0,
        "saw": [],
    }
    first_inode = os.stat(published).st_ino
    held = engine.connect()  # a dashboard left open overnight
    seen["tables"] = sorted(sa.inspect(engine).get_table_names(schema="marts"))
    stop = Path(stop_file)
    while not stop.exists():
        try:
            with engine.connect() as connection:
                n = connection.execute(sa.text("select count(*) from marts.customer_rfm")).scalar()
                rates = connection.execute(
                    sa.text(
                        "select month_start_date, repurchase_rate from marts.repurchase_monthly "
                        "order by month_start_date desc limit 3"
                    )
                ).fetchall()
            seen["reads"] += 1
            seen["customer_counts"].add(int(n))
            assert rates, "repurchase_monthly read empty"
            held.execute(sa.text("select count(*) from marts.dim_customers")).scalar()
            seen["held_reads"] += 1
        except Exception as exc:  # report, do not stop: the test counts them
            seen["errors"].append(repr(exc)[:300])
        if os.stat(published).st_ino != first_inode and not seen["saw"]:
            seen["saw"].append("the copy was replaced")
        time.sleep(0.05)
    held.close()
    engine.dispose()
    seen["customer_counts"] = sorted(seen["customer_counts"])
    print(json.dumps(seen))
    return 0


@contextmanager
def bi_client_reading(published: Path) -> Iterator[dict]:
    """A BI client reading `published` from its own process for as long as the block runs; the
    dict it yields is filled with what the client saw when the block ends."""
    stop = published.with_name(published.name + ".stop-reading")
    stop.unlink(missing_ok=True)
    client = subprocess.Popen(
        [sys.executable, "-m", "tests.dashboard.bi_client", str(published), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: dict = {}
    try:
        time.sleep(3)  # connected and reading before the night starts
        yield seen
    finally:
        stop.touch()
        out, err = client.communicate(timeout=120)
        if client.returncode != 0:
            raise RuntimeError(f"the BI client failed: {err[-2000:]}")
        seen.update(json.loads(out.strip().splitlines()[-1]))


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
