"""What can still be read of an .xlsx workbook that is cut off (a download or copy that stopped).

A zip keeps its table of contents at the end, so a workbook cut at 60% is no zip to calamine
or Python's zipfile, and everything in it was lost. But each member of a zip also starts with a
local header of its own, and the members written before the cut are whole: this module walks
those headers from the start, inflates each member as far as its bytes go, and reads the rows
of every sheet up to the last complete one. Sheet names come from xl/workbook.xml where it
survived (else `sheet1`…, matched by header), strings from xl/sharedStrings.xml, date cells
from the date formats in xl/styles.xml. Pure: a path in, sheets of rows out.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError, XMLPullParser

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_SIGNATURE = b"PK\x03\x04"
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Excel's built-in number formats that show a date or time.
_DATE_FORMAT_IDS = {*range(14, 23), *range(45, 48)}
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


@dataclass
class SalvagedSheet:
    title: str
    rows: list[list[object]] = field(default_factory=list)
    complete: bool = True  # False: the sheet's XML was cut off after the last row kept


def members(path: Path) -> dict[str, tuple[bytes, bool]]:
    """Each member's inflated bytes and whether they are whole, in file order."""
    data = path.read_bytes()
    found: dict[str, tuple[bytes, bool]] = {}
    offset = 0
    while data.startswith(_SIGNATURE, offset) and offset + _LOCAL_HEADER.size <= len(data):
        _, _, flags, method, _, _, _, size, _, name_length, extra_length = (
            _LOCAL_HEADER.unpack_from(data, offset)
        )
        start = offset + _LOCAL_HEADER.size
        name = data[start : start + name_length].decode("utf-8", errors="replace")
        start += name_length + extra_length
        if method == 0:
            body = data[start : start + size]
            whole = len(body) == size and not flags & 8
            end = start + size
        elif method == 8:
            inflater = zlib.decompressobj(-15)
            # Sizes may be 0 when they follow the data (flag bit 3): inflate to the stream's end.
            chunk = data[start : start + size] if size and not flags & 8 else data[start:]
            try:
                body = inflater.decompress(chunk)
            except zlib.error:
                body = b""
            whole = inflater.eof
            end = len(data) - len(inflater.unused_data) if flags & 8 else start + size
            if flags & 8 and whole:
                end += 16 if data.startswith(b"PK\x07\x08", end) else 12
        else:  # a compression Excel never uses
            break
        found[name] = (body, whole)
        if not whole:
            break
        offset = end
    return found


def _elements(xml: bytes, tag: str) -> Iterator:
    """Complete `tag` elements of an XML document that may be cut off (or garbled where the
    inflating stopped): those before the damage."""
    parser = XMLPullParser(events=("end",))
    for start in range(0, len(xml), 1 << 16):
        try:
            parser.feed(xml[start : start + (1 << 16)])
        except ParseError:
            damaged = True
        else:
            damaged = False
        for _, element in parser.read_events():
            if element.tag == tag:
                yield element
        if damaged:
            return


def _sheet_names(found) -> dict[str, str]:
    """worksheet member -> sheet title, where xl/workbook.xml and its relations survived."""
    book, _ = found.get("xl/workbook.xml", (b"", False))
    rels, _ = found.get("xl/_rels/workbook.xml.rels", (b"", False))
    targets = {
        r.get("Id"): "xl/" + r.get("Target", "").lstrip("/").removeprefix("xl/")
        for r in _elements(rels, f"{_PKG_REL_NS}Relationship")
    }
    return {
        targets[s.get(f"{_REL_NS}id")]: s.get("name")
        for s in _elements(book, f"{_NS}sheet")
        if s.get(f"{_REL_NS}id") in targets
    }


def _shared_strings(found) -> list[str]:
    xml, _ = found.get("xl/sharedStrings.xml", (b"", False))
    return ["".join(t.text or "" for t in si.iter(f"{_NS}t")) for si in _elements(xml, f"{_NS}si")]


def _date_styles(found) -> set[int]:
    """Indexes of the cell styles that show dates (built-in or custom formats with y/d/h)."""
    xml, _ = found.get("xl/styles.xml", (b"", False))
    custom = {
        int(f.get("numFmtId", -1))
        for f in _elements(xml, f"{_NS}numFmt")
        if re.search(r"[ydhs]", re.sub(r'"[^"]*"|\[[^]]*]', "", f.get("formatCode", "").lower()))
    }
    dates = _DATE_FORMAT_IDS | custom
    xfs = list(_elements(xml, f"{_NS}cellXfs"))
    if not xfs:
        return set()
    return {
        i for i, xf in enumerate(xfs[0].iter(f"{_NS}xf")) if int(xf.get("numFmtId", 0)) in dates
    }


def _serial_date(serial: float) -> dt.datetime:
    """Excel's day number as the wall time it shows, to the second (as calamine reads it)."""
    return _EXCEL_EPOCH + dt.timedelta(seconds=round(serial * 86_400))


def _column(reference: str) -> int:
    number = 0
    for letter in re.match(r"[A-Z]+", reference).group():
        number = number * 26 + ord(letter) - 64
    return number - 1


def _cell(cell, strings: list[str], date_styles: set[int]) -> object:
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{_NS}t"))
    value = cell.find(f"{_NS}v")
    text = value.text if value is not None else None
    if text is None:
        return None
    if kind == "s":
        index = int(text)
        return strings[index] if index < len(strings) else None  # the strings were cut off
    if kind in ("str", "e"):
        return text
    if kind == "b":
        return text == "1"
    number = float(text)
    if int(cell.get("s", 0)) in date_styles:
        return _serial_date(number)
    return number


def salvage(path: Path) -> list[SalvagedSheet]:
    """The sheets whose XML begins before the cut, with their complete rows (cells as calamine
    gives them: text, numbers, datetimes, booleans, None)."""
    found = members(path)
    names = _sheet_names(found)
    strings = _shared_strings(found)
    date_styles = _date_styles(found)
    styles_lost = not found.get("xl/styles.xml", (b"", False))[1]
    sheets = []
    for member, (xml, whole) in found.items():
        if not re.fullmatch(r"xl/worksheets/sheet\d+\.xml", member):
            continue
        sheet = SalvagedSheet(names.get(member, member.rsplit("/", 1)[1][:-4]), complete=whole)
        for row in _elements(xml, f"{_NS}row"):
            cells = {
                _column(c.get("r")): _cell(c, strings, date_styles)
                for c in row.iter(f"{_NS}c")
                if c.get("r")
            }
            number = int(row.get("r"))
            while len(sheet.rows) < number - 1:  # rows Excel left out are empty
                sheet.rows.append([])
            width = max(cells, default=-1) + 1
            sheet.rows.append([cells.get(i) for i in range(width)])
        if styles_lost:
            _dates_by_header(sheet)
        sheets.append(sheet)
    return sheets


def _dates_by_header(sheet: SalvagedSheet) -> None:
    """Without styles.xml (Excel writes it after the sheets, so a cut loses it first) a date
    cell is a bare serial number. In a column whose header says time or date, a serial of a
    day from 1998 to 2118 is read as the date it shows."""
    header = next((row for row in sheet.rows if row), [])
    columns = [
        i for i, name in enumerate(header) if isinstance(name, str) and _DATE_HEADER.search(name)
    ]
    for row in sheet.rows[1:]:
        for i in columns:
            if i < len(row) and isinstance(row[i], float) and 36_000 <= row[i] <= 80_000:
                row[i] = _serial_date(row[i])


_DATE_HEADER = re.compile(r"时间|日期|time|date", re.IGNORECASE)
