"""How well identity resolution did, against a ground truth of whose each identifier is.

Pairwise, as entity-resolution work measures it: of all pairs of identifiers the warehouse puts in
one customer, the share that belong to one person (precision); of all pairs that belong to one
person, the share the warehouse put in one customer (recall). Identifiers are compared in the
form the warehouse holds them (phones and Alipay accounts pseudonymised with the same key).
An identifier the truth gives to two people (a shared Alipay account) has no right answer and is
left out; one the warehouse saw but gave no customer counts as a customer of its own.

Recall is given twice. Against the whole truth, it also counts pairs no resolver could find: a
WeCom contact whose employee noted no phone shares nothing with its person's orders. Against what
the data supports, the true pairs are those of one person that records connect (two identifiers
on one record, transitively, through that person's identifiers only): the resolver's own misses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ingestion.prepare import pseudonymise
from ingestion.sources.values import parse_account, parse_phone

# ground-truth type → (warehouse type, how the loader normalises the value before hashing)
TRUTH_TYPES = {
    "taobao_nick": ("taobao_nick", None),
    "phone": ("phone_hmac", parse_phone),
    "virtual_phone": ("virtual_phone_hmac", parse_phone),
    "alipay_account": ("alipay_hmac", parse_account),
    "buyer_open_uid": ("buyer_open_uid", None),
    "erp_customer_no": ("erp_customer_no", None),
    "member_id": ("member_id", None),
    "wecom_external_userid": ("wecom_external_userid", None),
    "wechat_unionid": ("wechat_unionid", None),
}


@dataclass(frozen=True)
class PairwiseQuality:
    identifiers: int  # identifiers both seen in the warehouse and known to the truth
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    people_split: int  # people whose identifiers landed in more than one customer
    customers_merged: int  # customers holding identifiers of more than one person
    supported_pairs: int  # true pairs the records connect
    supported_correct_pairs: int

    @property
    def supported_recall(self) -> float:
        return self.supported_correct_pairs / self.supported_pairs if self.supported_pairs else 1.0

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0


def truth_in_warehouse_form(truth: pd.DataFrame, pii_key: bytes) -> pd.DataFrame:
    """The truth's (identifier_type, identifier_value, person_id) as the warehouse spells them."""
    rows = []
    for kind, value, person in truth[
        ["identifier_type", "identifier_value", "person_id"]
    ].itertuples(index=False):
        if kind not in TRUTH_TYPES:
            continue
        warehouse_type, normalise = TRUTH_TYPES[kind]
        text = str(value)
        if normalise is not None:
            text = pseudonymise(pii_key, normalise(text))
        rows.append((warehouse_type, text, int(person)))
    return pd.DataFrame(rows, columns=["identifier_type", "identifier_value", "person_id"])


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def _keys(frame: pd.DataFrame):
    return zip(frame["identifier_type"], frame["identifier_value"], strict=True)


def _supported_groups(frame: pd.DataFrame, observations: pd.DataFrame) -> pd.Series:
    """Per identifier of `frame`, a label of the identifiers of its person that records connect
    to it (union-find over each record's identifiers of one person)."""
    key = ["identifier_type", "identifier_value"]
    nodes = frame.reset_index(drop=True)
    index = {k: i for i, k in enumerate(_keys(nodes))}
    parent = list(range(len(nodes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    on_records = observations[["record_key", *key]].drop_duplicates()
    on_records = on_records.merge(nodes[[*key, "person_id"]], on=key)
    on_records["node"] = [index[k] for k in _keys(on_records)]
    for _, group in on_records.groupby(["record_key", "person_id"])["node"]:
        members = group.to_list()
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[a] = b
    return pd.Series([find(i) for i in range(len(nodes))], index=frame.index)


def pairwise_quality(
    resolved: pd.DataFrame, observations: pd.DataFrame, truth: pd.DataFrame
) -> PairwiseQuality:
    """`resolved`: (identifier_type, identifier_value, customer_id) from the warehouse;
    `observations`: (record_key, identifier_type, identifier_value) of every identifier the
    warehouse saw on a record; `truth`: in warehouse form (truth_in_warehouse_form)."""
    key = ["identifier_type", "identifier_value"]
    owners = truth.drop_duplicates().groupby(key)["person_id"].agg(["nunique", "first"])
    unambiguous = owners[owners["nunique"] == 1]["first"].rename("person_id").reset_index()
    frame = observations[key].drop_duplicates().merge(unambiguous, on=key)
    frame = frame.merge(resolved[[*key, "customer_id"]], on=key, how="left")
    alone = frame["customer_id"].isna()
    frame.loc[alone, "customer_id"] = (
        "unresolved:"
        + frame.loc[alone, "identifier_type"]
        + ":"
        + (frame.loc[alone, "identifier_value"])
    )
    by_both = frame.groupby(["customer_id", "person_id"]).size()
    frame["supported_group"] = _supported_groups(frame, observations)
    return PairwiseQuality(
        identifiers=len(frame),
        true_pairs=_pairs(frame.groupby("person_id").size()),
        predicted_pairs=_pairs(frame.groupby("customer_id").size()),
        correct_pairs=_pairs(by_both),
        people_split=int((frame.groupby("person_id")["customer_id"].nunique() > 1).sum()),
        customers_merged=int((frame.groupby("customer_id")["person_id"].nunique() > 1).sum()),
        supported_pairs=_pairs(frame.groupby("supported_group").size()),
        supported_correct_pairs=_pairs(frame.groupby(["supported_group", "customer_id"]).size()),
    )


def measure_warehouse(
    con: duckdb.DuckDBPyConnection, truth_file: Path, pii_key: bytes
) -> PairwiseQuality:
    """Identity resolution as the warehouse holds it tonight, against a ground-truth file."""
    resolved = con.sql(
        "select identifier_type, identifier_value, customer_id"
        " from intermediate.int_identifiers_grouped_into_customers"
    ).df()
    observations = con.sql(
        "select record_key, identifier_type, identifier_value"
        " from intermediate.int_identifier_observations"
    ).df()
    truth = truth_in_warehouse_form(pd.read_csv(truth_file, dtype=str), pii_key)
    return pairwise_quality(resolved, observations, truth)
