"""Keywords in feedback text: whole words by jieba, denials not counted, keys as SQL makes them."""

import duckdb
import pytest

from feedback.topics import KeywordMatcher, keyword_matches, text_key

KEYWORDS = [
    "质量问题",
    "商品质量问题",
    "质量很好",
    "质量不好",
    "太贵",
    "发货太慢",
    "包装破损",
    "客服态度差",
    "客服态度好",
    "用不上",
    "孩子大了",
    "拍错",
    "多拍",
]


@pytest.fixture(scope="module")
def matcher(tmp_path_factory):
    return KeywordMatcher.build(KEYWORDS, cache_dir=tmp_path_factory.mktemp("jieba"))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # a keyword inside a longer keyword is not said: praise is not a quality complaint
        ("质量很好，会回购", ["质量很好"]),
        ("客服态度好", ["客服态度好"]),
        ("质量不好，客服态度差", ["质量不好", "客服态度差"]),
        # the refund form's wording, the same complaint
        ("商品质量问题", ["商品质量问题"]),
        # denied, not said
        ("没有质量问题，是不想要了", []),
        ("不是质量问题", []),
        ("价格不贵", []),
        # a denial does not reach past a comma
        ("不是拍错，发货太慢", ["发货太慢"]),
        ("拍错了，不，发货太慢", ["拍错", "发货太慢"]),
        ("发货太慢了，而且包装破损", ["发货太慢", "包装破损"]),
        ("太贵了", ["太贵"]),
        ("孩子大了用不上了", ["孩子大了", "用不上"]),
        ("拍错/多拍", ["拍错", "多拍"]),
        ("", []),
    ],
)
def test_keywords_are_whole_words_and_not_denied(matcher, text, said):
    assert matcher.matches(text) == said


def test_an_edited_keyword_list_is_what_counts(tmp_path):
    # a shop adds 掉漆 to its list: the next run finds it where the old list found nothing
    before = KeywordMatcher.build(["质量问题"], cache_dir=tmp_path)
    after = KeywordMatcher.build(["质量问题", "掉漆"], cache_dir=tmp_path)
    assert before.matches("用了一周就掉漆") == []
    assert after.matches("用了一周就掉漆") == ["掉漆"]


def test_text_keys_are_the_md5_sql_computes():
    texts = ["商品质量问题", "太贵了！", "质量很好 ，会回购"]
    with duckdb.connect() as con:
        sql_keys = [con.execute("select md5(?)", [t]).fetchone()[0] for t in texts]
    assert [text_key(t) for t in texts] == sql_keys


def test_one_row_per_distinct_text_and_keyword(matcher):
    frame = keyword_matches(["太贵了", "太贵了", None, "   ", "质量很好"], matcher)
    assert sorted(map(tuple, frame.to_numpy().tolist())) == sorted(
        [(text_key("太贵了"), "太贵"), (text_key("质量很好"), "质量很好")]
    )
