"""Turn one landed file into typed rows and rejected rows, outside the warehouse.

This is the slow half of loading, so it runs in worker processes; `loader.py` commits what it
returns, one transaction per file. The file is read twice over at most:

- the **vectorised path**: DuckDB (an in-memory database of the worker's own) splits the lines
  and types every cell whose form it knows (`sources/sql_forms.py`); the rows it cannot vouch for
  go through the Python parsers one by one. Taken when every line of the file is one plain CSV
  record, which is how the Taobao back office and ERPs write.
- the **Python path**: every record through the Python parsers. Taken for anything else (a
  quoted newline in a buyer's message, stray quotes), where only the csv module's reading of the
  file is trusted.

Both paths give the same rows, line numbers and rejection reasons (tests/ingestion/test_prepare.py
holds them to it). Output: Parquet files of typed, pseudonymised rows (with `_source_line`, and
`_raw_text` for the rows Python parsed) and a CSV of rejected rows (line, reason, raw text).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion.sources import (
    SUPPORTED_SUFFIXES,
    Part,
    detect_spec,
    is_document,
    read_document,
    sql_forms,
)
from ingestion.sources.csv_reading import (
    FIELD_LIMIT,
    BadLine,
    Record,
    clip_raw_text,
    sniff_problem,
    write_utf8_chunks,
)
from ingestion.sources.spec import (
    FileRejected,
    FileSpec,
    ParsedFile,
    Reject,
    parse_file,
    parse_records,
)
from ingestion.sources.sql_forms import REQUIRED_TEXT, TEXT
from ingestion.sources.values import phone_kind
from ingestion.vault import ContactVault, write_sealed_contacts

# Python's str.strip() whitespace, spelt for RE2 (whose \s is ASCII only).
_PY_SPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}"
    "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
)
# A plain line: fields that are "quoted" (quotes doubled inside), ="formula" or bare without
# quotes; no CR or NUL anywhere. Python's csv reads such a line as exactly one record.
_QUOTED = '"(?:[^"\\r\\n\\x00]|"")*"'
_FORMULA = '="[^",\\r\\n\\x00]*"'
_BARE = '[^,"\\r\\n\\x00]*'
_FIELD = f"(?:{_QUOTED}|{_FORMULA}|{_BARE})"
PLAIN_LINE = f"{_FIELD}(?:,{_FIELD})*"
# A simple line also has no comma inside a field, so splitting on commas finds its fields.
_SIMPLE_QUOTED = '"[^",\\r\\n\\x00]*"'
_SIMPLE_FIELD = f"(?:{_SIMPLE_QUOTED}|{_FORMULA}|{_BARE})"
SIMPLE_LINE = f"{_SIMPLE_FIELD}(?:,{_SIMPLE_FIELD})*"


# Exports have at most about 80 columns; a file of thousands (20,000 ran DuckDB's 1 GB out of
# memory) is read record by record instead.
MAX_VECTORISED_COLUMNS = 512
# A spooled row: its cells (up to FIELD_LIMIT characters each, 3 bytes apiece in Chinese) and
# its clipped raw text.
PYTHON_ROWS_MAX_LINE_BYTES = 64 << 20


@dataclass
class PreparedPart:
    """One export's rows: a CSV file, or one sheet or member of a document."""

    table: str | None  # the raw table; None for a sheet no family matches (rows quarantined)
    label: str | None = None  # sheet or member name; None for a CSV file
    spec_key: str | None = None  # the family (a FileSpec holds functions, which do not pickle)
    generation: str | None = None
    unknown_columns: str = ""
    rows: int = 0
    vectorised: bool = False  # typed in SQL rather than by the Python parsers
    # Parquet: stored columns, _source_line and _raw_text. The raw text of a row typed in SQL is
    # its line in the file; it is left out (NULL) and read back only if the row is quarantined.
    typed: list[Path] = field(default_factory=list)
    rejects: Path | None = None  # CSV: line, reason, raw text
    # CSV: line, column, reason, value kind, pseudonymised: optional cells loaded as NULL
    issues: Path | None = None
    # Parquet: the part's mobiles sealed for the contact vault (column, pseudonym, token), when
    # the load has a vault key
    contacts: Path | None = None


