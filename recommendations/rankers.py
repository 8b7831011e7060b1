"""The candidate rankings: each lists, for some customers, the top-k products they have not bought.

A method scores products for a customer (or not at all, for the two popularity baselines); its
scored products come first, in the order of their score blended with popularity, and the rest of
the list is filled as the cold-start rule says: the most popular products of the category the
customer bought most, then the shop's most popular products. Every list therefore has k
products where the catalogue has them, and says which were personalised and which were filled.

- popularity: the shop's most bought products of the last popularity_days (the baseline);
- category_popularity: the same, within the customer's main category first (cold start);
- pairs: the rule fugou shipped first (product_pairs): products most surely bought with or after
  what the customer bought, confidence summed over both relations, popularity fill;
- item_knn: item-item nearest neighbours with BM25 weighting (implicit) on time-decayed
  purchases, blended with popularity;
- als: implicit-feedback matrix factorisation (implicit's ALS) on time-decayed purchases,
  blended with popularity.
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse
from threadpoolctl import threadpool_limits

from ingestion.machine import duckdb_memory_limit
from recommendations.history import History, day_number

METHODS = ("popularity", "category_popularity", "pairs", "item_knn", "als")
BASELINE = "popularity"
_TIE = 1e-9  # popularity's share in a pairs score: equal confidences rank the popular first


@dataclass(frozen=True)
class RankerSettings:
    top_k: int = 10
    candidates_per_customer: int = 50  # scored products a method hands over before the fill
    popularity_blend: float = 0.3  # weight of popularity in item_knn's and als's scores
    knn_neighbours: int = 50
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    als_factors: int = 32
    als_iterations: int = 15
    als_regularization: float = 0.1
    als_alpha: float = 2.0
    pair_window_days: int = 90  # as product_pairs: B bought 1..N days after A
    pair_min_count: int = 3
    pair_neighbours: int = 20
    threads: int = 0  # 0: every core
    random_seed: int = 20261207
    chunk_customers: int = 20_000


@dataclass(frozen=True)
class Ranking:
    """Row i lists customer rows[i]'s products; -1 pads a list the catalogue cannot fill."""

    rows: np.ndarray
    products: np.ndarray  # (n, k) product code
    scores: np.ndarray  # (n, k) the blended score of a personalised product, else its fill score
    personalised: np.ndarray  # (n, k) bool


def rank(history: History, rows: np.ndarray, method: str, settings: RankerSettings) -> Ranking:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    rows = np.asarray(rows, dtype=np.int64)
    k = settings.top_k
    products = np.full((len(rows), k), -1, dtype=np.int64)
    scores = np.zeros((len(rows), k))
    personalised = np.zeros((len(rows), k), dtype=bool)
    if len(rows) and history.sold_count:
        score = _scorer(history, method, settings)
        by_category = method not in ("popularity", "pairs")
        # chunk by chunk, so that a million customers' candidates never sit in memory at once
        for start in range(0, len(rows), settings.chunk_customers):
            part = slice(start, start + settings.chunk_customers)
            if score is not None:
                own_products, own_scores = _blended(history, *score(rows[part]), method, settings)
                width = own_products.shape[1]
                products[part, :width] = own_products
                scores[part, :width] = own_scores
                personalised[part, :width] = own_products >= 0
            _fill(history, rows[part], products[part], scores[part], by_category, settings)
    return Ranking(rows, products, scores, personalised)


def _scorer(history, method, settings):
    """The fitted method as a function of customer rows → (ids, raw scores) padded arrays, or
    None for the popularity baselines."""
    if method in ("popularity", "category_popularity"):
        return None
    n = min(settings.candidates_per_customer, history.product_count)
    if method == "pairs":
        neighbours = pair_neighbours(history, settings)
        return lambda chunk: _top_of_products(history.owned, neighbours, history.owned, chunk, n)
    from implicit.utils import ParameterWarning  # implicit loads only where a model is fitted

    with threadpool_limits(1, "blas"), warnings.catch_warnings():
        # implicit converts its own BM25-weighted matrix to CSR and says so on every fit
        warnings.simplefilter("ignore", ParameterWarning)
        model = _model(method, settings)
        model.fit(history.decayed, show_progress=False)
    if method == "item_knn":
        # implicit ranks item-kNN one customer at a time in Python; the product of the
        # customers' purchases and the neighbour matrix, a chunk at a time, is one scipy call
        similarity = model.similarity
        return lambda chunk: _top_of_products(history.decayed, similarity, history.owned, chunk, n)

    def recommend(chunk):
        with threadpool_limits(1, "blas"):
            ids, scores = model.recommend(
                chunk, history.decayed[chunk], N=n, filter_already_liked_items=True
            )
        ids = ids.astype(np.int64)
        ids[~(np.isfinite(scores) & (scores > 0))] = -1
        return ids, scores.astype(np.float64)

    return recommend


