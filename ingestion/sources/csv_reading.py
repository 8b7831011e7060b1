"""Decode an export and split it into records, keeping each record's physical line number.

Why by hand rather than `pandas.read_csv`: a single undecodable line or a short row must become
one quarantined row with its line number, and pandas either drops such lines or fails the whole
file. The csv module does the quoting; this module feeds it decoded lines one at a time.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BOM = codecs.BOM_UTF8
_CHUNK = 1 << 20
# The largest cell read (Python's csv default, 128 KB, refused a buyer message the SQL path
# loaded); a longer one rejects its record, on both loader paths.
FIELD_LIMIT = 16 << 20
csv.field_size_limit(FIELD_LIMIT)
# A quarantined record keeps this much of its raw text: the rest stays in the landed file,
# at the line the quarantine names (a 70 MB line must not be copied about whole).
MAX_RAW_TEXT = 1 << 20


def clip_raw_text(text: str) -> str:
    if len(text) <= MAX_RAW_TEXT:
        return text
    return f"{text[:MAX_RAW_TEXT]}… [{len(text) - MAX_RAW_TEXT} more characters in the file]"


@dataclass(frozen=True)
class Record:
    line: int
    fields: list[str]
    text: str


@dataclass(frozen=True)
class BadLine:
    line: int
    reason: str
    text: str


_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")


def _lines(path: Path) -> Iterator[bytes]:
    """Physical lines, ended by LF, CRLF or a lone CR: a file saved as Excel for Mac's 'CSV
    (Macintosh)' ends every line with CR, and a file pieced together from two tools mixes
    them (csv then merged good rows in pairs)."""
    with path.open("rb") as handle:
        for raw in handle:
            if b"\r" in raw[:-2]:
                yield from (piece for piece in _LONE_CR.split(raw) if piece)
            else:
                yield raw


def detect_encoding(path: Path) -> str:
    """BOM, then strict UTF-8, then GB18030 (the superset of the GBK that Taobao writes).

    A file that is neither cleanly is given the encoding under which fewer lines fail; the
    failing lines are quarantined one by one rather than guessed at. A BOM can lie: a GBK file
    re-saved by a tool that prepends one is read as GB18030 (the BOM itself is skipped).
    """
    with path.open("rb") as handle:
        has_bom = handle.read(3) == BOM
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        return "utf-8-sig" if has_bom else "utf-8"
    except UnicodeDecodeError:
        pass
    failures = {"utf-8": 0, "gb18030": 0}
    for number, raw in enumerate(_lines(path), start=1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        for encoding in failures:
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                failures[encoding] += 1
    if failures["gb18030"] <= failures["utf-8"]:
        return "gb18030"
    return "utf-8-sig" if has_bom else "utf-8"


def sniff_problem(path: Path) -> str | None:
    """Why a file that is not CSV text cannot be read as an export, in the words a shop
    needs to fix it; None for a CSV. Read from its first 64 KB."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(head) >= 16 and head[1::2].count(0) > len(head) // 4
    ):
        return (
            "the file is UTF-16 text (Excel's 'Unicode text'), not CSV: save it from Excel as "
            "'CSV UTF-8' (or CSV in GBK) and land it again"
        )
    if head.startswith(b"PK\x03\x04"):
        return "the file is a zip or .xlsx workbook named .csv: land it as .xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "the file is an Excel 97-2003 workbook (.xls): save it as .xlsx or CSV"
    first = head.split(b"\n", 1)[0].split(b"\r", 1)[0]
    for delimiter, name in ((b"\t", "tab"), (b";", "semicolon")):
        if b"," not in first and first.count(delimiter) >= 2:
            return (
                f"the file is {name}-separated, not comma-separated CSV: save it as CSV "
                "(Taobao, 千牛 and the ERPs export commas)"
            )
    return None


class _LineFeed:
    """Decoded lines for csv.reader; remembers where the current record began."""

    def __init__(self, path: Path, encoding: str) -> None:
        self.path = path
        self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self.bad: list[BadLine] = []
        self.record_start: int | None = None
        self.record_text: list[str] = []
        self.record_chars = 0

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(_lines(self.path), start=1):
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
            try:
                # A NUL is never part of a value: a broken writer's padding, dropped here.
                text = raw.decode(self.encoding).replace("\x00", "")
            except UnicodeDecodeError as exc:
                shown = raw.decode(self.encoding, errors="replace").rstrip("\r\n")
                self.bad.append(
                    BadLine(
                        number, f"line cannot be decoded as {self.encoding}: {exc.reason}", shown
                    )
                )
                continue
            if self.record_start is None:
                self.record_start = number
            if self.record_chars <= MAX_RAW_TEXT:  # the raw text kept of a giant is clipped
                self.record_text.append(text)
            self.record_chars += len(text)
            yield text

    def take_text(self) -> str:
        """The current record's raw text (clipped), and a fresh start for the next record."""
        text = clip_raw_text("".join(self.record_text).rstrip("\r\n"))
        if self.record_chars > MAX_RAW_TEXT and not text.endswith("in the file]"):
            text = f"{text}… [{self.record_chars - len(text)} more characters in the file]"
        self.record_start, self.record_text, self.record_chars = None, [], 0
        return text