@dataclass
class PreparedFile:
    """A file parsed outside the database, ready for the loader's transaction."""

    path: Path
    name: str
    sha: str
    table: str | None  # the family (a FileSpec holds functions, which do not cross processes)
    rejection: str | None = None  # the reason the whole file cannot be loaded
    encoding: str | None = None
    parts: list[PreparedPart] = field(default_factory=list)
    vectorised: bool = False

    @property
    def rows_in_file(self) -> int:
        return sum(part.rows for part in self.parts)

    @property
    def typed(self) -> list[Path]:
        return [path for part in self.parts for path in part.typed]

    @property
    def rejects(self) -> Path | None:
        return self.parts[0].rejects if len(self.parts) == 1 else None

    @property
    def generation(self) -> str | None:
        labels = {part.generation for part in self.parts if part.generation}
        return ", ".join(sorted(labels)) or None

    @property
    def unknown_columns(self) -> str:
        return "; ".join(
            f"{part.label}: {part.unknown_columns}" if part.label else part.unknown_columns
            for part in self.parts
            if part.unknown_columns
        )


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer HMAC-SHA256 keys, so SQL can compute what hmac.new(key, …) does."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def pseudonymise(key: bytes, value: str | None) -> str | None:
    """HMAC-SHA256 keyed by FUGOU_PII_KEY: stable joins across sources, no way back without the key."""
    if value is None:
        return None
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def hmac_sql(value: str) -> str:
    return f"sha256($opad || unhex(sha256($ipad || encode({value}))))"


def prepare_file(
    path: Path,
    name: str,
    sha: str,
    pii_key: bytes,
    spool_dir: Path,
    threads: int = 1,
    vectorise: bool = True,
    vault_key: bytes | None = None,
) -> PreparedFile:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        reason = f"file rejected: unsupported file type {path.suffix!r}"
        if path.suffix.lower() == ".xls":
            reason += " (an Excel 97-2003 workbook: save it as .xlsx or CSV)"
        return PreparedFile(path, name, sha, None, rejection=reason)
    if is_document(path):
        return _prepare_document(path, name, sha, pii_key, spool_dir, threads, vectorise, vault_key)
    problem = sniff_problem(path)
    if problem is not None:
        return PreparedFile(path, name, sha, None, rejection=f"file rejected: {problem}")
    spec = detect_spec(path)
    if spec is None:
        reason = "file rejected: not a recognised export (no file-name prefix or header matched)"
        return PreparedFile(path, name, sha, None, rejection=reason)
    try:
        parsed = parse_file(spec, path)
    except FileRejected as exc:
        return PreparedFile(
            path, name, sha, spec.table, rejection=f"file rejected as {spec.table}: {exc}"
        )
    prepared = PreparedFile(path, name, sha, spec.table, encoding=parsed.encoding)
    part = _new_part(parsed, None, spool_dir / f"{sha}.rejects.csv")
    prepared.parts.append(part)
    with (
        _worker_db(spool_dir / sha, threads) as (con, work),
        _rejects_writer(part, spec, vault_key) as rejects,
    ):
        con.execute(f"create temp table _typed ({_typed_columns(spec)})")
        counted = None
        if vectorise and _vectorisable(parsed):
            counted = _type_in_duckdb(
                con, parsed, path, work, rejects, hmac_pads(pii_key), pii_key, part.typed
            )
            prepared.vectorised = counted is not None
        if counted is None:
            for written in part.typed:
                written.unlink()
            part.typed.clear()
            con.execute("delete from _typed")
            rejects.restart()
            # The vectorised path parses records one by one, never `parsed.items`.
            counted = _type_in_python(con, parsed, work, rejects, pii_key)
        part.rows = counted
        part.typed.append(spool_dir / f"{sha}.python.parquet")
        con.execute(f"copy _typed to '{part.typed[-1]}' (format parquet)")
    return prepared


