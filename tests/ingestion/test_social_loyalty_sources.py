"""Social (WeCom, WeChat), loyalty (members, points), survey and Douyin sources."""

import datetime as dt
import json
from pathlib import Path

import duckdb

from ingestion.loader import load_landing
from ingestion.prepare import pseudonymise
from ingestion.sources.douyin import DOUYIN_HEADER
from tests.conftest import PII_KEY, query, write_export

LOADED_AT = dt.datetime(2026, 11, 1, 2, 0)


def _load(warehouse: Path, landing: Path):
    with duckdb.connect(str(warehouse)) as con:
        return load_landing(con, landing, PII_KEY, LOADED_AT)


def test_wecom_contacts_single_and_batch(tmp_path, warehouse):
    landing = tmp_path / "landing"
    landing.mkdir()
    single = {
        "errcode": 0,
        "errmsg": "ok",
        "external_contact": {
            "external_userid": "wmA1",
            "name": "小明",
            "type": 1,
            "gender": 1,
            "unionid": "oUNION1",
            "avatar": "http://x",
        },
        "follow_user": [
            {
                "userid": "zhangsan",
                "remark": "老客户小明",
                "createtime": 1700000000,
                "tags": [{"group_name": "客户等级", "tag_name": "VIP", "type": 1}],
                "remark_mobiles": ["13900000007", "13900000017"],
                "add_way": 1,
                "state": "store_qr",
            },
            {"userid": "lisi", "createtime": 1700086400, "add_way": 3},
        ],
    }
    batch = {
        "errcode": 0,
        "external_contact_list": [
            {
                "external_contact": {"external_userid": "wmB2", "type": 1, "unionid": "oUNION2"},
                "follow_info": {"userid": "zhangsan", "createtime": 1700000100, "tag_id": ["et1"]},
            }
        ],
        "next_cursor": "",
    }
    (landing / "wecom_get_20261101.json").write_text(json.dumps(single), encoding="utf-8")
    (landing / "wecom_batch_20261101.jsonl").write_text(json.dumps(batch) + "\n", encoding="utf-8")
    results = {r.source_file: r for r in _load(warehouse, landing).files}
    assert results["wecom_get_20261101.json"].rows_loaded == 1 + 3  # 2 phones + 1 without
    assert results["wecom_batch_20261101.jsonl"].rows_loaded == 2
    assert query(
        warehouse,
        "select external_userid, employee_userid, remark_mobile_hmac, remark_mobile_kind, tags,"
        " added_at, add_way from raw.wecom_follows order by 1, 2, 3",
    ) == sorted(
        [
            ("wmA1", "lisi", None, None, None, dt.datetime(2023, 11, 16, 6, 13, 20), 3),
            (
                "wmA1",
                "zhangsan",
                pseudonymise(PII_KEY, "13900000007"),
                "mobile",
                "客户等级:VIP",
                dt.datetime(2023, 11, 15, 6, 13, 20),
                1,
            ),
            (
                "wmA1",
                "zhangsan",
                pseudonymise(PII_KEY, "13900000017"),
                "mobile",
                "客户等级:VIP",
                dt.datetime(2023, 11, 15, 6, 13, 20),
                1,
            ),
            ("wmB2", "zhangsan", None, None, "et1", dt.datetime(2023, 11, 15, 6, 15), None),
        ],
        key=lambda r: (r[0], r[1], r[2] or ""),
    )
    dump = str(query(warehouse, "select * from raw.wecom_contacts, raw.wecom_follows"))
    assert "小明" not in dump and "13900000007" not in dump


def test_wechat_followers(tmp_path, warehouse):
    landing = tmp_path / "landing"
    landing.mkdir()
    batch = {
        "user_info_list": [
            {
                "subscribe": 1,
                "openid": "oOA1",
                "unionid": "oUNION1",
                "subscribe_time": 1700000000,
                "subscribe_scene": "ADD_SCENE_QR_CODE",
                "qr_scene_str": "store1",
                "tagid_list": [2, 5],
                "nickname": "",
                "language": "zh_CN",
            },
            {"subscribe": 0, "openid": "oOA2"},
        ]
    }
    (landing / "wechat_followers.json").write_text(json.dumps(batch), encoding="utf-8")
    (result,) = _load(warehouse, landing).files
    assert result.rows_loaded == 2
    assert query(
        warehouse,
        "select openid, unionid, is_subscribed, subscribed_at, qr_scene, tag_ids"
        " from raw.wechat_followers order by openid",
    ) == [
        ("oOA1", "oUNION1", True, dt.datetime(2023, 11, 15, 6, 13, 20), "store1", "2;5"),
        ("oOA2", None, False, None, None, None),
    ]


