"""A synthetic Taobao shop whose buyers follow a buy-till-you-die process.

Each person has a purchase rate λ ~ Gamma(r, α) and a dropout probability p ~ Beta(a, b) (the
BG/NBD story of Fader, Hardie & Lee 2005): after every purchase they leave for good with
probability p, otherwise the next purchase comes after an Exp(λ) wait. Spend per order is
lognormal around a personal level. This gives retention marts and later predictive models real,
known signal to find. Everything is drawn from one seeded generator, so a seed and a size give
the same shop byte for byte.

People carry several identifiers (nick, phones, Alipay account) with the hard cases identity
resolution must survive: a nick changed midway, a second phone, an Alipay account shared by two
family members, a phone a household shares, a renamed nick taken by a newer buyer, a placeholder
phone the seller typed for many buyers. `Shop.identities` is the ground truth of which person each
identifier belongs to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingestion.demo import reference as ref
from ingestion.demo.modern_exports import open_uid


@dataclass(frozen=True)
class ShopParams:
    customers: int = 6000
    seed: int = 20261031
    start: dt.date = dt.date(2019, 1, 1)
    end: dt.date = dt.date(2026, 10, 31)
    # BG/NBD population parameters, time unit = days
    r: float = 0.75
    alpha: float = 60.0
    a: float = 0.9
    b: float = 4.0
    spend_log_mean: float = 5.0  # median personal order value ~ 148 CNY
    spend_log_sd: float = 0.55
    split_basket_rate: float = 0.08  # a purchase occasion split into two orders on one day
    abandoned_rate: float = 0.04  # orders closed before payment
    refunded_rate: float = 0.03  # paid, then fully refunded: 交易关闭 after payment
    partial_refund_rate: float = 0.03
    nick_change_rate: float = 0.05
    second_phone_rate: float = 0.08
    shared_alipay_rate: float = 0.03
    # The hard cases identity resolution must survive (drawn from their own generator, so the
    # shop's other draws stay as they were):
    family_phone_rate: float = 0.02  # two people of a household give one phone, in the same years
    placeholder_phone_rate: float = 0.004  # of orders: the seller typed 13800000000
    nick_reuse_rate: float = 0.05  # of renamed nicks: a newer buyer of this shop takes the old one
    virtual_phone_rate: float = 0.3  # of orders after the 2021 privacy change
    douyin_rate: float = 0.08  # of orders from 2024 on, sold in the shop's 抖店 (livestreams)
    store_rate: float = 0.05  # of paid orders from STORE_OPENS on, sold in the shop's showroom
    # of recent leavers (last Taobao purchase 120-400 days before the end, 2+ purchases): given a
    # planted reason for leaving, the truth customer_churn_reasons is measured against
    churn_plant_rate: float = 0.3


@dataclass
class Shop:
    params: ShopParams
    people: pd.DataFrame
    products: pd.DataFrame
    orders: pd.DataFrame
    lines: pd.DataFrame
    identities: pd.DataFrame


def _day(d: dt.date) -> int:
    return (d - dt.date(1970, 1, 1)).days


def build_shop(params: ShopParams) -> Shop:
    rng = np.random.default_rng(params.seed)
    products = ref.product_catalogue(rng)
    people = _people(rng, params)
    occasions = _purchase_occasions(rng, params, people)
    orders = _orders(rng, params, people, occasions)
    lines = _lines(rng, params, people, orders, products)
    orders["channel"] = _channels(params, orders)
    orders = _as_store_sales(orders, people)
    _plant_churn_reasons(params, people, orders, lines, products)
    orders = _settle_amounts(rng, params, orders, lines)
    identities = _identities(people, orders)
    return Shop(params, people, products, orders, lines, identities)


def _people(rng: np.random.Generator, p: ShopParams) -> pd.DataFrame:
    n = p.customers
    start, end = _day(p.start), _day(p.end)
    # Acquisition grows over time, as a shop's does: density rising linearly across the window.
    first_day = start + np.floor(np.sqrt(rng.random(n)) * (end - start)).astype(np.int64)
    nick = ref.unique_nicks(rng, n, salt="a")
    phone = ref.unique_phones(rng, n, salt=0)
    people = pd.DataFrame(
        {
            "person_id": np.arange(1, n + 1),
            "first_day": first_day,
            "lam": rng.gamma(p.r, 1.0 / p.alpha, n),
            "dropout_p": rng.beta(p.a, p.b, n),
            "spend_level": np.exp(rng.normal(p.spend_log_mean, p.spend_log_sd, n)),
            "favourite_category": rng.integers(0, len(ref.CATEGORIES), n),
            "nick": nick,
            "nick2": ref.unique_nicks(rng, n, salt="b"),
            "nick_change_day": np.where(
                rng.random(n) < p.nick_change_rate,
                first_day + rng.integers(60, 900, n),
                np.iinfo(np.int64).max,
            ),
            "member_nickname": ref.display_nicknames(rng, n),
            "phone": phone,
            "phone2": np.where(
                rng.random(n) < p.second_phone_rate, ref.unique_phones(rng, n, salt=1), None
            ),
            "name": ref.person_names(rng, n),
            "address_idx": rng.integers(0, len(ref.ADDRESSES), n),
            "street": ref.streets(rng, n),
            "is_mobile_buyer": rng.random(n) < 0.8,
        }
    )
    alipay_is_email = rng.random(n) < 0.3
    alipay = np.where(alipay_is_email, people["nick"].str.lower() + "@163.com", people["phone"])
    # Family members pay from one Alipay account: person k borrows person k+1's account.
    sharers = np.flatnonzero(rng.random(n - 1) < p.shared_alipay_rate)
    alipay[sharers] = alipay[sharers + 1]
    people["alipay"] = alipay
    _reuse_renamed_nicks(p, people)
    return people


PLACEHOLDER_PHONE = "13800000000"


def _reuse_renamed_nicks(p: ShopParams, people: pd.DataFrame) -> None:
    """Taobao frees a nick its owner renamed away from; a buyer who arrives later may take it."""
    rng = np.random.default_rng(p.seed + 505)
    renamed = people.index[people["nick_change_day"] < np.iinfo(np.int64).max]
    freed = renamed[rng.random(len(renamed)) < p.nick_reuse_rate]
    taken: set[int] = set()
    unchanged = people["nick_change_day"].to_numpy() == np.iinfo(np.int64).max
    first_day = people["first_day"].to_numpy()
    for owner in freed:
        later = np.flatnonzero(unchanged & (first_day > people.at[owner, "nick_change_day"] + 60))
        later = [i for i in later if i not in taken]
        if later:
            newcomer = later[int(rng.integers(0, len(later)))]
            taken.add(newcomer)
            people.at[newcomer, "nick"] = people.at[owner, "nick"]


def _purchase_occasions(rng: np.random.Generator, p: ShopParams, people: pd.DataFrame):
    """Vectorised BG/NBD: all still-alive people draw their next purchase in lock step."""
    end = _day(p.end)
    person_idx = [np.arange(len(people))]
    day = [people["first_day"].to_numpy()]
    alive = np.arange(len(people))
    t = people["first_day"].to_numpy().astype(float)
    lam = people["lam"].to_numpy()
    drop = people["dropout_p"].to_numpy()
    while alive.size:
        stays = rng.random(alive.size) >= drop[alive]
        alive, t = alive[stays], t[stays]
        t = t + rng.exponential(1.0 / lam[alive])
        within = t <= end
        alive, t = alive[within], t[within]
        person_idx.append(alive)
        day.append(np.floor(t).astype(np.int64))
    frame = pd.DataFrame({"person_idx": np.concatenate(person_idx), "day": np.concatenate(day)})
    return frame.sort_values(["day", "person_idx"], kind="stable").reset_index(drop=True)


def _orders(rng, p: ShopParams, people: pd.DataFrame, occ: pd.DataFrame) -> pd.DataFrame:
    n_occ = len(occ)
    split = rng.random(n_occ) < p.split_basket_rate
    idx = np.concatenate([np.arange(n_occ), np.flatnonzero(split)])
    orders = occ.iloc[idx].reset_index(drop=True)
    orders["is_split_part"] = np.concatenate([np.zeros(n_occ, bool), np.ones(split.sum(), bool)])
    n = len(orders)
    hour = np.where(rng.random(n) < 0.15, rng.integers(0, 6, n), rng.integers(8, 24, n))
    seconds = hour * 3600 + rng.integers(0, 3600, n)
    created = pd.to_datetime(orders["day"].to_numpy(), unit="D") + pd.to_timedelta(
        seconds, unit="s"
    )
    orders["created_at"] = created
    u = rng.random(n)
    outcome = np.full(n, "completed", dtype=object)
    outcome[u < p.abandoned_rate] = "abandoned"
    refunded = (u >= p.abandoned_rate) & (u < p.abandoned_rate + p.refunded_rate)
    outcome[refunded] = "refunded"
    partial = (u >= p.abandoned_rate + p.refunded_rate) & (
        u < p.abandoned_rate + p.refunded_rate + p.partial_refund_rate
    )
    outcome[partial] = "partial_refund"
    orders["outcome"] = outcome
    pay_delay = np.where(rng.random(n) < 0.9, rng.integers(5, 600, n), rng.integers(600, 20000, n))
    orders["paid_at"] = created + pd.to_timedelta(pay_delay, unit="s")
    orders.loc[orders["outcome"] == "abandoned", "paid_at"] = pd.NaT
    ship_hours = rng.integers(6, 72, n)
    orders["shipped_at"] = orders["paid_at"] + pd.to_timedelta(ship_hours, unit="h")
    confirm_days = rng.integers(3, 12, n)
    orders["confirmed_at"] = orders["shipped_at"] + pd.to_timedelta(confirm_days, unit="D")
    orders["refunded_at"] = orders["paid_at"] + pd.to_timedelta(rng.integers(1, 15, n), unit="D")
    orders = orders.sort_values(["created_at", "person_idx"], kind="stable").reset_index(drop=True)
    base = 3_500_000_000_000_000 + _day(p.start) * 10_000_000
    gaps = rng.integers(1_000, 90_000, len(orders))
    orders["order_id"] = (base + np.cumsum(gaps)).astype(np.int64).astype(str)
    person = people.iloc[orders["person_idx"].to_numpy()].reset_index(drop=True)
    orders["person_id"] = person["person_id"].to_numpy()
    changed = orders["day"].to_numpy() >= person["nick_change_day"].to_numpy()
    orders["buyer_nick"] = np.where(changed, person["nick2"], person["nick"])
    orders["member_nickname"] = person["member_nickname"].to_numpy()
    use_second = person["phone2"].notna().to_numpy() & (rng.random(len(orders)) < 0.4)
    orders["phone"] = np.where(use_second, person["phone2"], person["phone"])
    privacy_era = orders["created_at"] >= pd.Timestamp("2021-09-01")
    virtual = privacy_era.to_numpy() & (rng.random(len(orders)) < p.virtual_phone_rate)
    extensions = rng.integers(1000, 9999, len(orders)).astype(str)
    orders["phone"] = np.where(
        virtual, ref.unique_phones(rng, len(orders), salt=7) + "-" + extensions, orders["phone"]
    )
    orders["is_virtual_phone"] = virtual
    _share_household_and_placeholder_phones(p, people, orders)
    orders["alipay"] = person["alipay"].to_numpy()
    orders["receiver_name"] = person["name"].to_numpy()
    orders["address_idx"] = person["address_idx"].to_numpy()
    orders["street"] = person["street"].to_numpy()
    orders["is_mobile_order"] = np.where(
        person["is_mobile_buyer"].to_numpy(),
        rng.random(len(orders)) < 0.9,
        rng.random(len(orders)) < 0.3,
    )
    orders["spend_level"] = person["spend_level"].to_numpy()
    orders["favourite_category"] = person["favourite_category"].to_numpy()
    return orders


def _share_household_and_placeholder_phones(p: ShopParams, people, orders: pd.DataFrame) -> None:
    """Person k of a household often gives person k+1's mobile; a few orders carry the placeholder
    a seller types when the buyer gives none."""
    rng = np.random.default_rng(p.seed + 606)
    households = np.flatnonzero(rng.random(len(people)) < p.family_phone_rate)
    households = households[households + 1 < len(people)]
    real = ~orders["is_virtual_phone"].to_numpy()
    borrows = np.isin(orders["person_idx"].to_numpy(), households) & real
    borrows &= rng.random(len(orders)) < 0.5
    lender = orders["person_idx"].to_numpy()[borrows] + 1
    orders.loc[borrows, "phone"] = people["phone"].to_numpy()[lender]
    placeholder = real & (rng.random(len(orders)) < p.placeholder_phone_rate)
    orders.loc[placeholder, "phone"] = PLACEHOLDER_PHONE


def _lines(rng, p, people, orders: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """1-3 lines an order: a product of the buyer's category near their spend level, and often a
    companion product that is usually bought with it."""
    n = len(orders)
    first_cat = np.where(
        rng.random(n) < 0.7,
        orders["favourite_category"].to_numpy(),
        rng.integers(0, len(ref.CATEGORIES), n),
    )
    target = orders["spend_level"].to_numpy() * np.exp(rng.normal(0, 0.35, n))
    primary = ref.pick_products(rng, products, first_cat, target)
    companion_of = products["companion_idx"].to_numpy()
    has_companion = (rng.random(n) < 0.35) & (companion_of[primary] >= 0)
    third = rng.random(n) < 0.12
    third_product = ref.pick_products(
        rng, products, rng.integers(0, len(ref.CATEGORIES), n), target * 0.5
    )
    order_idx = np.concatenate([np.arange(n), np.flatnonzero(has_companion), np.flatnonzero(third)])
    product_idx = np.concatenate(
        [primary, companion_of[primary][has_companion], third_product[third]]
    )
    lines = pd.DataFrame({"order_idx": order_idx, "product_idx": product_idx})
    lines = lines.drop_duplicates(["order_idx", "product_idx"]).sort_values(
        ["order_idx", "product_idx"], kind="stable"
    )
    lines["line_no"] = lines.groupby("order_idx").cumcount() + 1
    lines["quantity"] = np.where(rng.random(len(lines)) < 0.85, 1, rng.integers(2, 4, len(lines)))
    prod = products.iloc[lines["product_idx"].to_numpy()].reset_index(drop=True)
    lines = lines.reset_index(drop=True)
    lines["unit_price"] = prod["price"].to_numpy()
    lines["order_id"] = orders["order_id"].to_numpy()[lines["order_idx"].to_numpy()]
    lines["sub_order_id"] = np.where(
        lines.groupby("order_idx")["line_no"].transform("max").to_numpy() == 1,
        lines["order_id"],
        (lines["order_id"].astype(np.int64) + lines["line_no"] * 7).astype(str),
    )
    return lines


STORE_OPENS = pd.Timestamp("2025-03-01")


def _channels(p: ShopParams, orders: pd.DataFrame) -> np.ndarray:
    """From 2024 the shop also sells on 抖店, and from STORE_OPENS in its showroom (a 管家婆 POS).
    Each channel has its own generator, so Taobao's draws stay as they were."""
    rng = np.random.default_rng(p.seed + 303)
    whole = ~orders["is_split_part"].to_numpy()
    douyin = (
        (orders["created_at"] >= pd.Timestamp("2024-01-01")).to_numpy()
        & whole
        & (rng.random(len(orders)) < p.douyin_rate)
    )
    store_draw = np.random.default_rng(p.seed + 404).random(len(orders)) < p.store_rate
    store = (
        (orders["created_at"] >= STORE_OPENS).to_numpy()
        & whole
        & ~douyin
        & (orders["outcome"] != "abandoned").to_numpy()  # a till sale is paid or not made
        & store_draw
    )
    return np.where(douyin, "douyin", np.where(store, "store", "taobao"))


