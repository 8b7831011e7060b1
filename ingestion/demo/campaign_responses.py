"""The demo shop answers Fugou's outbox with a known uplift.

A real shop never knows what a campaign truly did; the demo chooses it, so the measurement
marts can be checked against it. Each action in a night's outbox folder reaches a person of the
shop (by the number on an SMS row, else by the nick), who responds with probability `uplift`
when the action's audience is one that responds: one extra order within `window_days` of the
send, paid with the action's coupon when it offers one. Holdout members never reach the outbox,
so they never respond: their purchases are the organic ones the shop already drew for everyone
alike. That makes the true lift in purchases per member sent exactly `uplift`, and the true lift
in conversion `uplift` × (1 − the organic conversion).

The orders arrive as the next night's TOP increment (trades.sold.increment.get), the feed a shop
with the API turned on gets nightly, with the coupon in discount_fee. Who responded goes to the
ground-truth folder, never to the landing folder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.demo.modern_exports import write_top_trades
from ingestion.demo.shop import Shop

ORDER_ID_BASE = 4_100_000_000_000_000  # above every order the shop drew


@dataclass(frozen=True)
class ResponseParams:
    uplift: float = 0.1  # the share of reached people who buy because of the action
    window_days: int = 6  # they buy within this many days of the send (before the next weekly pull)
    audiences: tuple[str, ...] | None = None  # None: every audience responds
    seed: int = 7


def read_outbox(night: Path) -> pd.DataFrame:
    """One row per action in a night's outbox folder: send_key, audience_name, offer text, and the
    mobile and nick it can be traced by (an action on several channels appears once)."""
    frames = []
    for path in sorted(night.rglob("*.csv")):
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig").fillna("")
        frames.append(
            pd.DataFrame(
                {
                    "send_key": frame["send_key"],
                    "audience_name": frame["send_key"].str.split(":").str[0],
                    "offer": frame.get("优惠", pd.Series("", index=frame.index)),
                    "mobile": frame.get("手机号码", pd.Series("", index=frame.index)),
                    "nick": frame.get(
                        "旺旺昵称", frame.get("淘宝会员名", pd.Series("", index=frame.index))
                    ),
                    "send_at": frame.get("发送时间", pd.Series("", index=frame.index)),
                    "product": frame.get("商品", pd.Series("", index=frame.index)),
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            columns=["send_key", "audience_name", "offer", "mobile", "nick", "send_at", "product"]
        )
    actions = pd.concat(frames, ignore_index=True)
    # the SMS row carries the number: keep it first, then fill the nick from the other rows
    actions = actions.sort_values(["send_key", "mobile"], ascending=[True, False], kind="stable")
    merged = actions.groupby("send_key", sort=True).agg(
        audience_name=("audience_name", "first"),
        offer=("offer", "first"),
        mobile=("mobile", "first"),
        nick=("nick", lambda s: next((v for v in s if v), "")),
        send_at=("send_at", lambda s: next((v for v in s if v), "")),
        product=("product", lambda s: next((v for v in s if v), "")),
    )
    return merged.reset_index()


def offer_cents(offer: str, goods_cents: int) -> int:
    """What the offer takes off an order of goods_cents (the outbox's 优惠 text: 85折, 30元,
    10元无门槛, 礼品 or nothing)."""
    if match := re.fullmatch(r"(\d+(?:\.\d+)?)折", offer):
        digits = match.group(1)
        share = float(digits) / (10 if len(digits.split(".")[0]) == 1 else 100)
        return int(round(goods_cents * (1 - share)))
    if match := re.match(r"(\d+(?:\.\d+)?)元", offer):
        return min(int(round(float(match.group(1)) * 100)), max(goods_cents - 100, 0))
    return 0


def _coupon_yuan(offer: str) -> float:
    """The yuan an amount offer (30元, 10元无门槛) takes off; 0 for a discount or no coupon."""
    match = re.match(r"(\d+(?:\.\d+)?)元", offer)
    return float(match.group(1)) if match else 0.0


def _people_index(shop: Shop) -> tuple[dict[str, int], dict[str, int]]:
    people = shop.people
    by_mobile: dict[str, int] = {}
    for column in ("phone", "phone2"):
        for idx, value in zip(people.index, people[column], strict=True):
            if isinstance(value, str) and value:
                by_mobile.setdefault(value, idx)
    by_nick: dict[str, int] = {}
    for column in ("nick2", "nick"):  # a renamed nick is the one the shop sees now
        for idx, value in zip(people.index, people[column], strict=True):
            by_nick.setdefault(value, idx)
    return by_mobile, by_nick


def respond(
    shop: Shop, actions: pd.DataFrame, night: str, params: ResponseParams
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(truth, orders, lines): one truth row per action (who it reached, whether they responded),
    and the responders' orders in the shop's own order and line shape."""
    by_mobile, by_nick = _people_index(shop)
    ordinal = (pd.Timestamp(night) - pd.Timestamp("2020-01-01")).days
    rng = np.random.default_rng([params.seed, ordinal])
    person = [
        by_mobile.get(m, by_nick.get(n, -1))
        for m, n in zip(actions["mobile"], actions["nick"], strict=True)
    ]
    eligible = (
        actions["audience_name"].isin(params.audiences)
        if params.audiences is not None
        else pd.Series(True, index=actions.index)
    )
    draws = rng.random(len(actions))
    truth = actions[["send_key", "audience_name"]].assign(
        person_idx=person,
        responded=(np.asarray(person) >= 0) & eligible.to_numpy() & (draws < params.uplift),
    )
    chosen = truth[truth["responded"]].reset_index(drop=True)
    sent = pd.to_datetime(actions.set_index("send_key").loc[chosen["send_key"], "send_at"])
    sent = sent.fillna(pd.Timestamp(night) + pd.Timedelta(days=1, hours=10)).to_numpy()
    n = len(chosen)
    delay = np.minimum(rng.exponential(36.0, n), params.window_days * 24 - 1)
    created = pd.to_datetime(sent) + pd.to_timedelta(delay, unit="h")
    people = shop.people.iloc[chosen["person_idx"].to_numpy()].reset_index(drop=True)
    products = shop.products
    by_title = dict(zip(products["title"], products["product_idx"], strict=True))
    offers = actions.set_index("send_key").loc[chosen["send_key"]].reset_index()
    product_idx = []
    for k in range(n):
        # the product the message named, else one of the person's favourite category
        favourite = products[products["category_idx"] == people.loc[k, "favourite_category"]]
        fallback = int(favourite.iloc[int(rng.integers(0, len(favourite)))]["product_idx"])
        chosen_idx = int(by_title.get(offers.loc[k, "product"], fallback))
        # a yuan coupon is spent on more than it is worth (满减: the threshold is above it)
        floor = _coupon_yuan(offers.loc[k, "offer"]) + 1
        if products.loc[chosen_idx, "price"] <= floor:
            dearer = products[products["price"] > floor].sort_values("price", kind="stable")
            chosen_idx = int(dearer.iloc[0]["product_idx"])
        product_idx.append(chosen_idx)
    picked = products.iloc[product_idx].reset_index(drop=True)
    goods = np.round(picked["price"].to_numpy() * 100).astype(np.int64)
    discount = np.array([offer_cents(o, g) for o, g in zip(offers["offer"], goods, strict=True)])
    postage = np.where(goods >= 9900, 0, 800)
    order_id = (ORDER_ID_BASE + ordinal * 100_000 + np.arange(n)).astype(str)
    orders = pd.DataFrame(
        {
            "order_id": order_id,
            "person_id": people["person_id"].to_numpy(),
            # the nick of the day they buy (a renamed buyer shows the new one)
            "buyer_nick": np.where(
                (created - pd.Timestamp("1970-01-01")).days.to_numpy()
                >= people["nick_change_day"].to_numpy(),
                people["nick2"],
                people["nick"],
            ),
            "address_idx": people["address_idx"].to_numpy(),
            "is_mobile_order": people["is_mobile_buyer"].to_numpy(),
            "outcome": "completed",
            "created_at": created,
            "paid_at": created + pd.to_timedelta(rng.integers(5, 600, n), unit="s"),
            "goods_cents": goods,
            "postage_cents": postage,
            "discount_cents": discount,
            "paid_cents": goods + postage - discount,
        }
    )
    orders["shipped_at"] = orders["paid_at"] + pd.to_timedelta(rng.integers(6, 72, n), unit="h")
    orders["confirmed_at"] = orders["shipped_at"] + pd.to_timedelta(
        rng.integers(3, 12, n), unit="D"
    )
    orders["refunded_at"] = pd.NaT
    lines = pd.DataFrame(
        {
            "order_id": order_id,
            "sub_order_id": order_id,
            "item_id": picked["item_id"].to_numpy(),
            "merchant_code": picked["merchant_code"].to_numpy(),
            "title": picked["title"].to_numpy(),
            "price": picked["price"].map("{:.2f}".format).to_numpy(),
            "quantity": 1,
            "line_paid_cents": goods - discount,
        }
    )
    truth = truth.merge(
        pd.DataFrame({"send_key": chosen["send_key"], "order_id": order_id}),
        on="send_key",
        how="left",
    )
    return truth, orders, lines


