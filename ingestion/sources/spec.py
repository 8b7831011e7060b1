"""Header-driven parsing shared by every CSV export family.

A `FileSpec` names the raw table a file feeds, its columns (each with the header aliases seen
across export generations and a cell parser), and which columns must be present. Parsing keys on
header names only, never on positions, so a new generation that moves or adds columns still loads.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingestion.sources import sql_forms
from ingestion.sources.csv_reading import BOM, BadLine, Record, detect_encoding, read_records
from ingestion.sources.sql_forms import FORMS, SqlForm
from ingestion.sources.values import (
    AlreadyPseudonymised,
    Unreadable,
    normalise_header,
    parse_optional_order_id,
    phone_kind,
    value_kind,
)


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    parse: Callable[[str], Any]
    sql_type: str = "VARCHAR"
    required: bool = False
    pii: bool = False  # pseudonymised by the loader before it is written; stored as <name>_hmac
    fast: SqlForm | None = None  # the SQL twin of `parse`, where it is not the one in FORMS
    # An unreadable value rejects the row only in a column the row cannot do without: a required
    # one, an id (a damaged sub-order id would merge lines), or one marked essential (an amount
    # or time the marts' money and states hang on). Anywhere else the value is nulled, the row
    # loads and the cell is logged as a FieldIssue.
    essential: bool = False

    @property
    def rejects_row(self) -> bool:
        return self.required or self.essential or self.parse is parse_optional_order_id

    @property
    def stored_name(self) -> str:
        return f"{self.name}_hmac" if self.pii else self.name

    @property
    def sql_form(self) -> SqlForm | None:
        return self.fast or FORMS.get(self.parse)


@dataclass(frozen=True)
class Derived:
    """A column computed from the parsed row (e.g. the kind of a phone, before it is hashed)."""

    name: str
    compute: Callable[[dict[str, Any]], Any]
    sql_type: str = "VARCHAR"
    # The same in SQL, given the SQL of each parsed (not yet pseudonymised) column by name.
    sql: Callable[[dict[str, str]], str] | None = None


def phone_kind_of(column: str) -> Derived:
    """`<column>_kind` (mobile, virtual or landline), taken before the phone is pseudonymised:
    identity links real mobiles only."""
    return Derived(
        f"{column}_kind",
        lambda values: phone_kind(values[column]),
        sql=lambda parsed: sql_forms.phone_kind(parsed[column]),
    )


@dataclass(frozen=True)
class FileSpec:
    table: str
    description: str
    columns: tuple[Column, ...]
    name_prefixes: tuple[str, ...] = ()
    generations: tuple[
        tuple[str, frozenset[str]], ...
    ] = ()  # (label, headers present), first match
    derived: tuple[Derived, ...] = ()
    # The id that must never carry two different amounts (compared where conflict_when_not_null is set).
    conflict_key: str | None = None
    conflict_value: str | None = None
    conflict_when_not_null: str = "_source_line"
    # The id Excel damages when it rounds to 15 significant digits (all ids end in 00).
    excel_damage_key: str | None = None
    tolerate_trailing_empty_field: bool = False
    # Headers of known export generations that are deliberately not loaded. Any other unmapped
    # column is new: its cells are kept, as JSON, in the `_extra` column, and the file is flagged.
    known_headers: tuple[str, ...] = ()
    # False for a family too plain to recognise by its header alone (发货报表's 订单编号 and
    # 收货人姓名 are in every 订单报表 too): it is matched by file name or sheet name only.
    detect_by_header: bool = True
    # Several families may feed one raw table (every ERP's orders → erp_order_lines): the name
    # tells them apart; by default it is the table's.
    name: str = ""
    # Its mobiles are the customers' own, kept sealed in the contact vault for SMS (False for a
    # list of numbers never to text)
    vaults_contacts: bool = True

    @property
    def key(self) -> str:
        return self.name or self.table

    @property
    def event_time(self) -> str | None:
        """The time a row happened (an order's creation, a refund's request): its first required
        timestamp column. The loader quarantines rows whose event time cannot be true."""
        return next(
            (c.name for c in self.columns if c.required and c.sql_type == "TIMESTAMP"), None
        )

    def stored_columns(self) -> list[tuple[str, str]]:
        cols = [(c.stored_name, c.sql_type) for c in self.columns]
        return cols + [(d.name, d.sql_type) for d in self.derived] + [("_extra", "VARCHAR")]

    @property
    def pii_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.pii)

    @property
    def contact_columns(self) -> tuple[str, ...]:
        """The phone columns whose mobiles go to the contact vault: those with a kind."""
        if not self.vaults_contacts:
            return ()
        kinds = {d.name for d in self.derived}
        return tuple(c for c in self.pii_columns if f"{c}_kind" in kinds)


@dataclass(frozen=True)
class FieldIssue:
    """An optional cell that could not be read and was loaded as NULL. No value is kept: the
    reason of a personal-data column is worded without it, and the kind says only its shape."""

    column: str  # the header as the file spells it
    reason: str
    value_kind: str
    pseudonymised: bool = False  # hashed by the exporter: expected, counted, not an error


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, Any]
    raw_text: str
    extra: tuple[str, ...] = ()  # the raw cells of the file's new columns, in header order
    issues: tuple[FieldIssue, ...] = ()


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str
    raw_text: str


class FileRejected(Exception):
    """The whole file cannot be loaded (e.g. a required column is missing)."""


@dataclass
class ParsedFile:
    spec: FileSpec
    encoding: str
    generation: str
    header: list[str]
    unknown_columns: list[str] = field(default_factory=list)  # new columns, kept in `_extra`
    items: Iterator[Row | Reject] = field(default_factory=lambda: iter(()))
    extra_positions: tuple[int, ...] = ()  # field index of each unknown column
    header_record: Record | None = None
    positions: dict[str, int] = field(default_factory=dict)  # column name -> field index
    parse_record: Callable[[Record], Row | Reject] | None = None


_EXPORT_STAMP = re.compile(r"(\d{12})")
# The widest real export has about 80 columns: a file far wider is refused whole (its rows kept
# in quarantine) rather than typed, which took minutes and DuckDB's whole memory at 20,000.
MAX_COLUMNS = 1000


def exported_at_from_name(path: Path) -> dt.datetime | None:
    """Taobao names exports ExportOrderList<yyyyMMddHHmm>.csv: the best clue to which copy is newest.
    A name with a span (`TopTradesIncrement<since>_<until>.jsonl`) was current at its end."""
    stamps = _EXPORT_STAMP.findall(path.stem)
    for stamp in reversed(stamps):
        try:
            return dt.datetime.strptime(stamp, "%Y%m%d%H%M")
        except ValueError:
            continue
    return None


def _map_header(spec: FileSpec, header: list[str]) -> tuple[dict[str, int], list[int]]:
    positions: dict[str, int] = {}
    normalised = [normalise_header(h) for h in header]
    known: set[int] = set()
    for column in spec.columns:
        for alias in column.aliases:
            key = normalise_header(alias)
            if key in normalised:
                positions[column.name] = normalised.index(key)
                known.add(positions[column.name])
                break
    # Known generations' unloaded columns, and a second alias of a column already mapped
    # (a TOP trade carries both tid and tid_str), are not new.
    aliases = (alias for column in spec.columns for alias in column.aliases)
    expected = {normalise_header(h) for h in (*spec.known_headers, *aliases)}
    unknown = [
        i
        for i in range(len(header))
        if i not in known and normalised[i] and normalised[i] not in expected
    ]
    return positions, unknown


def matches_header(spec: FileSpec, header: list[str]) -> bool:
    """A header that resolves every required column of `spec` and carries the fingerprint of one
    of its generations is taken to be of that type."""
    positions, _ = _map_header(spec, header)
    if not all(c.name in positions for c in spec.columns if c.required):
        return False
    normalised = {normalise_header(h) for h in header}
    return not spec.generations or any(marks <= normalised for _, marks in spec.generations)


def read_header(path: Path) -> tuple[str, list[str] | None]:
    """The first record, decoded by the file's first line alone (detection reads no further)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    first = head.split(b"\n", 1)[0]
    try:
        first.removeprefix(BOM).decode("utf-8")
        encoding = "utf-8-sig" if head.startswith(BOM) else "utf-8"
    except UnicodeDecodeError:  # GBK, perhaps behind a BOM that lies
        encoding = "gb18030"
    for item in read_records(path, encoding):
        if isinstance(item, Record):
            return encoding, item.fields
    return encoding, None