def _new_part(parsed: ParsedFile, label: str | None, rejects: Path) -> PreparedPart:
    return PreparedPart(
        parsed.spec.table,
        label,
        spec_key=parsed.spec.key,
        generation=parsed.generation,
        unknown_columns=", ".join(parsed.unknown_columns),
        rejects=rejects,
        issues=rejects.with_name(rejects.name.replace(".rejects.", ".issues.")),
    )


def _prepare_document(
    path: Path,
    name: str,
    sha: str,
    pii_key: bytes,
    spool_dir: Path,
    threads: int,
    vectorise: bool = True,
    vault_key: bytes | None = None,
) -> PreparedFile:
    """A workbook or API dump, part by part, each to its own raw table.

    A worksheet is written out as CSV text (one row per line, at its Excel row number) and typed
    by the vectorised path like any export, unless a cell holds a line break; API dumps, which
    are pulled in small increments, go through the Python parsers.
    """
    try:
        parts = read_document(path)
    except FileRejected as exc:
        return PreparedFile(path, name, sha, None, rejection=f"file rejected: {exc}")
    prepared = PreparedFile(path, name, sha, None, encoding="utf-8")
    is_workbook = vectorise and path.suffix.lower() == ".xlsx"
    with _worker_db(spool_dir / sha, threads) as (con, work):
        try:
            if is_workbook:
                # Every sheet is written out before any is typed, so calamine's copy of a sheet
                # (1 GB for 540k rows) never sits beside what DuckDB keeps from typing the last.
                items = list(_spool_sheets(parts, work, spool_dir, sha))
            else:  # a dump streams its records straight into the Python parsers
                items = [(number, part, None) for number, part in enumerate(parts)]
            for number, part, sheet_csv in items:
                if isinstance(part, PreparedPart):  # an unrecognised sheet, quarantined already
                    prepared.parts.append(part)
                    continue
                if part.spec is None:
                    prepared.parts.append(_unrecognised_part(part, spool_dir, sha, number))
                    continue
                prepared.parts.append(
                    _prepare_part(
                        con, work, path, sha, number, part, sheet_csv, spool_dir, pii_key, vault_key
                    )
                )
                prepared.vectorised = prepared.vectorised or prepared.parts[-1].vectorised
        except FileRejected as exc:
            return PreparedFile(path, name, sha, None, rejection=f"file rejected: {exc}")
    tables = sorted({part.table for part in prepared.parts if part.table})
    prepared.table = ", ".join(tables) or None
    return prepared


def _spool_sheets(parts, work: Path, spool_dir: Path, sha: str):
    """(number, part, the sheet as CSV text) for each sheet, its records consumed on the way:
    holding them would take 3 GB of Python objects at 1.4M rows. The CSV is None where a cell
    holds a line break; that part's records are read again from the workbook when typed. A sheet
    no family matches comes as its finished PreparedPart (every row quarantined)."""
    for number, part in enumerate(parts):
        if part.spec is None:
            yield number, _unrecognised_part(part, spool_dir, sha, number), None
            continue
        sheet_csv = work / f"sheet{number}.csv"
        if _sheet_as_csv(part.records, sheet_csv):
            yield number, part, sheet_csv
        else:
            yield number, Part(part.label, part.spec, part.generation, None), None