def test_members_points_and_surveys(tmp_path, warehouse):
    landing = tmp_path / "landing"
    members = [
        "会员编号",
        "手机号",
        "淘宝会员名",
        "unionid",
        "昵称",
        "会员等级",
        "积分余额",
        "生日",
        "入会时间",
        "入会渠道",
    ]
    write_export(
        landing / "会员列表20261031.csv",
        members,
        [
            dict(
                zip(
                    members,
                    [
                        "M001",
                        "13900000007",
                        "gina",
                        "oUNION1",
                        "吉娜",
                        "金卡",
                        "1200",
                        "1990/5/1",
                        "2023-03-01 10:00:00",
                        "小程序",
                    ],
                    strict=True,
                )
            ),
            dict(
                zip(
                    members,
                    [
                        "M002",
                        "",
                        "",
                        "",
                        "",
                        "普通会员",
                        "0",
                        "1990-02-30",
                        "2024-01-01 10:00:00",
                        "门店",
                    ],
                    strict=True,
                )
            ),
        ],
    )
    ledger = ["流水号", "会员编号", "变动类型", "积分变动", "变动后余额", "关联订单号", "变动时间"]
    write_export(
        landing / "积分明细20261031.csv",
        ledger,
        [
            dict(
                zip(
                    ledger,
                    [
                        "P1",
                        "M001",
                        "消费获得",
                        "+300",
                        "1500",
                        "3700000000000002",
                        "2024-03-01 10:00:00",
                    ],
                    strict=True,
                )
            ),
            dict(
                zip(
                    ledger,
                    ["P2", "M001", "积分兑换", "－300", "1200", "", "2024-05-01 10:00:00"],
                    strict=True,
                )
            ),
        ],
    )
    survey = ["答卷编号", "手机号", "推荐意愿", "意见建议", "提交时间"]
    write_export(
        landing / "NPS问卷20261031.csv",
        survey,
        [
            dict(
                zip(
                    survey,
                    ["S1", "13900000007", "9", "锅很好用", "2024-06-01 10:00:00"],
                    strict=True,
                )
            ),
            dict(zip(survey, ["S2", "", "11", "", "2024-06-02 10:00:00"], strict=True)),
        ],
    )
    results = {r.source_file: r for r in _load(warehouse, landing).files}
    members_file = results["会员列表20261031.csv"]
    # An impossible birthday is an optional cell: M002 loads without it, and the cell is logged.
    assert (members_file.rows_loaded, members_file.rows_quarantined) == (2, 0)
    assert members_file.fields_nulled == 1
    assert query(
        warehouse,
        "select member_id, tier, points_balance, birthday, mobile_kind from raw.loyalty_members "
        "order by 1",
    ) == [
        ("M001", "金卡", 1200, dt.date(1990, 5, 1), "mobile"),
        ("M002", "普通会员", 0, None, None),
    ]
    assert query(warehouse, "select source_line, column_name, reason from raw.field_issues") == [
        (3, "生日", "date '1990-02-30' cannot be parsed")
    ]
    assert query(
        warehouse,
        "select event_id, points, balance_after from raw.loyalty_points_events order by 1",
    ) == [
        ("P1", 300, 1500),
        ("P2", -300, 1200),
    ]
    assert query(warehouse, "select response_id, score from raw.survey_responses") == [("S1", 9)]
    reasons = [r for (r,) in query(warehouse, "select reason from raw.quarantine order by 1")]
    assert any("outside 0-10" in r for r in reasons)


def test_douyin_orders_with_livestream_host(tmp_path, warehouse):
    landing = tmp_path / "landing"
    row = {
        "主订单编号": "6900000000000001",
        "子订单编号": "6900000000000002",
        "选购商品": "雪平锅",
        "商家编码": "PAN-1",
        "商品数量": "1",
        "商品金额": "99.00",
        "订单提交时间": "2025-03-01 20:00:00",
        "支付完成时间": "2025-03-01 20:01:00",
        "订单状态": "已完成",
        "订单应付金额": "89.00",
        "收件人": "吉娜",
        "收件人手机号": "18412345678-7576",
        "省": "江苏省",
        "市": "南京市",
        "详细地址": "中山路9号",
        "达人ID": "7100001",
        "达人昵称": "厨房好物小王",
    }
    write_export(landing / "抖店订单20250331.csv", DOUYIN_HEADER, [row])
    (result,) = _load(warehouse, landing).files
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert query(
        warehouse,
        "select order_id, order_payable_amount, receiver_mobile_kind, host_nickname"
        " from raw.douyin_order_lines",
    ) == [("6900000000000001", 89, "virtual", "厨房好物小王")]
    assert "中山路" not in str(query(warehouse, "select * from raw.douyin_order_lines"))
