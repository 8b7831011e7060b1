"""Which of many personal values occur in a file's bytes or a run's events.

One Aho-Corasick pass over the text finds every value at once; testing each of thousands of
values with `in` against megabytes took minutes per scan.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import ahocorasick


def found_in(haystack: str, values: Iterable[str]) -> list[str]:
    """The values that occur in `haystack`, sorted."""
    automaton = ahocorasick.Automaton()
    for value in set(values):
        automaton.add_word(value, value)
    if len(automaton) == 0:
        return []
    automaton.make_automaton()
    return sorted({value for _, value in automaton.iter(haystack)})


def file_text(path: Path) -> str:
    """A file's bytes read as UTF-8 (undecodable bytes replaced), as a byte search sees text."""
    return path.read_bytes().decode("utf-8", errors="replace")


def where(haystack: str, found: list[str]) -> str:
    """Where the first value found sits (the value itself starred out), for a failure message."""
    if not found:
        return ""
    at = haystack.index(found[0])
    return haystack[max(0, at - 300) : at + 100].replace(found[0], "<HERE>")