def _prepare_part(con, work, path, sha, number, part, sheet_csv, spool_dir, pii_key, vault_key):
    """One sheet or dump member: typed in SQL from its CSV text where it can be, else by the
    Python parsers from its records (a sheet's read again from the workbook)."""
    if sheet_csv is not None:
        parsed = parse_file(part.spec, sheet_csv)
    else:
        if part.records is None:
            part = _reread_part(path, number)
        parsed = parse_records(part.spec, "utf-8", part.records)
    prepared_part = _new_part(parsed, part.label, spool_dir / f"{sha}.{number}.rejects.csv")
    if part.generation:
        prepared_part.generation = part.generation
    with _rejects_writer(prepared_part, parsed.spec, vault_key) as rejects:
        con.execute("drop table if exists _typed")
        con.execute(f"create temp table _typed ({_typed_columns(parsed.spec)})")
        counted = None
        if sheet_csv is not None and _vectorisable(parsed):
            counted = _type_in_duckdb(
                con,
                parsed,
                sheet_csv,
                work,
                rejects,
                hmac_pads(pii_key),
                pii_key,
                prepared_part.typed,
                output_prefix=f"{sha}.{number}",
                keep_raw_text=True,
            )
            prepared_part.vectorised = counted is not None
        if counted is None:
            if sheet_csv is not None:  # start over from the sheet's records
                for written in prepared_part.typed:
                    written.unlink()
                prepared_part.typed.clear()
                con.execute("delete from _typed")
                rejects.restart()
                part = _reread_part(path, number)
                parsed = parse_records(part.spec, "utf-8", part.records)
            counted = _type_in_python(con, parsed, work, rejects, pii_key)
        prepared_part.rows = counted
    prepared_part.typed.append(spool_dir / f"{sha}.{number}.python.parquet")
    con.execute(f"copy _typed to '{prepared_part.typed[-1]}' (format parquet)")
    con.execute("drop table _typed")
    return prepared_part


def _sheet_as_csv(records: Iterator[Record], target: Path) -> bool:
    """Each row on the line of its Excel row number (blank lines between), as its raw text.
    False when a cell holds a line break: that row's text spans lines, so the file's line
    numbers would no longer be the sheet's row numbers."""
    one_line_each = True
    with target.open("w", encoding="utf-8", newline="") as out:
        line = 1
        for record in records:
            if one_line_each and any("\n" in f or "\r" in f for f in record.fields):
                one_line_each = False
            out.write("\n" * (record.line - line))
            out.write(record.text + "\n")
            line = record.line + 1
    return one_line_each


def _reread_part(path: Path, number: int):
    """Part `number` of a document, read again from the file (its records were consumed)."""
    return next(itertools.islice(read_document(path), number, None))


def _unrecognised_part(part, spool_dir: Path, sha: str, number: int) -> PreparedPart:
    """A sheet no family matches, or a dump's unreadable lines: every row is quarantined (with
    its own reason where it has one), so nothing in the file is lost."""
    prepared = PreparedPart(None, part.label, rejects=spool_dir / f"{sha}.{number}.rejects.csv")
    reason = f"sheet {part.label!r} is not a recognised export (no sheet name or header matched)"
    with prepared.rejects.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        for record in part.records:
            why = record.reason if isinstance(record, BadLine) else reason
            writer.writerow([record.line, why, clip_raw_text(record.text)])
            prepared.rows += 1
    return prepared


@contextlib.contextmanager
def _worker_db(work: Path, threads: int):
    """The worker's own in-memory DuckDB, spilling to (and cleaning up) `work`."""
    work.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={
            "threads": threads,
            "memory_limit": "1GB",
            "temp_directory": str(work),
            "preserve_insertion_order": True,
            "autoload_known_extensions": False,
            "autoinstall_known_extensions": False,
        }
    )
    try:
        yield con, work
    finally:
        con.close()
        for leftover in work.glob("*"):
            leftover.unlink()
        work.rmdir()


class _RejectsOut:
    """csv.writers over the rejects and field-issue spools that can start over (when the
    vectorised path gives up)."""

    def __init__(self, handle, issues_handle, mobile_columns: tuple[str, ...] = ()) -> None:
        self.handles = (handle, issues_handle)
        self.writer = csv.writer(handle)
        self.issues = csv.writer(issues_handle)
        # the contact vault's mobiles, {column: {pseudonym: number}}, in memory only
        self.mobile_columns = mobile_columns
        self.mobiles: dict[str, dict[str, str]] = {}

    def add_mobiles(self, column: str, pairs) -> None:
        self.mobiles.setdefault(column, {}).update(pairs)

    def writerow(self, row) -> None:
        line, reason, text = row
        self.writer.writerow([line, reason, clip_raw_text(text or "")])

    def write_issues(self, line: int, issues) -> None:
        for issue in issues:
            self.issues.writerow(
                [line, issue.column, issue.reason, issue.value_kind, issue.pseudonymised]
            )

    def restart(self) -> None:
        for handle in self.handles:
            handle.seek(0)
            handle.truncate()
        self.mobiles.clear()