def parse_file(spec: FileSpec, path: Path) -> ParsedFile:
    """Parse one file. Raises FileRejected when the file as a whole cannot be read as `spec`."""
    encoding = detect_encoding(path)
    return parse_records(spec, encoding, read_records(path, encoding))


def parse_records(spec: FileSpec, encoding: str, records: Iterator[Record | BadLine]) -> ParsedFile:
    """Parse records whose first good one is the header: a CSV file, a worksheet, a JSON array."""
    records = iter(records)
    leading_bad: list[BadLine] = []
    header: list[str] | None = None
    header_record: Record | None = None
    for item in records:
        if isinstance(item, BadLine):
            leading_bad.append(item)
            continue
        header, header_record = item.fields, item
        break
    if header is None:
        raise FileRejected("the file has no header row (it is empty)")
    if len(header) > MAX_COLUMNS:
        raise FileRejected(
            f"the header has {len(header):,} columns; no export has more than {MAX_COLUMNS:,} "
            "(a broken or foreign file?)"
        )
    positions, unknown = _map_header(spec, header)
    missing = [c for c in spec.columns if c.required and c.name not in positions]
    if missing:
        names = ", ".join(f"{c.name} ({'/'.join(c.aliases[:2])})" for c in missing)
        raise FileRejected(f"required column missing: {names}")
    normalised = {normalise_header(h) for h in header}
    generation = next((g for g, marks in spec.generations if marks <= normalised), "unknown")

    header_norm = [normalise_header(h) for h in header]
    # Only the columns this file has are parsed; the rest are None in every row.
    plan = [
        (c.name, positions[c.name], c.parse, c.required, c.rejects_row, c.pii, {})
        for c in spec.columns
        if c.name in positions
    ]
    absent = {c.name: None for c in spec.columns if c.name not in positions}

    def parse_record(record: Record) -> Row | Reject:
        return _parse_record(spec, record, header, header_norm, plan, absent, tuple(unknown))

    def items() -> Iterator[Row | Reject]:
        for bad in leading_bad:
            yield Reject(bad.line, bad.reason, bad.text)
        for item in records:
            if isinstance(item, BadLine):
                yield Reject(item.line, item.reason, item.text)
                continue
            yield parse_record(item)

    return ParsedFile(
        spec,
        encoding,
        generation,
        header,
        [header[i].strip() for i in unknown],
        items(),
        extra_positions=tuple(unknown),
        header_record=header_record,
        positions=positions,
        parse_record=parse_record,
    )


