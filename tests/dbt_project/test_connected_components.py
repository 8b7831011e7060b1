"""The connected_components materialization (dbt_project/macros/identity) on graphs chosen to be
hard for it, on DuckDB and on PostgreSQL, against a plain union-find."""

import math
import random

import duckdb
import psycopg2
import pytest

from bench.components_project import write_components_project
from tests.conftest import pg_dsn, postgres_answers, run_dbt, unique_database_name

SERVER_DSN = pg_dsn()
DATABASE = unique_database_name("fugou_cc")


def _graphs() -> dict[str, list[tuple[str, str]]]:
    rng = random.Random(20261124)
    chain = [f"c{n:05d}" for n in range(3000)]
    rng.shuffle(chain)  # the least key sits mid-chain, as it would in real ids
    star = [("s-hub", f"s{n:04d}") for n in range(500)]
    cycle = [(f"y{n:03d}", f"y{(n + 1) % 100:03d}") for n in range(100)]
    cliques = [
        (f"q{a}{i}", f"q{a}{j}") for a in "ab" for i in range(10) for j in range(10) if i < j
    ]
    alone = [(f"z{n}", f"z{n}") for n in range(20)]
    sparse = [(f"r{rng.randrange(2000):04d}", f"r{rng.randrange(2000):04d}") for _ in range(2500)]
    return {
        "chain": list(zip(chain, chain[1:], strict=False)),
        "star": star,
        "cycle": cycle,
        "two_cliques": cliques,
        "self_loops_only": alone,
        "duplicates": [("d1", "d2"), ("d2", "d1"), ("d1", "d2"), ("d2", "d2")],
        "sparse_random": sparse,
    }


def _union_find(edges: list[tuple[str, str]]) -> dict[str, str]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {node: find(node) for node in parent}


def _edge_rows(graphs) -> list[tuple[str, str]]:
    return [(a, b) for edges in graphs.values() for a, b in edges]


def _check(rows: list[tuple[str, str, int]], graphs) -> int:
    """The components are union-find's, each named by its least key (on every engine, whatever
    hash steered the rounds)."""
    members: dict[str, list[str]] = {}
    for node, root in _union_find(_edge_rows(graphs)).items():
        members.setdefault(root, []).append(node)
    expected = {node: min(nodes) for nodes in members.values() for node in nodes}
    found = {node: component for node, component, _ in rows}
    assert found == expected
    (rounds,) = {r for _, _, r in rows}
    return rounds


def _run_on_duckdb(tmp_path, graphs, model_config="", rows=None):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema edges_in")
        con.execute("create table edges_in.edges (from_node_key varchar, to_node_key varchar)")
        con.executemany("insert into edges_in.edges values (?, ?)", rows or _edge_rows(graphs))
    out = run_dbt(
        ["run"],
        warehouse,
        "2026-10-31",
        tmp_path,
        project_dir=write_components_project(tmp_path / "p", model_config),
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select node_key, component_key, rounds from main.components").fetchall()
        leftovers = con.execute(
            "select count(*) from information_schema.tables where table_name like '%__cc_%'"
        ).fetchone()[0]
    assert leftovers == 0  # the work tables are dropped
    return rows, out


@pytest.mark.slow
def test_components_match_union_find_on_duckdb(tmp_path):
    graphs = _graphs()
    rows, out = _run_on_duckdb(tmp_path, graphs)
    rounds = _check(rows, graphs)
    # pointer jumping: a 3,000-node chain takes about log2 of its length, not its length
    assert rounds <= 2 * math.ceil(math.log2(3000)) + 4
    assert f"converged in {rounds} rounds" in out
    assert "numbering the nodes in key order" not in out


@pytest.mark.slow
def test_listed_nodes_give_the_same_components(tmp_path):
    """With nodes_listed, the model lists every node once (to_node_key null) and no edge to
    itself: the identity graph's shape since the nodes come from int_identifiers_assessed."""
    graphs = _graphs()
    edges = _edge_rows(graphs)
    nodes = sorted({key for edge in edges for key in edge})
    listed = [(a, b) for a, b in edges if a != b] + [(node, None) for node in nodes]
    rows, out = _run_on_duckdb(tmp_path, graphs, "nodes_listed=true", rows=listed)
    _check(rows, graphs)
    assert len(rows) == len(nodes)


@pytest.mark.slow
def test_node_ids_shared_by_two_keys_fall_back_to_key_order(tmp_path):
    """With four bits of hash as the id, thousands of keys share 16 ids: the run must notice,
    number the nodes in key order and still find union-find's components."""
    graphs = _graphs()
    rows, out = _run_on_duckdb(tmp_path, graphs, "node_id_bits=4")
    assert "numbering the nodes in key order" in out
    _check(rows, graphs)


@pytest.mark.postgres
@pytest.mark.slow
def test_components_match_union_find_on_postgres(tmp_path):
    assert postgres_answers(), "the tests' PostgreSQL does not answer"
    graphs = _graphs()
    server = psycopg2.connect(SERVER_DSN)
    server.autocommit = True
    with server.cursor() as cur:
        cur.execute(f"drop database if exists {DATABASE} with (force)")
        cur.execute(f"create database {DATABASE}")
    server.close()
    dsn = pg_dsn(DATABASE)
    with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
        cur.execute("create schema edges_in")
        cur.execute("create table edges_in.edges (from_node_key text, to_node_key text)")
        cur.executemany("insert into edges_in.edges values (%s, %s)", _edge_rows(graphs))
    run_dbt(
        ["run"],
        None,
        "2026-10-31",
        tmp_path,
        target="postgres",
        extra_env={"FUGOU_PG_DATABASE": DATABASE},
        project_dir=write_components_project(tmp_path / "p"),
    )
    with psycopg2.connect(dsn) as pg, pg.cursor() as cur:
        cur.execute("select node_key, component_key, rounds from fugou.components")
        rows = cur.fetchall()
        cur.execute("select count(*) from pg_class where relname like '%%\\_\\_cc\\_%%'")
        (leftovers,) = cur.fetchone()
    assert leftovers == 0  # the unlogged work tables are dropped
    _check(rows, graphs)