@contextlib.contextmanager
def _rejects_writer(part: PreparedPart, spec: FileSpec, vault_key: bytes | None = None):
    """The part's side outputs: rejected rows, nulled cells and, with a vault key, its mobiles,
    sealed into `part.contacts` once the part is typed."""
    columns = spec.contact_columns if vault_key else ()
    with (
        part.rejects.open("w", newline="", encoding="utf-8") as handle,
        part.issues.open("w", newline="", encoding="utf-8") as issues,
    ):
        out = _RejectsOut(handle, issues, columns)
        yield out
    if out.mobiles:
        part.contacts = write_sealed_contacts(
            ContactVault(vault_key),
            out.mobiles,
            part.rejects.with_name(part.rejects.name.replace(".rejects.csv", ".contacts.parquet")),
        )


def _typed_columns(spec: FileSpec) -> str:
    stored = spec.stored_columns() + [("_source_line", "INTEGER"), ("_raw_text", "VARCHAR")]
    return ", ".join(f"{name} {sql_type}" for name, sql_type in stored)


def _vectorisable(parsed: ParsedFile) -> bool:
    """Every column and derived value has a SQL form, and some required column has a typed one.

    The typed key matters: a header pasted again mid-file never passes a typed guard (an order
    id must be digits), so the Python parser sees it and says so; all-text specs stay in Python.
    """
    spec = parsed.spec
    record = parsed.header_record
    if record is None or "\n" in record.text:
        return False
    if len(parsed.header) > MAX_VECTORISED_COLUMNS:  # every line split whole: memory per column
        return False
    if any(c.sql_form is None for c in spec.columns) or any(d.sql is None for d in spec.derived):
        return False
    return any(
        c.required and c.sql_form not in (TEXT, REQUIRED_TEXT) and c.name in parsed.positions
        for c in spec.columns
    )


def extra_json(names: list[str], cells: list[str]) -> str:
    """The new columns of a file as one JSON object per row ({"header": "cell"}, empty = null);
    NULL for a file without new columns. Both loader paths build it with this same SQL."""
    if not names:
        return "cast(null as varchar)"
    pairs = ", ".join(
        f"'{_printable(name).replace(chr(39), chr(39) * 2)}', nullif({cell}, '')"
        for name, cell in zip(names, cells, strict=True)
    )
    return f"cast(json_object({pairs}) as varchar)"


