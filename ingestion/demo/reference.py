"""Reference data for the demo shop: a home-and-kitchen store's catalogue, places and names."""

from __future__ import annotations

import numpy as np
import pandas as pd

CATEGORIES = (
    ("锅具", "cookware", (59, 699)),
    ("刀具", "knives", (39, 399)),
    ("餐具", "tableware", (19, 299)),
    ("收纳", "storage", (15, 199)),
    ("清洁用品", "cleaning", (9, 89)),
    ("咖啡茶具", "coffee & tea", (29, 899)),
    ("小家电", "small appliances", (99, 1299)),
    ("厨房纸品", "kitchen paper", (9, 69)),
)
PRODUCTS_PER_CATEGORY = 12
_ITEM_WORDS = {
    "锅具": ["雪平锅", "不粘炒锅", "汤锅", "铸铁锅", "平底锅", "蒸锅"],
    "刀具": ["主厨刀", "水果刀", "刀具套装", "磨刀石", "砧板", "剪刀"],
    "餐具": ["陶瓷碗", "餐盘", "筷子", "汤勺", "马克杯", "碗碟套装"],
    "收纳": ["保鲜盒", "调料架", "收纳篮", "密封罐", "置物架", "米桶"],
    "清洁用品": ["洗洁精", "洗碗布", "钢丝球", "清洁刷", "除垢剂", "垃圾袋"],
    "咖啡茶具": ["手冲壶", "滤杯", "磨豆机", "茶壶", "公道杯", "咖啡杯"],
    "小家电": ["电饭煲", "电热水壶", "破壁机", "空气炸锅", "咖啡机", "电烤箱"],
    "厨房纸品": ["厨房用纸", "保鲜膜", "锡纸", "烘焙纸", "湿巾", "抹布"],
}
# (province as written in 收货地址, city, district, zip prefix); municipalities have no 省.
ADDRESSES = (
    ("广东省", "广州市", "越秀区", "510"),
    ("广东省", "深圳市", "南山区", "518"),
    ("广东省", "佛山市", "顺德区", "528"),
    ("浙江省", "杭州市", "西湖区", "310"),
    ("浙江省", "宁波市", "鄞州区", "315"),
    ("江苏省", "南京市", "鼓楼区", "210"),
    ("江苏省", "苏州市", "工业园区", "215"),
    ("上海", "上海市", "浦东新区", "200"),
    ("上海", "上海市", "徐汇区", "200"),
    ("北京", "北京市", "朝阳区", "100"),
    ("北京", "北京市", "海淀区", "100"),
    ("天津", "天津市", "南开区", "300"),
    ("重庆", "重庆市", "渝中区", "400"),
    ("四川省", "成都市", "武侯区", "610"),
    ("湖北省", "武汉市", "洪山区", "430"),
    ("湖南省", "长沙市", "岳麓区", "410"),
    ("福建省", "厦门市", "思明区", "361"),
    ("山东省", "青岛市", "市南区", "266"),
    ("河南省", "郑州市", "金水区", "450"),
    ("陕西省", "西安市", "雁塔区", "710"),
    ("辽宁省", "沈阳市", "和平区", "110"),
    ("云南省", "昆明市", "五华区", "650"),
    ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "830"),
    ("广西壮族自治区", "南宁市", "青秀区", "530"),
)
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
_GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬琳晨雪")
_SYLLABLES = [
    "xiao",
    "mei",
    "ai",
    "tian",
    "yu",
    "chen",
    "li",
    "an",
    "le",
    "qi",
    "bao",
    "zi",
    "hua",
    "yun",
    "xin",
    "mo",
    "tao",
    "lan",
    "fei",
    "jia",
]
_NICK_WORDS = [
    "爱购物",
    "小厨娘",
    "吃货",
    "宝妈",
    "生活家",
    "咖啡控",
    "烘焙师",
    "居家",
    "猫奴",
    "早起",
]
_ROADS = [
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "长江路",
    "滨江路",
    "文化路",
    "科技路",
    "花园路",
]
# Promotion windows a shop plans around: 618 and 双11 (with their presale weeks), 双12, 年货节.
PROMOTIONS = ((6, 1, 6, 18), (10, 24, 11, 11), (12, 10, 12, 12), (1, 10, 1, 20))


