"""The 8 classic RFM group names, as the rfm_groups seed spells them."""

RFM_GROUPS_CN = [
    "重要价值客户",
    "重要发展客户",
    "重要保持客户",
    "重要挽留客户",
    "一般价值客户",
    "一般发展客户",
    "一般保持客户",
    "一般挽留客户",
]