def _blended(history, ids, raw, method, settings) -> tuple[np.ndarray, np.ndarray]:
    """(n, ≤ k) products and scores, best first, -1 where the method has no more to say: the
    method's scores scaled to the customer's best, blended with popularity (item_knn, als) or
    with popularity only breaking ties (pairs)."""
    blend = 0.0 if method == "pairs" else settings.popularity_blend
    valid = ids >= 0
    row_max = np.where(valid, raw, -np.inf).max(axis=1, initial=-np.inf)
    safe = np.where(np.isfinite(row_max) & (row_max > 0), row_max, 1.0)
    popularity = history.popularity[np.where(valid, ids, 0)]
    if blend:
        value = (1 - blend) * raw / safe[:, None] + blend * popularity
    else:
        value = raw / safe[:, None] + _TIE * popularity
    value = np.where(valid, value, -np.inf)
    # best first; equal scores in product-code order
    order = np.lexsort((np.where(valid, ids, np.iinfo(np.int64).max), -value), axis=1)
    ids = np.take_along_axis(ids, order, axis=1)[:, : settings.top_k]
    value = np.take_along_axis(value, order, axis=1)[:, : settings.top_k]
    ids[~np.isfinite(value)] = -1
    return ids, np.where(np.isfinite(value), value, 0.0)


def _top_of_products(weights, neighbours, owned, rows, n):
    """The n best products of weights[rows] @ neighbours the customer does not own, as (rows, n)
    padded arrays, scores descending, ties by product code."""
    ids = np.full((len(rows), n), -1, dtype=np.int64)
    scores = np.zeros((len(rows), n))
    found = (weights[rows] @ neighbours).tocsr()
    found = found - found.multiply(owned[rows] > 0)
    found.eliminate_zeros()
    found.sort_indices()
    lengths = np.diff(found.indptr)
    row = np.repeat(np.arange(len(rows)), lengths)
    # one float key, row first, then the score as a share of the row's best, descending: a
    # stable sort of it keeps equal scores in product-code order (indices are sorted)
    row_best = np.zeros(len(rows))
    if found.nnz:
        row_best[lengths > 0] = np.maximum.reduceat(found.data, found.indptr[:-1][lengths > 0])
    key = row + 0.5 * (1.0 - found.data / np.where(row_best[row] > 0, row_best[row], 1.0))
    order = np.argsort(key, kind="stable")
    position = np.arange(found.nnz) - np.repeat(found.indptr[:-1], lengths)
    keep = position < n
    ids[row[keep], position[keep]] = found.indices[order][keep]
    scores[row[keep], position[keep]] = found.data[order][keep]
    return ids, scores


def _model(method: str, settings: RankerSettings):
    if method == "item_knn":
        from implicit.nearest_neighbours import BM25Recommender

        return BM25Recommender(
            K=settings.knn_neighbours,
            K1=settings.bm25_k1,
            B=settings.bm25_b,
            num_threads=settings.threads,
        )
    from implicit.cpu.als import AlternatingLeastSquares

    return AlternatingLeastSquares(
        factors=settings.als_factors,
        regularization=settings.als_regularization,
        alpha=settings.als_alpha,
        iterations=settings.als_iterations,
        random_state=settings.random_seed,
        num_threads=settings.threads,
        calculate_training_loss=False,
    )


def pair_neighbours(history: History, settings: RankerSettings) -> sparse.csr_matrix:
    key = (
        "pair_neighbours",
        settings.pair_window_days,
        settings.pair_min_count,
        settings.pair_neighbours,
    )
    if key not in history.cache:
        history.cache[key] = _pair_neighbours(history, settings)
    return history.cache[key]


def _pair_neighbours(history: History, settings: RankerSettings) -> sparse.csr_matrix:
    """Product × product: the pair_neighbours products each product most surely leads to.

    The confidence of A → B summed over the two relations of product_pairs: bought in one order
    (share of A's orders), and B bought 1..pair_window_days after A by one customer (share of
    A's customers); pairs seen fewer than pair_min_count times are left out as noise."""
    p, seen = history.purchases, history.seen
    anonymous = p.anonymous_day <= day_number(history.cutoff)
    lines = pd.DataFrame(
        {
            "c": np.concatenate([p.customer[seen], np.full(int(anonymous.sum()), -1)]),
            "o": np.concatenate([p.order[seen], p.anonymous_order[anonymous]]),
            "p": np.concatenate([p.product[seen], p.anonymous_product[anonymous]]),
            "d": np.concatenate([p.day[seen], p.anonymous_day[anonymous]]),
        }
    )
    with tempfile.TemporaryDirectory(prefix="fugou-pairs-") as spill:
        con = duckdb.connect(
            config={
                # the customers' own A-then-B join grows with their purchase days squared:
                # held to the warehouse's cap, it spills instead of taking the machine
                "memory_limit": duckdb_memory_limit(),
                "temp_directory": spill,
            }
        )
        try:
            pairs = _pairs_query(con, lines, settings)
        finally:
            con.close()
    return sparse.csr_matrix(
        (
            pairs["score"].to_numpy(dtype=np.float64),
            (pairs["a_code"].to_numpy(dtype=np.int64), pairs["b_code"].to_numpy(dtype=np.int64)),
        ),
        shape=(history.product_count, history.product_count),
    )


