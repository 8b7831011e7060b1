"""Connected components of a shop-sized identity graph: the dbt materialization the identity
models use (dbt_project/macros/identity/connected_components.sql), on DuckDB and on PostgreSQL,
against scipy.sparse.csgraph.connected_components on the same edge list, in one run.

    python bench/identity_graph.py [--people 1000000] [--postgres] [--nodes listed|edge-ends]

The graph: `people` buyers with 1-6 identifiers each (3.25 on average), joined within a person by
the records that carry them (a spanning tree plus extra edges, 4.1 edges per person in all), and
placeholder hubs: 20 identifiers each seen with 2,000 random others, each gluing about 2,000
people into one component (what a junk phone does when no rule blocks it). Node keys look like the
warehouse's (`phone_hmac:<md5>`). By default the model lists its nodes (`nodes_listed`, as
int_identity_components does: one row per node, no edges to themselves); `--nodes edge-ends` has
the materialization take them distinct over the edges' ends instead. Writes
bench/results/identity_graph_<people>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from bench.components_project import EDGES_SCHEMA, write_components_project
from ingestion.settings import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
PG_DATABASE = "fugou_bench_graph"


def build_graph(people: int, seed: int = 20261124) -> tuple[int, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sizes = rng.choice([1, 2, 3, 4, 5, 6], people, p=[0.15, 0.2, 0.25, 0.2, 0.1, 0.1])
    nodes = int(sizes.sum())
    owner = np.repeat(np.arange(people), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    position = np.arange(nodes) - first[owner]
    # a tree per person: each identifier after the first joins an earlier one of the same person
    later = position > 0
    tree_from = np.flatnonzero(later)
    tree_to = first[owner[later]] + (rng.random(later.sum()) * position[later]).astype(np.int64)
    # more records carrying two of a person's identifiers (repeated pairs are real: re-exports)
    extra = int(4.1 * people) - len(tree_from) - 20 * 2_000
    pick = rng.integers(0, people, extra)
    a = first[pick] + (rng.random(extra) * sizes[pick]).astype(np.int64)
    b = first[pick] + (rng.random(extra) * sizes[pick]).astype(np.int64)
    hubs = nodes + np.repeat(np.arange(20), 2_000)
    hub_peers = rng.integers(0, nodes, 20 * 2_000)
    src = np.concatenate([tree_from, a, hubs])
    dst = np.concatenate([tree_to, b, hub_peers])
    # an identifier on no edge is still a node: an edge to itself, as int_identity_edges gives
    seen = np.zeros(nodes + 20, dtype=bool)
    seen[src] = seen[dst] = True
    alone = np.flatnonzero(~seen)
    return nodes + 20, np.concatenate([src, alone]), np.concatenate([dst, alone])


def scipy_components(nodes: int, src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray]:
    started = time.perf_counter()
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(nodes, nodes))
    _, labels = connected_components(graph.tocsr(), directed=False)
    return time.perf_counter() - started, labels


def _run_dbt(project: Path, work: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """dbt run in a child process: wall seconds, the child's peak RSS (MB) and its output."""
    command = [
        str(Path(sys.executable).with_name("dbt")),
        "run",
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(PROJECT_ROOT),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    wrapper = (
        "import resource, subprocess, sys, json;"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024;"
        "print(json.dumps({'rc': done.returncode, 'peak': peak, 'out': done.stdout[-4000:]}))"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *command],
        capture_output=True,
        text=True,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env},
    )
    seconds = time.perf_counter() - started
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["rc"] != 0:
        raise SystemExit(f"dbt failed:\n{result['out']}")
    return seconds, result["peak"], result["out"]


def _model_seconds(output: str) -> float:
    for line in output.splitlines():
        if "OK created sql connected_components model" in line:
            return float(line.rsplit("in ", 1)[1].rstrip("s]").strip())
    raise SystemExit(f"no model timing in dbt's output:\n{output}")


def _rounds(output: str) -> tuple[int, dict[str, float]]:
    """The round count and the seconds of each phase, from the materialization's log line
    ("converged in 4 rounds (node ids 3.57 s, rounds 1.44 s, output 3.30 s)")."""
    for line in output.splitlines():
        if "converged in" in line:
            rounds = int(line.split("converged in ")[1].split()[0])
            phases = line.split("(", 1)[1].rstrip(")").split(", ")
            return rounds, {
                name.replace(" ", "_") + "_seconds": float(seconds)
                for name, seconds in (phase.rsplit(" ", 2)[:2] for phase in phases)
            }
    raise SystemExit("no round count in dbt's output")


def _same_partition(keys: pd.Series, scipy_labels: np.ndarray, found: pd.DataFrame) -> bool:
    frame = pd.DataFrame({"node_key": keys, "scipy": scipy_labels}).merge(found, on="node_key")
    if len(frame) != len(keys):
        return False
    return bool(
        (frame.groupby("scipy")["component_key"].nunique() == 1).all()
        and (frame.groupby("component_key")["scipy"].nunique() == 1).all()
    )