def product_catalogue(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for c, (cn, _en, (low, high)) in enumerate(CATEGORIES):
        prices = np.exp(rng.uniform(np.log(low), np.log(high), PRODUCTS_PER_CATEGORY))
        prices = np.round(prices) - 0.1  # shops price at 59.9, not 60
        for k, price in enumerate(sorted(prices)):
            word = _ITEM_WORDS[cn][k % len(_ITEM_WORDS[cn])]
            rows.append(
                {
                    "product_idx": len(rows),
                    "category_idx": c,
                    "category": cn,
                    "merchant_code": f"FG-{c + 1:02d}{k + 1:03d}",
                    "item_id": str(600_000_000_000 + c * 1000 + k),
                    "title": f"复购家居 {word} {['经典款', '升级款', '礼盒装', '家庭装'][k % 4]}",
                    "price": float(max(price, 1.9)),
                    "cost": float(round(max(price, 1.9) * rng.uniform(0.35, 0.6), 2)),
                    "brand": "复购家居" if k % 3 else "厨匠",
                }
            )
    products = pd.DataFrame(rows)
    # Products usually bought together: each has a companion in a related category (a pan and
    # its cleaning brush, a kettle and its filter cup), which cross-sell should rediscover.
    related = {0: 4, 1: 2, 2: 3, 3: 7, 4: 7, 5: 2, 6: 5, 7: 4}
    companion = []
    for _, row in products.iterrows():
        if row["product_idx"] % 2 == 0:
            target_cat = related[row["category_idx"]]
            companion.append(target_cat * PRODUCTS_PER_CATEGORY + (row["product_idx"] // 2) % 6)
        else:
            companion.append(-1)
    products["companion_idx"] = companion
    return products


def pick_products(rng, products: pd.DataFrame, category: np.ndarray, target: np.ndarray):
    """The product of `category` whose price is nearest to a noisy `target` spend."""
    out = np.empty(len(category), dtype=np.int64)
    for c in range(len(CATEGORIES)):
        mask = category == c
        if not mask.any():
            continue
        block = products[products["category_idx"] == c]
        prices = block["price"].to_numpy()
        pos = np.searchsorted(prices, target[mask])
        pos = np.clip(pos + rng.integers(-1, 2, mask.sum()), 0, len(prices) - 1)
        out[mask] = block["product_idx"].to_numpy()[pos]
    return out


def in_promotion(created: pd.Series) -> np.ndarray:
    month, day = created.dt.month.to_numpy(), created.dt.day.to_numpy()
    key = month * 100 + day
    hit = np.zeros(len(created), dtype=bool)
    for m1, d1, m2, d2 in PROMOTIONS:
        hit |= (key >= m1 * 100 + d1) & (key <= m2 * 100 + d2)
    return hit


def unique_nicks(rng: np.random.Generator, n: int, salt: str) -> np.ndarray:
    """Taobao member names: pinyin handles, Chinese handles and tb-numbers, unique by suffix."""
    style = rng.integers(0, 3, n)
    a = np.array(_SYLLABLES)[rng.integers(0, len(_SYLLABLES), n)]
    b = np.array(_SYLLABLES)[rng.integers(0, len(_SYLLABLES), n)]
    w = np.array(_NICK_WORDS)[rng.integers(0, len(_NICK_WORDS), n)]
    serial = np.char.mod("%d", np.arange(n) * 7 + (13 if salt == "a" else 5))
    pinyin = np.char.add(np.char.add(a, b), serial)
    chinese = np.char.add(np.char.add(np.char.add(w, salt), "_"), serial)
    tb = np.char.add(np.char.add("tb", salt), np.char.mod("%09d", np.arange(n) * 37 + 1000))
    return np.where(style == 0, pinyin, np.where(style == 1, chinese, tb)).astype(object)


def display_nicknames(rng: np.random.Generator, n: int) -> np.ndarray:
    a = np.array(_NICK_WORDS)[rng.integers(0, len(_NICK_WORDS), n)]
    return np.char.add(a, np.char.mod("%d", rng.integers(1, 999, n))).astype(object)


def unique_phones(rng: np.random.Generator, n: int, salt: int) -> np.ndarray:
    prefixes = np.array(
        [130, 131, 135, 136, 137, 138, 139, 150, 152, 158, 159, 176, 180, 182, 186, 188, 189, 199]
    )
    prefix = prefixes[rng.integers(0, len(prefixes), n)]
    # A permutation of the 8-digit space keeps phones unique without a set.
    body = (np.arange(n, dtype=np.int64) * 7_919 + salt * 13_331_333 + 1_234_567) % 100_000_000
    return np.char.add(np.char.mod("%d", prefix), np.char.mod("%08d", body)).astype(object)


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    s = np.array(_SURNAMES)[rng.integers(0, len(_SURNAMES), n)]
    g1 = np.array(_GIVEN)[rng.integers(0, len(_GIVEN), n)]
    g2 = np.where(rng.random(n) < 0.6, np.array(_GIVEN)[rng.integers(0, len(_GIVEN), n)], "")
    return np.char.add(np.char.add(s, g1), g2).astype(object)


def streets(rng: np.random.Generator, n: int) -> np.ndarray:
    road = np.array(_ROADS)[rng.integers(0, len(_ROADS), n)]
    number = np.char.mod("%d号", rng.integers(1, 999, n))
    room = np.char.mod("%d室", rng.integers(101, 2999, n))
    return np.char.add(np.char.add(road, number), room).astype(object)