def _as_store_sales(orders: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """A showroom sale is taken home: no shipping and no virtual number; the till records the
    member's own mobile."""
    store = (orders["channel"] == "store").to_numpy()
    own_phone = people["phone"].to_numpy()[orders["person_idx"].to_numpy()]
    orders.loc[store, "phone"] = own_phone[store]
    orders.loc[store, "is_virtual_phone"] = False
    orders.loc[store, "shipped_at"] = pd.NaT
    orders.loc[store, "confirmed_at"] = orders.loc[store, "paid_at"]
    return orders


PLANTED_REASONS = ("price_sensitive", "service_dissatisfied", "need_changed")
# what a planted leaver writes in the survey, when they answer one (half of them do)
PLANTED_COMMENTS = {
    "service_dissatisfied": (1, "质量太差，申请退款还被拒绝，客服态度差"),
    "need_changed": (6, "搬家了，这些用不上了"),
}


def _plant_churn_reasons(p: ShopParams, people, orders: pd.DataFrame, lines, products) -> None:
    """Some recent leavers get a known reason for leaving, with the evidence a real shop would
    hold (its own generator, so the shop's other draws stay as they were):
    - price_sensitive: every order of theirs went at 30% off (满减 and coupons);
    - service_dissatisfied: their last order's refund request (商品质量问题) was rejected, and
      half of them say so in a survey with a score of 1;
    - need_changed: their last order was all in a category they had never bought, and half
      of them answer a survey that they no longer need the shop's goods.
    `people.planted_churn_reason` is the truth; `people.planted_survey` marks who answers."""
    rng = np.random.default_rng(p.seed + 909)
    orders["planted_discount_rate"] = 0.0
    orders["refund_rejected"] = False
    people["planted_churn_reason"] = None
    people["planted_survey"] = False
    bought = orders[orders["outcome"].ne("abandoned") & orders["paid_at"].notna()]
    last_idx = bought.groupby("person_idx")["created_at"].idxmax()
    last = bought.loc[last_idx.to_numpy()]
    counts = bought.groupby("person_idx").size().reindex(last["person_idx"]).to_numpy()
    gone = (pd.Timestamp(p.end) - last["created_at"]).dt.days.to_numpy()
    eligible = (
        (gone >= 120) & (gone <= 400) & (counts >= 2) & (last["channel"] == "taobao").to_numpy()
    )
    picked = eligible & (rng.random(len(last)) < p.churn_plant_rate)
    chosen = last[picked]
    reasons = rng.choice(PLANTED_REASONS, len(chosen))
    answers = rng.random(len(chosen)) < 0.5
    # a change of need shows over two purchases: it takes three to have a before
    keep = (reasons != "need_changed") | (counts[picked] >= 3)
    chosen, reasons, answers = chosen[keep], reasons[keep], answers[keep]
    who = chosen["person_idx"].to_numpy()
    people.loc[who, "planted_churn_reason"] = reasons
    people.loc[who, "planted_survey"] = answers & np.isin(reasons, list(PLANTED_COMMENTS))
    price = who[reasons == "price_sensitive"]
    orders.loc[orders["person_idx"].isin(price), "planted_discount_rate"] = 0.3
    service = chosen.index[reasons == "service_dissatisfied"]
    orders.loc[service, "refund_rejected"] = True
    orders.loc[service, "outcome"] = "completed"  # no money went back
    need = who[reasons == "need_changed"]
    last_two = (
        bought[bought["person_idx"].isin(need)]
        .sort_values("created_at")
        .groupby("person_idx")
        .tail(2)
    )
    _move_to_new_categories(rng, orders, lines, products, last_two.groupby("person_idx").groups)


def _move_to_new_categories(rng, orders, lines, products, recent_orders_of) -> None:
    """Each person's recent orders' lines become products of one category they never bought
    before (`recent_orders_of`: person → the order indexes)."""
    category = products["category_idx"].to_numpy()
    recent = {o: person for person, idx in recent_orders_of.items() for o in idx}
    line_person = orders["person_idx"].to_numpy()[lines["order_idx"].to_numpy()]
    theirs = lines[np.isin(line_person, list(recent_orders_of))]
    person = line_person[theirs.index.to_numpy()]
    is_recent = theirs["order_idx"].isin(list(recent)).to_numpy()
    earlier = (
        pd.Series(category[theirs["product_idx"].to_numpy()[~is_recent]])
        .groupby(person[~is_recent])
        .agg(set)
    )
    for who, order_lines in theirs[is_recent].groupby(person[is_recent]):
        before = earlier.get(who, set())
        fresh = [c for c in rng.permutation(len(ref.CATEGORIES)) if c not in before]
        if not fresh:
            continue
        in_category = np.flatnonzero(category == fresh[0])
        for _, in_order in order_lines.groupby("order_idx"):
            picked = rng.choice(in_category, size=len(in_order), replace=False)
            lines.loc[in_order.index, "product_idx"] = picked
            lines.loc[in_order.index, "unit_price"] = products["price"].to_numpy()[picked]


def _settle_amounts(rng, p, orders: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Money in whole fen: goods, postage, promotion discount, refunds; all as Decimal-safe cents."""
    lines["line_goods_cents"] = (
        np.round(lines["unit_price"].to_numpy() * 100).astype(np.int64)
        * lines["quantity"].to_numpy()
    )
    goods = (
        lines.groupby("order_idx")["line_goods_cents"]
        .sum()
        .reindex(range(len(orders)), fill_value=0)
        .to_numpy()
    )
    postage = np.where((goods >= 9900) | (orders["channel"] == "store").to_numpy(), 0, 800)
    promo = ref.in_promotion(orders["created_at"])
    rate = np.maximum(np.where(promo, 0.1, 0.0), orders["planted_discount_rate"].to_numpy())
    discount = np.round(goods * rate).astype(np.int64)
    paid = goods + postage - discount
    orders["goods_cents"] = goods
    orders["postage_cents"] = postage
    orders["discount_cents"] = discount
    orders["paid_cents"] = paid
    refund = np.zeros(len(orders), dtype=np.int64)
    refund[orders["outcome"].to_numpy() == "refunded"] = paid[
        orders["outcome"].to_numpy() == "refunded"
    ]
    partial = orders["outcome"].to_numpy() == "partial_refund"
    refund[partial] = np.round(paid[partial] * rng.uniform(0.2, 0.6, partial.sum())).astype(
        np.int64
    )
    orders["refund_cents"] = refund
    # Line paid amounts share the order's discount pro rata; the last line takes the rounding.
    share = lines["line_goods_cents"].to_numpy() / np.maximum(goods[lines["order_idx"]], 1)
    line_discount = np.floor(share * discount[lines["order_idx"]]).astype(np.int64)
    lines["line_paid_cents"] = lines["line_goods_cents"] - line_discount
    last = lines["line_no"].to_numpy() == lines.groupby("order_idx")["line_no"].transform("max")
    paid_by_lines = lines.groupby("order_idx")["line_paid_cents"].transform("sum").to_numpy()
    lines.loc[last, "line_paid_cents"] += (goods - discount)[lines["order_idx"]][
        last
    ] - paid_by_lines[last]
    return orders


def _identities(people: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    """Ground truth: every identifier that appears in the exports, and whose it is."""
    frames = [
        orders[["buyer_nick", "person_id"]]
        .rename(columns={"buyer_nick": "identifier_value"})
        .assign(identifier_type="taobao_nick"),
        orders.loc[~orders["is_virtual_phone"], ["phone", "person_id"]]
        .rename(columns={"phone": "identifier_value"})
        .assign(identifier_type="phone"),
        orders.loc[orders["is_virtual_phone"], ["phone", "person_id"]]
        .rename(columns={"phone": "identifier_value"})
        .assign(identifier_type="virtual_phone"),
        orders[["alipay", "person_id"]]
        .rename(columns={"alipay": "identifier_value"})
        .assign(identifier_type="alipay_account"),
    ]
    people_with_orders = pd.Series(orders["person_id"].unique())
    frames.append(
        pd.DataFrame(
            {
                "identifier_value": open_uid(people_with_orders),
                "person_id": people_with_orders,
                "identifier_type": "buyer_open_uid",
            }
        )
    )
    frames.append(
        pd.DataFrame(
            {
                "identifier_value": "KH" + people_with_orders.astype(str).str.zfill(7),
                "person_id": people_with_orders,
                "identifier_type": "erp_customer_no",
            }
        )
    )
    truth = pd.concat(frames, ignore_index=True).drop_duplicates()
    return (
        truth[["identifier_type", "identifier_value", "person_id"]]
        .sort_values(["identifier_type", "identifier_value", "person_id"], kind="stable")
        .reset_index(drop=True)
    )