# Parsers are pure, and most columns repeat a few values (states, shop, postage, flags), so each
# file remembers what a cell parsed to; capped so unique columns (ids, times) cannot grow it.
_MEMO_LIMIT = 20_000
_MISSING = object()


@dataclass(frozen=True)
class _Failure:
    message: str
    public: str  # without the value
    pseudonymised: bool = False


def _is_header(fields: list[str], header_norm: list[str]) -> bool:
    """A header pasted again mid-file (two exports concatenated) is not a data row."""
    return (
        len(fields) >= len(header_norm)
        and normalise_header(fields[0]) == header_norm[0]
        and [normalise_header(f) for f in fields[: len(header_norm)]] == header_norm
    )


def _parse_record(
    spec: FileSpec,
    record: Record,
    header: list[str],
    header_norm: list[str],
    plan: list[tuple[str, int, Any, bool, bool, bool, dict]],
    absent: dict[str, None],
    extra_positions: tuple[int, ...] = (),
) -> Row | Reject:
    fields = record.fields
    if (
        spec.tolerate_trailing_empty_field
        and len(fields) == len(header) + 1
        and not fields[-1].strip()
    ):
        fields = fields[:-1]
    if _is_header(fields, header_norm):
        return Reject(record.line, "header row repeated inside the file", record.text)
    if len(fields) != len(header):
        return Reject(
            record.line,
            f"expected {len(header)} fields, found {len(fields)} (truncated or shifted row)",
            record.text,
        )
    values: dict[str, Any] = dict(absent)
    issues: list[FieldIssue] = []
    for name, pos, parse, required, rejects_row, pii, memo in plan:
        cell = fields[pos]
        outcome = memo.get(cell, _MISSING)
        if outcome is _MISSING:
            try:
                outcome = parse(cell)
            except AlreadyPseudonymised as exc:
                outcome = _Failure(str(exc), exc.public, pseudonymised=True)
            except Unreadable as exc:
                outcome = _Failure(str(exc), exc.public)
            except ValueError as exc:
                outcome = _Failure(str(exc), "unreadable value")
            if len(memo) < _MEMO_LIMIT:
                memo[cell] = outcome
        if type(outcome) is _Failure:
            column = header[pos].strip()
            if rejects_row:
                return Reject(record.line, f"{column}: {outcome.message}", record.text)
            reason = outcome.public if pii else outcome.message
            issues.append(FieldIssue(column, reason, value_kind(cell), outcome.pseudonymised))
            outcome = None
        if required and outcome is None:
            return Reject(record.line, f"{name} is empty", record.text)
        values[name] = outcome
    for derived in spec.derived:
        values[derived.name] = derived.compute(values)
    extra = tuple(fields[i] for i in extra_positions)
    return Row(record.line, values, record.text, extra, tuple(issues))