def _printable(name: str) -> str:
    """A header as a SQL literal can hold it: control characters (a NUL from a broken dump ends
    DuckDB's string literal) written as \\uXXXX."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in name)


def _unquote(field: str) -> str:
    return f"case when {field}[1] = '\"' then {field}[2:-2] else {field} end"


def _type_in_duckdb(
    con,
    parsed: ParsedFile,
    path: Path,
    work: Path,
    rejects,
    pads,
    pii_key,
    outputs: list[Path],
    output_prefix: str | None = None,
    keep_raw_text: bool = False,
):
    """Rows typed in SQL where every cell has a known form; the others through Python.

    Returns the number of records, or None when some line is not a plain one-line record (the
    file then goes the Python way as a whole).
    """
    spec, header = parsed.spec, parsed.header
    width = len(header)
    header_line = parsed.header_record.line
    chunks, bad_lines = write_utf8_chunks(path, parsed.encoding, work)
    cells = {c.name: f"c_{c.name}" for c in spec.columns if c.name in parsed.positions}
    picks = ", ".join(
        [
            f"{_unquote(f'f[{parsed.positions[name] + 1}]')} as {cell}"
            for name, cell in cells.items()
        ]
        + [f"{_unquote(f'f[{i + 1}]')} as x{n}" for n, i in enumerate(parsed.extra_positions)]
    )
    extra = extra_json(
        parsed.unknown_columns, [f"x{n}" for n in range(len(parsed.unknown_columns))]
    )
    present = [c for c in spec.columns if c.name in cells]
    values = ", ".join(f"{c.sql_form.value_for(cells[c.name])} as v_{c.name}" for c in present)
    guards = " and ".join(
        c.sql_form.guard_for(cells[c.name], f"v_{c.name}", c.required) for c in present
    )
    trailing = _unquote(f"f[{width + 1}]")
    fits = f"len(f) = {width}"
    if spec.tolerate_trailing_empty_field:
        fits += f" or (len(f) = {width + 1} and regexp_full_match({trailing}, '[{_PY_SPACE}]*'))"
    records = 0
    # Each step is its own statement: DuckDB ran the same work as one nested query 2-3x slower.
    for chunk in chunks:
        con.execute(
            f"""
            create or replace temp table _raw_lines as
            select
                unnest(range({chunk.first_line}, {chunk.first_line} + len(parts))) as line,
                unnest(parts) as raw
            from (select string_split(content, chr(10)) as parts from read_text($chunk))
            """,
            {"chunk": str(chunk.path)},
        )
        # A lone CR ends a line for the Python reader (csv_reading._lines), not for this split:
        # such a file goes the Python way whole, or its line numbers would disagree.
        (lone_cr,) = con.execute(
            "select count(*) from _raw_lines where contains(rtrim(raw, chr(13)), chr(13))"
        ).fetchone()
        if lone_cr:
            return None
        con.execute(
            f"""
            create or replace temp table _lines as
            select line, body, regexp_full_match(body, '{SIMPLE_LINE}') as simple
            from (  -- CRLF or LF; any other CR fails the plain-line test
                select line, case when suffix(raw, chr(13)) then left(raw, -1) else raw end as body
                from _raw_lines
                where line > {header_line} and raw not in ('', chr(13))
            )
            """
        )
        plain = (
            f"(simple or regexp_full_match(body, '{PLAIN_LINE}')) and strlen(body) < {FIELD_LIMIT}"
        )
        (not_plain,) = con.execute(f"select count(*) from _lines where not ({plain})").fetchone()
        if not_plain:
            return None
        con.execute(
            f"""
            create or replace temp table _picked as
            select line, body, {picks}
            from (select line, body, string_split(body, ',') as f from _lines where simple)
            where regexp_matches(body, '[^,"{_PY_SPACE}]')  -- not a blank record
              and ({fits})
            """
        )
        con.execute(f"create or replace temp table _cells as select *, {values} from _picked")
        con.execute(f"create or replace temp table _fast as select line from _cells where {guards}")
        prefix = output_prefix or work.name  # hex names only
        outputs.append(work.parent / f"{prefix}.{len(outputs)}.parquet")
        records += _copy_fast_rows(con, spec, set(cells), pads, outputs[-1], extra, keep_raw_text)
        for column in rejects.mobile_columns:
            if column in cells:
                rejects.add_mobiles(
                    column,
                    con.execute(
                        f"""
                        select distinct {hmac_sql(f"v_{column}")}, v_{column} from _cells
                        where line in (select line from _fast)
                          and {sql_forms.phone_kind(f"v_{column}")} = 'mobile'
                        """,
                        dict(zip(("ipad", "opad"), pads, strict=True)),
                    ).fetchall(),
                )
        slow = con.execute(
            """
            select line, body from _lines
            where line not in (select line from _fast)
            order by line
            """
        ).fetchall()
        records += _type_records(
            con,
            parsed,
            (Record(line, next(csv.reader([body])), body) for line, body in slow),
            work,
            rejects,
            pii_key,
        )
    for bad in bad_lines:
        rejects.writerow([bad.line, bad.reason, bad.text])
    return records + len(bad_lines)


def _copy_fast_rows(
    con, spec: FileSpec, present: set[str], pads, target: Path, extra: str, keep_raw_text: bool
) -> int:
    """The rows every guard vouches for, typed in SQL. Their raw text is the line in the file,
    read back if one is quarantined later; a sheet's CSV is gone by then, so it travels along."""
    parsed_sql = {c.name: f"v_{c.name}" if c.name in present else "null" for c in spec.columns}
    select = [
        f"{hmac_sql(parsed_sql[c.name]) if c.pii else parsed_sql[c.name]} as {c.stored_name}"
        for c in spec.columns
    ]
    select += [f"{d.sql(parsed_sql)} as {d.name}" for d in spec.derived]
    select.append(f"{extra} as _extra")
    raw_text = "body" if keep_raw_text else "null::varchar"
    sql = f"""
        copy (
            select {", ".join(select)}, line as _source_line, {raw_text} as _raw_text
            from _cells where line in (select line from _fast)
        ) to '{target}' (format parquet)
    """
    params = dict(zip(("ipad", "opad"), pads, strict=True)) if "$ipad" in sql else {}
    (inserted,) = con.execute(sql, params).fetchone()
    return inserted


