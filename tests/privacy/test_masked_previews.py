"""Previews in the Dagster UI mask personal columns and leave the rest as they are."""

import pandas as pd

from ingestion.personal_data import is_personal, mask, masked_frame, masked_record


def test_personal_columns_are_told_from_the_rest():
    personal = [
        "buyer_nick",
        "preferred_nick",
        "identifier_value",
        "node_key",
        "buyer_message",
        "seller_note",
        "remark",
        "name",
        "wechat_unionid",
        "raw_text_sealed",
    ]
    other = [
        "customer_id",
        "receiver_mobile_hmac",
        "receiver_mobile_kind",
        "shop_name",
        "product_name",
        "identifier_type",
        "taobao_nick_count",
        "nick_changed_at",
        "title",
    ]
    assert [c for c in personal if not is_personal(c)] == []
    assert [c for c in other if is_personal(c)] == []


def test_a_masked_preview_keeps_one_character():
    frame = pd.DataFrame(
        {"customer_id": ["C1", "C2"], "buyer_nick": ["小厨娘", None], "orders": [3, 1]}
    )
    masked = masked_frame(frame)
    assert masked["customer_id"].tolist() == ["C1", "C2"]
    assert masked["orders"].tolist() == [3, 1]
    assert masked["buyer_nick"][0] == "小**" and pd.isna(masked["buyer_nick"][1])
    assert frame["buyer_nick"][0] == "小厨娘"  # the caller's frame is untouched
    assert mask("ab") == "a**" and mask("") == ""
    assert masked_record({"node_key": "taobao_nick:tb1", "n": 2}) == {
        "node_key": "t**************",
        "n": 2,
    }
