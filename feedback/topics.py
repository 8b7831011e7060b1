"""Which of the shop's keywords a piece of feedback text mentions, found by a real segmenter.

Refund reasons, after-sales reasons and survey comments are short Chinese texts. Substring
matching gets them wrong both ways: 质量很好 contains 质量, 没有质量问题 contains 质量问题. jieba
segments each text into words, with the shop's keyword list (seed `feedback_keywords`) added
to its dictionary so a keyword is one word wherever it appears; a keyword counts when it is a
whole word and the word before it is not a negation (不, 没有, 不是 …). The keyword list is the
shop's to edit: the next night re-segments every text with it.

Texts are keyed by the MD5 of their UTF-8 bytes, which SQL computes the same way
(`dbt.hash`), so the table this writes holds no feedback text itself.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jieba
import pandas as pd

# A keyword right after one of these words is denied, not said: 不是质量问题, 没有破损.
NEGATIONS = frozenset({"不", "没", "没有", "不是", "并非", "无", "未", "别", "并不", "不会"})
# Separators that end a clause: a negation does not reach across them.
_PUNCTUATION = frozenset("，,。.！!？?；;、/ \t\n")

jieba.setLogLevel(logging.WARNING)


def text_key(text: str) -> str:
    """The key SQL computes for the same text: md5 of its UTF-8 bytes, lower-case hex."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KeywordMatcher:
    """A jieba tokenizer of its own (not the global one) with the keywords in its dictionary."""

    keywords: frozenset[str]
    tokenizer: jieba.Tokenizer

    @classmethod
    def build(cls, keywords: Iterable[str], cache_dir: Path | None = None) -> KeywordMatcher:
        words = frozenset(k.strip() for k in keywords if k and k.strip())
        tokenizer = jieba.Tokenizer()
        if cache_dir is not None:  # jieba caches its prefix dictionary in /tmp otherwise
            cache_dir.mkdir(parents=True, exist_ok=True)
            tokenizer.tmp_dir = str(cache_dir)
        tokenizer.initialize()
        for word in sorted(words):
            tokenizer.add_word(word)
        return cls(words, tokenizer)

    def matches(self, text: str) -> list[str]:
        """The keywords the text says, in order of appearance, each once."""
        found: list[str] = []
        previous = ""
        for token in self.tokenizer.cut(text, HMM=False):
            token = token.strip()
            if not token:
                continue
            if token in self.keywords and previous not in NEGATIONS and token not in found:
                found.append(token)
            previous = "" if token in _PUNCTUATION else token
        return found


def keyword_matches(texts: Iterable[str], matcher: KeywordMatcher) -> pd.DataFrame:
    """One row per distinct text and keyword it says: text_key, keyword."""
    rows = [
        (text_key(text), keyword)
        for text in sorted({t for t in texts if isinstance(t, str) and t.strip()})
        for keyword in matcher.matches(text)
    ]
    return pd.DataFrame(rows, columns=["text_key", "keyword"])