def _type_in_python(con, parsed: ParsedFile, work: Path, rejects, pii_key: bytes) -> int:
    """Every record through the Python parsers (leading undecodable lines included)."""
    return _spool_items(con, parsed, parsed.items, work, rejects, pii_key)


def _type_records(con, parsed: ParsedFile, records, work: Path, rejects, pii_key) -> int:
    """The rows the SQL forms could not vouch for, one by one through the Python parsers."""
    # A blank record is not a record (as read_records has it).
    kept = (r for r in records if any(field.strip() for field in r.fields))
    items = (parsed.parse_record(record) for record in kept)
    return _spool_items(con, parsed, items, work, rejects, pii_key)


def _spool_items(con, parsed: ParsedFile, items, work: Path, rejects, pii_key: bytes) -> int:
    """Parsed rows to `_typed` (through a CSV spool DuckDB reads), rejected ones to `rejects`."""
    spec = parsed.spec
    names = [c.name for c in spec.columns] + [d.name for d in spec.derived]
    counted = 0
    spool = work / "python_rows.csv"
    with spool.open("w", newline="", encoding="utf-8") as rows_out:
        rows = csv.writer(rows_out)
        for item in items:
            counted += 1
            if isinstance(item, Reject):
                rejects.writerow([item.line, item.reason, item.raw_text])
                continue
            if item.issues:
                rejects.write_issues(item.line, item.issues)
            values = item.values
            clear = {c: values[c] for c in rejects.mobile_columns}
            for column in spec.pii_columns:
                values[column] = pseudonymise(pii_key, values[column])
            for column, number in clear.items():
                if phone_kind(number) == "mobile":
                    rejects.add_mobiles(column, [(values[column], number)])
            rows.writerow([values[n] for n in names] + [item.line, item.raw_text, *item.extra])
    _read_python_rows(con, parsed, spool)
    return counted


def _read_python_rows(con, parsed: ParsedFile, spool: Path) -> None:
    """Python's parsers return None, never '', for an empty cell, so '' in the spool is NULL."""
    stored = [c for c in parsed.spec.stored_columns() if c[0] != "_extra"]
    columns = {f"c{i}": sql_type for i, (_, sql_type) in enumerate(stored)}
    columns |= {"c_line": "INTEGER", "c_raw": "VARCHAR"}
    columns |= {f"x{n}": "VARCHAR" for n in range(len(parsed.unknown_columns))}
    extra = extra_json(
        parsed.unknown_columns, [f"x{n}" for n in range(len(parsed.unknown_columns))]
    )
    select = ", ".join(f"c{i} as {name}" for i, (name, _) in enumerate(stored))
    select += f", {extra} as _extra"
    con.execute(
        f"""
        insert into _typed by name
        select {select}, c_line as _source_line, c_raw as _raw_text
        from read_csv(
            $spool, header = false, columns = {columns!r}, quote = '"', escape = '"',
            delim = ',', new_line = '\\r\\n', nullstr = '', auto_detect = false,
            max_line_size = {PYTHON_ROWS_MAX_LINE_BYTES}, buffer_size = {PYTHON_ROWS_MAX_LINE_BYTES}
        )
        """,
        {"spool": str(spool)},
    )