def _edge_frame(src: np.ndarray, dst: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"a": src, "b": dst})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory_limit for the run")
    parser.add_argument("--nodes", choices=["listed", "edge-ends"], default="listed")
    args = parser.parse_args(argv)
    listed = args.nodes == "listed"

    nodes, src, dst = build_graph(args.people)
    scipy_seconds, labels = scipy_components(nodes, src, dst)
    report: dict = {
        "people": args.people,
        "identifiers": nodes,
        "edges": len(src),
        "components": int(labels.max()) + 1,
        "largest_component": int(np.bincount(labels).max()),
        "scipy_csr_and_components_seconds": round(scipy_seconds, 2),
        "nodes": args.nodes,
    }
    print(json.dumps(report))
    with tempfile.TemporaryDirectory(prefix="fugou-graph-") as tmp:
        work = Path(tmp)
        project = write_components_project(work / "project", "nodes_listed=true" if listed else "")
        warehouse = work / "graph.duckdb"
        with duckdb.connect(str(warehouse)) as con:
            con.register("edge_ids", _edge_frame(src, dst))
            con.execute(f"create schema {EDGES_SCHEMA}")
            con.execute(
                f"create table {EDGES_SCHEMA}.edges as select"
                " 'phone_hmac:' || md5(cast(a as varchar)) as from_node_key,"
                " 'phone_hmac:' || md5(cast(b as varchar)) as to_node_key from edge_ids"
                + (" where a <> b" if listed else "")
            )
            if listed:
                con.execute(
                    f"insert into {EDGES_SCHEMA}.edges select"
                    " 'phone_hmac:' || md5(cast(i as varchar)), null from range(?) t(i)",
                    [nodes],
                )
            keys = (
                con.execute(
                    "select 'phone_hmac:' || md5(cast(i as varchar)) from range(?) t(i)", [nodes]
                )
                .df()
                .iloc[:, 0]
            )
        seconds, peak, output = _run_dbt(
            project,
            work / "duck",
            {
                "FUGOU_WAREHOUSE": str(warehouse),
                "FUGOU_DBT_TARGET": "duckdb",
                "FUGOU_DUCKDB_MEMORY_LIMIT": args.memory_limit,
            },
        )
        with duckdb.connect(str(warehouse), read_only=True) as con:
            found = con.execute("select node_key, component_key from main.components").df()
        model = _model_seconds(output)
        rounds, phases = _rounds(output)
        report["duckdb"] = {
            "memory_limit": args.memory_limit,
            "model_seconds": model,
            **phases,
            "dbt_process_seconds": round(seconds, 2),
            "peak_rss_mb": round(peak, 1),
            "rounds": rounds,
            "same_partition_as_scipy": _same_partition(keys, labels, found),
            "ratio_to_scipy": round(model / scipy_seconds, 1),
            "rounds_ratio_to_scipy": round(phases["rounds_seconds"] / scipy_seconds, 1),
        }
        print(json.dumps(report["duckdb"]))
        if args.postgres:
            report["postgres"] = _postgres(project, work, src, dst, keys, labels, model, listed)
            print(json.dumps(report["postgres"]))
    report["peak_rss_this_process_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"identity_graph_{args.people}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(out)
    return 0


def _postgres(project, work, src, dst, keys, labels, duckdb_model_seconds, listed) -> dict:
    import psycopg2

    server = psycopg2.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres")
    server.autocommit = True
    with server.cursor() as cur:
        cur.execute(f"drop database if exists {PG_DATABASE} with (force)")
        cur.execute(f"create database {PG_DATABASE}")
    server.close()
    dsn = f"host=127.0.0.1 port=5432 user=postgres dbname={PG_DATABASE}"
    key_of = keys.to_numpy()
    if listed:
        between = src != dst
        edges = pd.concat(
            [
                pd.DataFrame({"f": key_of[src[between]], "t": key_of[dst[between]]}),
                pd.DataFrame({"f": key_of, "t": None}),  # an empty field is NULL in COPY csv
            ]
        )
    else:
        edges = pd.DataFrame({"f": key_of[src], "t": key_of[dst]})
    with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
        cur.execute(f"create schema {EDGES_SCHEMA}")
        cur.execute(f"create table {EDGES_SCHEMA}.edges (from_node_key text, to_node_key text)")
        path = work / "edges.csv"
        edges.to_csv(path, index=False, header=False)
        with path.open() as handle:
            cur.copy_expert(f"copy {EDGES_SCHEMA}.edges from stdin with (format csv)", handle)
    seconds, _, output = _run_dbt(
        project,
        work / "pg",
        {"FUGOU_DBT_TARGET": "postgres", "FUGOU_PG_DATABASE": PG_DATABASE},
    )
    with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
        cur.execute("select node_key, component_key from fugou.components")
        found = pd.DataFrame(cur.fetchall(), columns=["node_key", "component_key"])
    model = _model_seconds(output)
    rounds, phases = _rounds(output)
    return {
        "model_seconds": model,
        **phases,
        "dbt_process_seconds": round(seconds, 2),
        "rounds": rounds,
        "same_partition_as_scipy": _same_partition(keys, labels, found),
        "ratio_to_duckdb": round(model / duckdb_model_seconds, 1),
        "note": "PostgreSQL's memory is the server's, not measured here",
    }


if __name__ == "__main__":
    raise SystemExit(main())