def answer_outbox(
    shop: Shop,
    outbox_night: Path,
    landing: Path,
    truth_dir: Path,
    export_at: pd.Timestamp,
    params: ResponseParams,
) -> dict:
    """Read a night's outbox, write the responders' orders as the TOP increment current at
    export_at into the landing folder and the truth beside the shop's. A summary back."""
    night = outbox_night.name
    actions = read_outbox(outbox_night)
    truth, orders, lines = respond(shop, actions, night, params)
    late = int((orders["created_at"] >= export_at).sum())  # after the pull: never seen
    orders = orders[orders["created_at"] < export_at].copy()
    orders["modified_at"] = (
        orders[["created_at", "paid_at", "shipped_at", "confirmed_at"]]
        .where(orders[["created_at", "paid_at", "shipped_at", "confirmed_at"]].le(export_at))
        .max(axis=1)
    )
    shipped = orders["shipped_at"] <= export_at
    confirmed = orders["confirmed_at"] <= export_at
    orders["state"] = np.where(confirmed, "completed", np.where(shipped, "shipped", "paid"))
    since = pd.Timestamp(night) + pd.Timedelta(days=1)
    path = landing / f"TopTradesIncrement{since:%Y%m%d%H%M}_{export_at:%Y%m%d%H%M}.jsonl"
    written = None
    if len(orders):
        written = write_top_trades(path, orders, lines[lines["order_id"].isin(orders["order_id"])])
    truth_dir.mkdir(parents=True, exist_ok=True)
    truth.to_csv(truth_dir / f"campaign_responses_{night}.csv", index=False)
    summary = {
        "night": night,
        "actions": int(len(actions)),
        "traced": int((truth["person_idx"] >= 0).sum()),
        "responded": int(truth["responded"].sum()),
        "after_the_pull": late,
        "uplift": params.uplift,
        "window_days": params.window_days,
        "file": written.name if written else None,
    }
    (truth_dir / f"campaign_responses_{night}.json").write_text(json.dumps(summary, indent=2))
    return summary