def read_records(path: Path, encoding: str) -> Iterator[Record | BadLine]:
    """Yield records (header included) and undecodable lines in file order; blank lines are skipped."""
    feed = _LineFeed(path, encoding)
    reader = csv.reader(feed, strict=False)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            start = feed.record_start or 0
            text = feed.take_text()
            yield from _drain(feed)
            yield BadLine(start, f"malformed CSV: {exc}", text)
            continue
        start = feed.record_start or 0
        text = feed.take_text()
        yield from _drain(feed)
        if not any(field.strip() for field in fields):
            continue
        yield Record(start, fields, text)
    yield from _drain(feed)


def _drain(feed: _LineFeed) -> Iterator[BadLine]:
    while feed.bad:
        yield feed.bad.pop(0)


@dataclass(frozen=True)
class Utf8Chunk:
    path: Path
    first_line: int  # the file's line number of the chunk's first line


def write_utf8_chunks(
    path: Path, encoding: str, out_dir: Path, chunk_bytes: int = 64 << 20
) -> tuple[list[Utf8Chunk], list[BadLine]]:
    """Copy a file as valid UTF-8 in pieces cut at line ends, for DuckDB to split and type.

    Line numbering is kept exactly: an undecodable line becomes an empty line here and a BadLine
    (the same verdict `read_records` gives it), so DuckDB can count lines and never sees bad bytes.
    Pieces bound the memory DuckDB needs for one file, whatever the file's size.
    """
    decoding = "utf-8" if encoding == "utf-8-sig" else encoding
    chunks: list[Utf8Chunk] = []
    bad: list[BadLine] = []
    next_line = 1
    with path.open("rb") as source:
        carry = b""
        while True:
            block = source.read(chunk_bytes)
            data = carry + block
            if not data:
                break
            cut = data.rfind(b"\n") + 1 if block else len(data)
            if cut == 0:  # no line end in a whole block: keep reading
                carry = data
                continue
            piece, carry = data[:cut], data[cut:]
            if next_line == 1 and piece.startswith(BOM):
                piece = piece[len(BOM) :]
            out = out_dir / f"{path.stem[:40]}.{len(chunks)}.utf8"
            out.write_bytes(_as_utf8(piece, decoding, next_line, bad))
            chunks.append(Utf8Chunk(out, next_line))
            next_line += piece.count(b"\n")
            if not block:
                break
    return chunks, bad


def _as_utf8(piece: bytes, encoding: str, first_line: int, bad: list[BadLine]) -> bytes:
    try:
        text = piece.decode(encoding)
        return piece if encoding == "utf-8" else text.encode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = []
    raws = piece.split(b"\n")
    for number, raw in enumerate(raws, start=first_line):
        ended = raw + b"\n" if number - first_line < len(raws) - 1 else raw
        try:  # decoded with its line end, exactly as read_records decodes it
            lines.append(ended.decode(encoding).rstrip("\n").encode("utf-8"))
        except UnicodeDecodeError as exc:
            shown = raw.decode(encoding, errors="replace").rstrip("\r\n")
            bad.append(
                BadLine(number, f"line cannot be decoded as {encoding}: {exc.reason}", shown)
            )
            # A lone CR in it still ends a line for the Python reader (_lines): one is kept, so
            # the vectorised path's lone-CR test sends the file the Python way, as for any line.
            lines.append(b"\r-" if b"\r" in raw.rstrip(b"\r") else b"")
    return b"\n".join(lines)


def line_texts(path: Path, encoding: str, numbers: set[int]) -> dict[int, str]:
    """The text of chosen lines, as `read_records` shows a one-line record's raw text."""
    decoding = "utf-8" if encoding == "utf-8-sig" else encoding
    found: dict[int, str] = {}
    for number, raw in enumerate(_lines(path), start=1):
        if number in numbers:
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
            found[number] = clip_raw_text(raw.decode(decoding, errors="replace").rstrip("\r\n"))
            if len(found) == len(numbers):
                break
    return found