def _pairs_query(con, lines: pd.DataFrame, settings: RankerSettings) -> pd.DataFrame:
    con.register("lines", lines)
    return con.execute(
        """
        with
        order_products as (select distinct o, p from lines),
        product_orders as (select p, count(*) as n from order_products group by p),
        same_order as (
            select a.p as a_code, b.p as b_code, count(*) as n
            from order_products as a join order_products as b on a.o = b.o
            where a.p <> b.p
            group by 1, 2
        ),
        days as (select distinct c, p, d from lines where c >= 0),
        product_customers as (select p, count(distinct c) as n from days group by p),
        sequence as (
            select a.p as a_code, b.p as b_code, count(distinct a.c) as n
            from days as a join days as b on a.c = b.c
            where a.p <> b.p and b.d > a.d and b.d - a.d <= ?
            group by 1, 2
        ),
        confidences as (
            select s.a_code, s.b_code, 1.0 * s.n / t.n as confidence
            from same_order as s join product_orders as t on s.a_code = t.p
            where s.n >= ?
            union all
            select s.a_code, s.b_code, 1.0 * s.n / t.n
            from sequence as s join product_customers as t on s.a_code = t.p
            where s.n >= ?
        ),
        summed as (
            select a_code, b_code, sum(confidence) as score,
                row_number() over (
                    partition by a_code order by sum(confidence) desc, b_code
                ) as neighbour_rank
            from confidences group by a_code, b_code
        )
        select a_code, b_code, score from summed where neighbour_rank <= ?
        """,
        [
            settings.pair_window_days,
            settings.pair_min_count,
            settings.pair_min_count,
            settings.pair_neighbours,
        ],
    ).df()


def _fill(history, rows, products, scores, by_category, settings) -> None:
    """Complete each list in place: the main category's most popular products the customer
    lacks (with by_category), then the shop's. Looks at the top `depth` products of each and
    doubles the depth for the few customers who own them all."""
    k = settings.top_k
    popularity = np.where(history.sold, history.popularity, -np.inf)
    ranked = np.lexsort((np.arange(history.product_count), -popularity))[: history.sold_count]
    missing = np.flatnonzero((products < 0).any(axis=1))
    depth = 2 * k
    while len(missing):
        depth = min(depth, len(ranked))
        groups = (
            pd.Series(np.arange(len(missing))).groupby(history.main_category[rows[missing]])
            if by_category
            else [(None, pd.Series(np.arange(len(missing))))]
        )
        for category, members in groups:
            target = missing[members.to_numpy()]
            if category is None:
                columns, column_scores = ranked[:depth], popularity[ranked[:depth]]
            else:
                inside = ranked[history.purchases.product_category[ranked] == category][:depth]
                outside = ranked[:depth][~np.isin(ranked[:depth], inside)]
                columns = np.concatenate([inside, outside])
                column_scores = np.concatenate(
                    [0.5 + 0.5 * popularity[inside], 0.5 * popularity[outside]]
                )
            for start in range(0, len(target), settings.chunk_customers):
                _fill_block(
                    history,
                    rows,
                    products,
                    scores,
                    target[start : start + settings.chunk_customers],
                    columns,
                    column_scores,
                    k,
                )
        if depth >= len(ranked):
            break
        missing = missing[(products[missing] < 0).any(axis=1)]
        depth *= 2


def _fill_block(history, rows, products, scores, target, columns, column_scores, k) -> None:
    m = len(target)
    taken = history.owned[rows[target]][:, columns].toarray() > 0
    listed = products[target]
    taken |= (listed[:, :, None] == columns[None, None, :]).any(axis=1)
    free = np.where(taken, -np.inf, np.broadcast_to(column_scores, (m, len(columns))))
    # stable: equal fill scores keep the popularity order of `columns`
    order = np.argsort(-free, axis=1, kind="stable")
    candidates = np.take_along_axis(np.broadcast_to(columns, (m, len(columns))), order, axis=1)
    candidate_scores = np.take_along_axis(free, order, axis=1)
    slots = listed < 0
    first_free = k - slots.sum(axis=1)
    for j in range(min(k, len(columns))):
        # the j-th fill product goes to slot first_free + j, where the list still has room
        place = first_free + j
        ok = (place < k) & np.isfinite(candidate_scores[:, j])
        r = np.flatnonzero(ok)
        products[target[r], place[r]] = candidates[r, j]
        scores[target[r], place[r]] = candidate_scores[r, j]