def main(argv: list[str] | None = None) -> int:
    """`python -m ingestion.demo.campaign_responses`: the demo shop answers one night's outbox."""
    import argparse
    import datetime as dt

    from ingestion.demo.shop import ShopParams, build_shop

    parser = argparse.ArgumentParser(description=main.__doc__.split(": ", 1)[1])
    parser.add_argument("--outbox-night", type=Path, required=True, help="<outbox>/<night>/")
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True, help="the ground-truth folder")
    parser.add_argument(
        "--pulled-at", type=dt.datetime.fromisoformat, required=True, help="the next TOP pull"
    )
    parser.add_argument("--uplift", type=float, default=ResponseParams.uplift)
    parser.add_argument("--seed", type=int, default=ShopParams.seed, help="the shop's seed")
    args = parser.parse_args(argv)
    if not args.outbox_night.is_dir():
        print(f"no outbox folder {args.outbox_night}: nothing to answer")
        return 0
    shop = build_shop(ShopParams(seed=args.seed))
    summary = answer_outbox(
        shop,
        args.outbox_night,
        args.landing,
        args.truth,
        pd.Timestamp(args.pulled_at),
        ResponseParams(uplift=args.uplift),
    )
    print(
        f"the demo shop answered {summary['night']}'s outbox: {summary['responded']} of "
        f"{summary['actions']} actions bought because of it (uplift {summary['uplift']:.0%})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
