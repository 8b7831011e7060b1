"""WeCom (企业微信) external contacts and WeChat official-account followers, saved as the JSON
their APIs return (shared/formats 4.1, 4.2).

- WeCom `externalcontact/get` (`external_contact` + `follow_user[]`) and `batch/get_by_user`
  (`external_contact_list[]` of `external_contact` + `follow_info`): contacts go to
  raw.wecom_contacts, each employee's relationship to raw.wecom_follows, one row per phone the
  employee noted (`remark_mobiles`, the bridge to order data) or one row without.
- WeChat `user/info` responses or `user/info/batchget` (`user_info_list[]`): raw.wechat_followers.

A file may hold one response, an array of responses or JSON Lines. Rows are numbered per part in
document order; a row's raw text is its JSON object.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingestion.sources.csv_reading import BadLine, Record
from ingestion.sources.spec import Column, FileRejected, FileSpec, phone_kind_of
from ingestion.sources.top_api import as_records, json_responses, unreadable_lines_part
from ingestion.sources.values import (
    parse_bool_cn,
    parse_epoch_seconds,
    parse_int,
    parse_phone,
    parse_text,
    required_text,
)

TS = "TIMESTAMP"


WECOM_CONTACTS = FileSpec(
    table="wecom_contacts",
    description="WeCom external contacts: one row per contact per dump (type, gender, unionid)",
    columns=(
        Column(
            "external_userid", ("external_userid",), required_text("external_userid"), required=True
        ),
        Column("contact_type", ("type",), parse_int, "INTEGER"),
        Column("name", ("name",), parse_text, pii=True),
        Column("gender", ("gender",), parse_int, "INTEGER"),
        Column("unionid", ("unionid",), parse_text),
        Column("corp_name", ("corp_name",), parse_text),
    ),
    known_headers=("avatar", "position", "corp_full_name", "external_profile"),
)


WECOM_FOLLOWS = FileSpec(
    table="wecom_follows",
    description="WeCom follow relationships: employee × contact (× noted phone), with tags and how added",
    columns=(
        Column(
            "external_userid", ("external_userid",), required_text("external_userid"), required=True
        ),
        Column("employee_userid", ("userid",), required_text("userid"), required=True),
        Column("remark", ("remark",), parse_text, pii=True),
        Column("added_at", ("createtime",), parse_epoch_seconds, TS),
        Column("tags", ("tags",), parse_text),
        Column("remark_mobile", ("remark_mobile",), parse_phone, pii=True),
        Column("add_way", ("add_way",), parse_int, "INTEGER"),
        Column("channel_state", ("state",), parse_text),
    ),
    derived=(phone_kind_of("remark_mobile"),),
    known_headers=("description", "remark_corp_name", "oper_userid", "tag_id", "wechat_channels"),
)

WECHAT_FOLLOWERS = FileSpec(
    table="wechat_followers",
    description="WeChat official-account followers: one row per openid per dump",
    columns=(
        Column("openid", ("openid",), required_text("openid"), required=True),
        Column("unionid", ("unionid",), parse_text),
        Column("is_subscribed", ("subscribe",), parse_bool_cn, "BOOLEAN"),
        Column("subscribed_at", ("subscribe_time",), parse_epoch_seconds, TS),
        Column("subscribe_scene", ("subscribe_scene",), parse_text),
        Column("qr_scene", ("qr_scene_str", "qr_scene"), parse_text),
        Column("nickname", ("nickname",), parse_text, pii=True),
        Column("remark", ("remark",), parse_text, pii=True),
        Column("tag_ids", ("tagid_list",), parse_text),
        Column("language", ("language",), parse_text),
    ),
    known_headers=("headimgurl", "sex", "city", "province", "country", "groupid"),
)
SPECS = (WECOM_CONTACTS, WECOM_FOLLOWS, WECHAT_FOLLOWERS)


def looks_like_wecom(document: Any) -> bool:
    return isinstance(document, dict) and (
        "external_contact" in document or "external_contact_list" in document
    )


def looks_like_wechat(document: Any) -> bool:
    return isinstance(document, dict) and (
        "user_info_list" in document or ("openid" in document and "subscribe" in document)
    )


def _check(page: Any) -> dict[str, Any]:
    if not isinstance(page, dict):
        raise FileRejected("a response in the dump is not a JSON object")
    if page.get("errcode", 0) not in (0, "0"):
        raise FileRejected(
            f"the dump holds an error response: {page.get('errcode')} {page.get('errmsg')}"
        )
    return page


def _tag_names(follow: dict[str, Any]) -> str | None:
    tags = follow.get("tags")
    if isinstance(tags, list) and tags:
        return ";".join(
            f"{t.get('group_name', '')}:{t.get('tag_name', '')}".strip(":")
            for t in tags
            if isinstance(t, dict)
        )
    ids = follow.get("tag_id")
    return ";".join(map(str, ids)) if isinstance(ids, list) and ids else None


def read_wecom_dump(path: Path) -> list[tuple[str, FileSpec, str, Iterator[Record]]]:
    contacts: list[dict[str, Any]] = []
    follows: list[dict[str, Any]] = []
    bad: list[BadLine] = []
    for page in map(_check, json_responses(path, bad)):
        if "external_contact_list" in page:
            pairs = [
                (item.get("external_contact") or {}, [item.get("follow_info") or {}])
                for item in page["external_contact_list"]
            ]
        else:
            pairs = [(page.get("external_contact") or {}, page.get("follow_user") or [])]
        for contact, follow_list in pairs:
            contacts.append(contact)
            for follow in follow_list:
                base = {
                    k: v for k, v in follow.items() if k not in ("tags", "tag_id", "remark_mobiles")
                }
                base["external_userid"] = contact.get("external_userid")
                base["tags"] = _tag_names(follow)
                for mobile in follow.get("remark_mobiles") or [None]:
                    follows.append({**base, "remark_mobile": mobile})
    generation = "wecom_externalcontact"
    return [
        (label, spec, generation, as_records(rows, spec))
        for label, spec, rows in (
            ("contacts", WECOM_CONTACTS, contacts),
            ("follows", WECOM_FOLLOWS, follows),
        )
        if rows
    ] + unreadable_lines_part(bad)


def read_wechat_dump(path: Path) -> list[tuple[str, FileSpec, str, Iterator[Record]]]:
    followers: list[dict[str, Any]] = []
    bad: list[BadLine] = []
    for page in map(_check, json_responses(path, bad)):
        followers.extend(page.get("user_info_list") or ([page] if "openid" in page else []))
    rows = [
        {**f, "tagid_list": ";".join(map(str, f["tagid_list"])) if f.get("tagid_list") else None}
        for f in followers
    ]
    parts = (
        [("followers", WECHAT_FOLLOWERS, "wechat_user_info", as_records(rows, WECHAT_FOLLOWERS))]
        if rows
        else []
    )
    return parts + unreadable_lines_part(bad)
