"""Reading corpora: CSV, TSV, JSONL, Parquet, a folder of .txt files or a folder of saved web pages.

``load_corpus`` returns the corpus table (doc_id, outlet, date, title, text, extra metadata) and a
:class:`LoadReport` that accounts for every input row: rows kept, rows skipped (empty text, broken JSON
lines, wrong field counts) and rows kept with a problem (unreadable date, duplicate id renamed,
undecodable bytes replaced, NUL bytes removed, HTML markup stripped). Nothing is dropped silently:
``report.n_read == len(corpus) + report.n_skipped``.

Row numbers: for CSV/TSV, the spreadsheet row (the header is row 1, the first record row 2); for JSONL,
the line number; for folders, the file name.

Dates are read by :mod:`analysis.text.dates`: value by value, never a reason to stop (an unreadable,
impossible, out-of-range or relative date becomes missing with an issue naming the row and value).
Numeric dates such as ``05/03/2024`` (also with ``.`` or ``-``, the year last) can be read day first
or month first. ``dayfirst`` decides; by default a column is read day first when one of its dates can
only be day first (``13/02/2024``), otherwise month first, and the report notes how many dates could
have been read either way. ISO dates (``2024-03-05``) and dates with month names are never affected.
:func:`analysis.scale.stream.iter_corpus_chunks` reads a file a chunk at a time with the same dates
and notes (:class:`DateColumns`).
"""
from __future__ import annotations

import codecs
import csv
import html
import html.parser
import io
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .arrowcsv import arrow_body
from .dates import (
    DateKinds,
    date_values,
    numeric_dates,
    read_dates,
    read_day_first,
    short_year_note,
)
from .loadreport import CorpusError, LoadIssue, LoadReport

__all__ = ["CORPUS_COLUMNS", "CorpusError", "LoadIssue", "LoadReport", "folder_kind", "from_texts", "load_corpus",
           "metadata_columns", "metadata_table"]

CORPUS_COLUMNS = ["doc_id", "outlet", "date", "title", "text"]
_TEXT_CANDIDATES = ["text", "body", "content", "article", "full_text", "story"]
_ID_CANDIDATES = ["doc_id", "id", "article_id", "docid", "filename", "file"]
_OUTLET_CANDIDATES = ["outlet", "publisher", "source", "media", "publication", "site", "sitename"]
DATE_CANDIDATES = ["date", "publication_date", "published", "pub_date", "datetime", "timestamp"]
_TITLE_CANDIDATES = ["title", "headline", "heading"]
_HTML_RE = re.compile(r"<\s*(html|body|div|p|script|span|a|br|article|head)\b[^>]*>", re.IGNORECASE)
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _missing(value) -> bool:
    """None or a float NaN (how pandas marks an absent cell in object columns)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _show_columns(columns) -> str:
    """Column names for a one-line message: odd names (newlines, NULs, empty) are shown quoted."""
    return ", ".join(str(c) if str(c).isprintable() and str(c).strip() else repr(str(c)) for c in columns)


def pick_column(columns, explicit, candidates, what, path, required=False):
    if explicit is not None:
        if explicit not in columns:
            raise CorpusError(
                f"{path}: no column {explicit!r} for {what} (columns are: {_show_columns(columns)})"
            )
        return explicit
    lower = {str(c).strip().lower(): c for c in columns}
    for cand in candidates:
        if cand in lower:
            return lower[cand]
    if required:
        raise CorpusError(
            f"{path}: no {what} column (looked for {', '.join(candidates)}; columns are: "
            f"{_show_columns(columns)}); name it with --{what}-col"
        )
    return None


def kept_columns(columns, explicit=()):
    """The test of :func:`load_corpus`'s ``columns``: a function ``name -> keep?``, or None for every
    column. A column a ``*_col`` argument names, or whose name is a synonym of a corpus column, is
    always kept (the choice of the text, id, outlet, date and title columns must not depend on it)."""
    if columns is None:
        return None
    wanted = {str(c) for c in columns} | {str(c) for c in explicit if c is not None}
    synonyms = set(CORPUS_COLUMNS) | set(_TEXT_CANDIDATES) | set(_ID_CANDIDATES) | set(_OUTLET_CANDIDATES) | set(
        DATE_CANDIDATES) | set(_TITLE_CANDIDATES)

    def keep(name) -> bool:
        return str(name).startswith("_") or str(name) in wanted or str(name).strip().lower() in synonyms

    return keep


def _decode(raw: bytes, path, encoding, report):
    """Decode bytes; undecodable bytes become U+FFFD and are reported by the caller per row."""
    if encoding:
        try:
            return raw.decode(encoding), False
        except (UnicodeDecodeError, LookupError) as exc:
            raise CorpusError(f"{path}: cannot decode as {encoding}: {exc}") from None
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):  # Excel's "Unicode text" is UTF-16 with a BOM
            try:
                text = raw.decode(name)
            except UnicodeDecodeError:
                break
            report.notes.append(f"file decoded as {name.upper()} (byte order mark)")
            return text, False
    try:
        return raw.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        text = raw.decode("utf-8-sig", errors="replace")
        report.notes.append(not_utf8_note([raw]))
        return text, True


def not_utf8_note(blocks) -> str:
    """The load-report note for a file that is not valid UTF-8, with a hint drawn from its bytes
    (``blocks``: the file's bytes in order, in one piece or several)."""
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    decodes, nul, size = True, 0, 0
    for block in blocks:
        nul += block.count(b"\x00")
        size += len(block)
        if decodes:
            try:
                cp1252.decode(block)
            except UnicodeDecodeError:
                decodes = False
    hint = "the file decodes as cp1252: pass --encoding cp1252" if decodes else "pass --encoding to choose the right one"
    if nul > size // 4:
        hint = "the file looks like UTF-16 without a byte order mark: pass --encoding utf-16-le or utf-16-be"
    return f"file is not valid UTF-8; undecodable bytes replaced with U+FFFD ({hint})"


def delimited_records(fh, path: Path, sep: str):
    """The header (first item), then ``(record number, fields)`` for every non-blank record of the open
    text file ``fh`` (record numbers are spreadsheet rows: the header is row 1); ``load_corpus`` and the
    streaming reader both read CSV/TSV through it."""
    reader = csv.reader(fh, delimiter=sep, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise CorpusError(f"{path}: the file is empty") from None
    except csv.Error as exc:
        raise CorpusError(f"{path}:1: malformed header: {exc}") from None
    header = [h.strip() for h in header]
    if not any(header) and len(header) <= 1:
        raise CorpusError(f"{path}: the file is empty")
    first_at: dict = {}
    for j, name in enumerate(header):  # a dict, not header[:j]: linear in the number of columns
        if name in first_at:
            raise CorpusError(
                f"{path}:1: duplicate column name {name!r} in the header (columns {first_at[name] + 1} "
                f"and {j + 1}); rename one of them"
            )
        first_at[name] = j
    yield header
    record = 1
    while True:
        first_line = reader.line_num + 1  # the physical line where this record starts
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CorpusError(
                f"{path}: line {first_line}: malformed CSV quoting ({exc}) in the record starting on this line"
            ) from None
        record += 1
        if fields:  # a blank line is not a record
            yield record, fields


# quoting that Python's strict csv reader refuses but pyarrow's reader would accept: a closing quote
# followed by text ('"x"y'; inside a quoted field quotes are doubled, so this never matches good text).
# It sends the file to the exact reader, which reports it. Known gap: a field that starts with an empty
# quoted string followed by text (',""x,') is refused by the exact reader and read by pyarrow.
def _unsafe_quotes(body: bytes, block: int = 1 << 20) -> bool:
    """True when a quote has neither a separator, a line break nor a quote on either side (vectorised:
    a regular expression with a look-behind took seconds on 60 MB). A megabyte at a time: one mask of
    the whole file was 60 MB of new memory for the benchmark corpus (0.16 s, mostly page faults)."""
    arr = np.frombuffer(body, dtype=np.uint8)
    n = len(arr)
    special = np.zeros(256, dtype=bool)
    special[[0x2C, 0x09, 0x0D, 0x0A, 0x22]] = True
    for a in range(0, n, block):
        q = np.flatnonzero(arr[a:a + block] == 0x22)
        if not len(q):
            continue
        q += a
        q = q[(q > 0) & (q < n - 1)]
        if len(q) and np.any(~special[arr[q - 1]] & ~special[arr[q + 1]]):
            return True
    return False
ARROW_MIN_BYTES = 1 << 20  # smaller files are read by the exact reader (pyarrow's start-up is not worth it)


def _read_delimited_arrow(path: Path, sep: str, encoding, report, raw: bytes, threads: bool = True, parsed=None):
    """CSV/TSV through pyarrow's multi-threaded reader, Arrow strings kept; None when the file needs the
    exact reader (not UTF-8, a byte order mark other than UTF-8's, a row with the wrong number of fields
    or a blank line, quoting the exact reader refuses, one column): that reader gives the same table
    for every other file, and the load report of those. ``parsed``: what a :class:`~analysis.text.arrowcsv.Prefetch`
    of ``raw`` made (``(threads, header, parse result)``), used when it is what would be made here."""
    from .arrowcsv import header_of, parse

    body = arrow_body(raw, encoding, ARROW_MIN_BYTES)
    if body is None or _unsafe_quotes(body):
        return None
    first = header_of(body, sep)
    if first is None:
        return None
    header = [h.strip() for h in first]
    if len(set(header)) != len(header) or len(set(first)) != len(first):
        return None  # the exact reader names the duplicate
    if parsed is not None and parsed[:2] == (threads, first):
        made = parsed[2]
    else:
        made = parse(body, sep, first, threads)
    if made is None:
        return None  # invalid UTF-8 and the like: the exact reader reports it
    table, invalid = made
    if invalid or table.num_columns != len(first) or table.column_names != first:
        return None
    if table.num_rows == 0:
        return None
    import pyarrow.compute as pc

    blank = None  # pyarrow reads a blank line as a row of empty cells; the exact reader skips it (and numbers it)
    for column in table.columns:
        empty = pc.equal(pc.utf8_length(column), 0)
        blank = empty if blank is None else pc.and_(blank, empty)
    if pc.any(blank).as_py():
        return None
    df = table.rename_columns(header).to_pandas(use_threads=threads)
    report.n_read += len(df)
    df["_row"] = np.arange(2, len(df) + 2)  # no blank line and no skipped row: record k is row k + 1
    return df


def _read_delimited(path: Path, sep: str, encoding, report, threads: bool = True, prefetch=None):
    raw, parsed = prefetch.take(path, sep) if prefetch is not None else (None, None)
    raw = path.read_bytes() if raw is None else raw
    fast = _read_delimited_arrow(path, sep, encoding, report, raw, threads, parsed)
    if fast is not None:
        return fast
    text, bad = _decode(raw, path, encoding, report)
    if not text.strip():
        raise CorpusError(f"{path}: the file is empty")
    records = delimited_records(io.StringIO(text, newline=""), path, sep)
    header = next(records)
    rows, numbers = [], []
    for record, fields in records:
        report.n_read += 1
        if len(fields) != len(header):
            report.add(path, record, f"{len(fields)} fields but the header has {len(header)}", "skipped",
                       "field_count")
            continue
        rows.append(fields)
        numbers.append(record)
    if not rows and report.n_read == 0:
        raise CorpusError(f"{path}: header only, no rows")
    df = pd.DataFrame(rows, columns=header, dtype=object)
    df["_row"] = numbers
    if bad:
        df["_undecodable"] = df.apply(lambda r: any("\ufffd" in str(v) for v in r.values), axis=1)
    return df


def jsonl_record(line: str, lineno: int, path, report) -> dict | None:
    """One JSONL line -> a record, or None with the reason in the load report (the row is counted)."""
    report.n_read += 1
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        report.add(path, lineno, f"invalid JSON ({exc.msg} at column {exc.colno})", "skipped", "invalid_json")
        return None
    except RecursionError:  # nested thousands deep: no article looks like that
        report.add(path, lineno, "JSON nested too deeply to read", "skipped", "json_too_deep")
        return None
    if not isinstance(obj, dict):
        report.add(path, lineno, f"a JSON {type(obj).__name__}, not an object", "skipped", "not_an_object")
        return None
    return _surrogates_replaced(obj, path, lineno, report) if "\\u" in line else obj


def _surrogates_replaced(obj, path, row, report):
    """``obj`` with the lone surrogates of its strings ("\\ud800" alone in the JSON: a string no file or
    table can hold) replaced by U+FFFD, and the row reported; ``obj`` itself when it has none; None (the
    row skipped and reported) when it is nested too deeply to rebuild."""
    if not _has_surrogate(obj):
        return obj
    try:
        fixed = _without_surrogates(obj)
    except RecursionError:
        report.add(path, row, "JSON nested too deeply to read", "skipped", "json_too_deep")
        return None
    report.add(path, row, "lone surrogate escapes (\\ud800-\\udfff) in JSON strings", "replaced with U+FFFD",
               "lone_surrogate")
    return fixed


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _has_surrogate(value) -> bool:
    """Whether a string, key or nested value of a parsed JSON value holds a lone surrogate (iterative: no
    recursion limit to meet on a deeply nested record)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATE_RE.search(v):
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _without_surrogates(value):
    """``value`` with every lone surrogate of its strings and keys replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value


def _read_jsonl_arrow(path: Path, encoding, report, raw: bytes, threads: bool = True, keep=None):
    """JSONL through pyarrow's multi-threaded JSON reader; None when the file needs the exact reader:
    not UTF-8, a ``.json`` file, or lines :func:`jsonl_block_frame` leaves to it."""
    if encoding not in (None, "utf-8", "utf8", "utf-8-sig") or len(raw) < ARROW_MIN_BYTES:
        return None
    if path.suffix.lower() == ".json":
        return None
    body = raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw
    return jsonl_block_frame(body, 1, report, threads=threads, keep=keep)


def jsonl_block_frame(body: bytes, first_line: int, report, lines: list | None = None,
                      threads: bool = True, keep=None) -> pd.DataFrame | None:
    """Whole JSONL lines (``body``: bytes, ``first_line`` the number of its first line) read by pyarrow's
    JSON reader into the table the exact reader (:func:`jsonl_record` line by line, then
    ``DataFrame.from_records``) makes of them, with ``_row``; None when they need that reader: a line that
    is blank or does not start with ``{``, an invalid line or one that is not an object, a key given twice,
    a key whose values mix text and numbers, nested values (objects or arrays), bytes that are not UTF-8.
    ISO dates, which pyarrow would turn into timestamps, are read as text. The rows are counted in
    ``report`` only when the table is returned. The streamed reader reads a chunk's lines through it,
    giving them as ``lines`` too (``body`` is their join), which saves two passes over the bytes."""
    cr = body.count(b"\r")  # the count of "\r\n" only when there is a "\r" (each search is a pass over the file)
    if lines is not None:
        n_lines = len(lines)
        odd = any(line[:1] != b"{" for line in lines)
    else:
        n_lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
        odd = not body.startswith(b"{") or body.count(b"\n{") != n_lines - 1
    if odd or (cr and cr != body.count(b"\r\n")):
        return None  # a blank or odd line: line numbers would not follow; a lone \r: the exact reader keeps it
    import pyarrow as pa
    import pyarrow.json as pj

    plain = {pa.string(), pa.large_string(), pa.int64(), pa.float64(), pa.bool_(), pa.null()}
    try:
        table = pj.read_json(pa.py_buffer(body), read_options=pj.ReadOptions(use_threads=threads, block_size=1 << 22))
        stamps = [f.name for f in table.schema if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)]
        if stamps:  # read again with those columns as text, as the exact reader gives them
            schema = pa.schema([pa.field(f.name, pa.string()) if f.name in stamps else f for f in table.schema])
            table = pj.read_json(pa.py_buffer(body), read_options=pj.ReadOptions(use_threads=threads, block_size=1 << 22),
                                 parse_options=pj.ParseOptions(explicit_schema=schema))
        if table.num_rows != n_lines or any(f.type not in plain for f in table.schema):
            return None
        table.validate(full=True)  # the reader copies bytes that are not UTF-8 into its strings unchecked
        if keep is not None:  # load_corpus(columns=...): the other columns never become pandas columns
            table = table.select([n for n in table.column_names if keep(n)])
        df = table.to_pandas(use_threads=threads)
    except (pa.ArrowInvalid, pa.ArrowException, ValueError):
        return None
    report.n_read += len(df)
    df["_row"] = np.arange(first_line, first_line + len(df))
    return df


def _read_jsonl(path: Path, encoding, report, threads: bool = True, keep=None):
    raw = path.read_bytes()
    fast = _read_jsonl_arrow(path, encoding, report, raw, threads, keep)
    if fast is not None:
        return fast
    text, _bad = _decode(raw, path, encoding, report)
    if not text.strip():
        raise CorpusError(f"{path}: the file is empty")
    records, numbers = [], []
    if path.suffix.lower() == ".json" and text.lstrip().startswith("["):
        array = _json_array(text, path, report)
        if array is not None:
            return array
    # split on \n only: str.splitlines() would also split inside JSON strings at U+2028, U+0085, \x1c ...
    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        obj = jsonl_record(line, lineno, path, report)
        if obj is not None:
            records.append(obj)
            numbers.append(lineno)
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    df["_row"] = numbers
    return df


def _json_array(text, path, report):
    """A ``.json`` file holding one array of objects; rows are numbered by array position (1-based)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None  # not one JSON document: read it line by line
    except RecursionError:
        raise CorpusError(f"{path}: the JSON array is nested too deeply to read (thousands of levels)") from None
    if not isinstance(data, list):
        return None
    records, numbers = [], []
    for i, obj in enumerate(data, 1):
        report.n_read += 1
        if not isinstance(obj, dict):
            report.add(path, i, f"array item is a JSON {type(obj).__name__}, not an object", "skipped",
                       "not_an_object")
            continue
        obj = _surrogates_replaced(obj, path, i, report)
        if obj is None:
            continue
        records.append(obj)
        numbers.append(i)
    report.notes.append("a JSON array: row numbers are positions in the array")
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    df["_row"] = numbers
    return df


def _read_parquet(path: Path, report, keep=None):
    import pyarrow

    try:
        if keep is None:
            df = pd.read_parquet(path)
        else:
            import pyarrow.parquet as pq

            schema = pq.read_schema(path)
            # a stored index (a column named in the pandas metadata; a RangeIndex is a dict there) comes back
            # with the columns asked for, as in a full read
            index = {c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)}
            df = pd.read_parquet(path, columns=[n for n in schema.names if keep(n) and n not in index] or None)
    except (OSError, ValueError, pyarrow.ArrowException) as exc:  # pyarrow's errors have several bases
        raise CorpusError(f"{path}: cannot read Parquet: {exc}") from None
    report.n_read += len(df)
    df = df.reset_index(drop=True)
    df["_row"] = range(1, len(df) + 1)
    return df


def txt_files(path: Path) -> list:
    """The ``.txt`` files of a folder, sorted by name (the order of the corpus)."""
    return sorted(p for p in path.iterdir() if p.suffix.lower() == ".txt" and p.is_file())


def read_txt_files(files, encoding, report):
    """One record per ``.txt`` file (doc_id from the file name); reused by chunked reading."""
    records = []
    for f in files:
        report.n_read += 1
        text, bad = _decode(f.read_bytes(), f, encoding, report)
        rec = {"doc_id": f.stem, "text": text, "_row": f.name}
        if bad:
            rec["_undecodable"] = True
        records.append(rec)
    columns = ["doc_id", "text", "_row"] + (["_undecodable"] if any("_undecodable" in r for r in records) else [])
    df = pd.DataFrame.from_records(records, columns=columns)
    if "_undecodable" in df.columns:
        df["_undecodable"] = df["_undecodable"].fillna(False).astype(bool)
    return df


_METADATA_NAMES = ("metadata.csv", "metadata.tsv")


def _show_names(names, limit: int = 10) -> str:
    names = list(names)
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _other_files_note(path: Path, suffixes, report):
    """Note the files of a corpus folder that are not read (neither documents nor its metadata file)."""
    others = sorted(p.name for p in path.iterdir()
                    if p.suffix.lower() not in suffixes and p.name not in _METADATA_NAMES and not p.name.startswith("."))
    if others:
        kinds = "/".join(suffixes)
        report.notes.append(f"{len(others)} entries of the folder are not {kinds} files and were not read: "
                            f"{_show_names(others)}")


def txt_metadata(path: Path, encoding, report, stems):
    """The folder's ``metadata.csv``/``.tsv`` keyed by ``doc_id`` (None when absent); notes go to ``report``.

    A ``doc_id`` listed twice is refused (joining it would score its file twice)."""
    _other_files_note(path, (".txt",), report)
    meta_path = next((path / n for n in _METADATA_NAMES if (path / n).is_file()), None)
    if meta_path is None:
        return None
    meta_report = LoadReport(str(meta_path))
    meta = _read_delimited(meta_path, "\t" if meta_path.suffix == ".tsv" else ",", encoding, meta_report)
    if meta_report.issues:
        first = meta_report.issues[0]
        raise CorpusError(f"{meta_path}:{first.row}: {first.problem} (a metadata row that cannot be read would "
                          "leave its document without metadata)")
    key = pick_column(meta.columns, None, _ID_CANDIDATES, "id", meta_path, required=True)
    meta = meta.rename(columns={key: "doc_id"})
    meta["doc_id"] = meta["doc_id"].astype(str).str.strip().str.replace(r"\.txt$", "", regex=True)
    twice = meta["doc_id"].duplicated(keep=False)
    if twice.any():
        dup = meta.loc[twice, "doc_id"].iloc[0]
        rows = meta.loc[meta["doc_id"] == dup, "_row"].tolist()
        raise CorpusError(f"{meta_path}:{rows[1]}: doc_id {dup!r} is listed more than once (rows "
                          f"{', '.join(map(str, rows))}; {int(twice.sum())} rows in all share an id); keep one row "
                          "per .txt file")
    meta = meta.drop(columns=["_row"])
    unknown = sorted(set(meta["doc_id"]) - set(stems))
    if unknown:
        report.notes.append(f"{meta_path.name}: {len(unknown)} rows name no .txt file (e.g. {unknown[0]!r})")
    report.notes.append(f"metadata joined from {meta_path.name}")
    return meta.drop(columns=[c for c in ("text",) if c in meta.columns])


def join_txt_metadata(df, meta):
    return df if meta is None else df.merge(meta, on="doc_id", how="left")


def _read_txt_folder(path: Path, encoding, report):
    files = txt_files(path)
    df = read_txt_files(files, encoding, report)
    meta = txt_metadata(path, encoding, report, df["doc_id"])
    return join_txt_metadata(df, meta)


def _read_html_folder(path: Path, report):
    import trafilatura

    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".html", ".htm") and p.is_file())
    _other_files_note(path, (".html", ".htm"), report)
    records = []
    for f in files:
        report.n_read += 1
        raw = f.read_bytes()
        doc = trafilatura.bare_extraction(raw.decode("utf-8", errors="replace"), with_metadata=True)
        if doc is None:
            report.add(f, f.name, "no main text found by trafilatura", "skipped", "html_no_text")
            continue
        records.append(
            {"doc_id": f.stem, "text": _field(doc, "text"), "title": _field(doc, "title"),
             "date": _field(doc, "date"), "outlet": _field(doc, "sitename") or _field(doc, "hostname"),
             "_row": f.name}
        )
    report.notes.append("main text, title, date and site extracted with trafilatura")
    return pd.DataFrame.from_records(records, columns=["doc_id", "text", "title", "date", "outlet", "_row"])


def _field(doc, key: str) -> str:
    """A field of trafilatura's result (a dict in old versions, a Document object in new ones); "" if absent."""
    value = doc.get(key) if isinstance(doc, dict) else getattr(doc, key, None)
    return value or ""


class _TextOnly(html.parser.HTMLParser):
    """Visible text of an HTML fragment: tags dropped, script/style/template content dropped."""

    _HIDDEN = frozenset({"script", "style", "template", "noscript", "head", "title", "iframe", "object"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr", "article", "section"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def _html_to_text(text: str) -> str:
    """Fallback markup stripping (standard library only) for HTML too short for trafilatura.

    >>> _html_to_text("<p>It <b>may</b> rain.</p><script>alert(1)</script>")
    'It may rain.'
    """
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    out = "".join(parser.parts)
    out = re.sub(r"[ \t]+", " ", out)
    return re.sub(r"\s*\n\s*", "\n", out).strip()


def _strip_html(text: str) -> str:
    import trafilatura

    out = trafilatura.extract(text, include_comments=False, include_tables=False, favor_recall=True)
    return out or ""


def load_corpus(
    path,
    *,
    text_col: str | None = None,
    id_col: str | None = None,
    outlet_col: str | None = None,
    date_col: str | None = None,
    title_col: str | None = None,
    encoding: str | None = None,
    fmt: str | None = None,
    dayfirst: bool | None = None,
    split: str | None = None,
    threads: bool = True,
    prefetch=None,
    columns=None,
):
    """Load a corpus and account for every row.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.tsv``, ``.jsonl``/``.ndjson`` or ``.parquet`` file, one ``.txt`` file (one
        document), a folder of ``.txt`` files
        (with an optional ``metadata.csv`` whose id column names the files), a folder of saved web pages
        (``.html``), or PolNeAR as published: its root (``metadata.tsv`` with ``train/``, ``dev/``,
        ``test/``), one split folder or that folder's ``text/`` (see
        :func:`analysis.text.polnear.load_polnear_articles`).
    text_col, id_col, outlet_col, date_col, title_col : str, optional
        Column names when they differ from the defaults (``text``, ``doc_id``, ``outlet``, ``date``,
        ``title`` and common synonyms such as ``body``, ``publisher``, ``headline``).
    encoding : str, optional
        Text encoding; by default UTF-8 (a BOM is accepted) and undecodable bytes are reported per row.
    fmt : str, optional
        Force a format: ``csv``, ``tsv``, ``jsonl``, ``parquet``, ``txt``, ``html``.
    dayfirst : bool, optional
        How to read numeric dates whose two first numbers are both 12 or less (``05/03/2024``): ``True``
        day first (5 March), ``False`` month first (3 May). By default (``None``) the date column
        decides: day first when some date in it can only be day first (first number above 12, as in
        ``13/02/2024``), otherwise month first; the report notes the choice, and when nothing in the
        column decides, how many dates were ambiguous, with example rows. Dates that can be read only
        one way are always read that way; ISO dates (``2024-03-05``) and dates with month names are
        never affected.
    split : str, optional
        PolNeAR only: the split to read from the root (``train``, ``dev``, ``test``, any split folder
        present, or ``all``); by default the root gives every split and a split folder (or its
        ``text/``) gives itself, with the metadata of ``metadata.tsv`` in both cases.
    threads : bool, default True
        Let pyarrow's CSV and JSONL readers parse on several threads (``score --jobs 1`` reads on one:
        ``--jobs`` says how many cores the command works on). The table is the same either way.
    prefetch : analysis.text.arrowcsv.Prefetch, optional
        The file already read (and parsed by pyarrow) on a thread, for a CSV or TSV file: used when it
        is this file, read as it would be read here; the table and the report are the same.
    columns : collection of str, optional
        The extra columns to keep (default: every one). The columns that can be the text, id, outlet,
        date or title (the ``*_col`` arguments and their synonyms) are read whatever it says, so the
        table's other columns and the report are those of a full read; an extra column not listed is
        left out, and a JSONL file's as soon as pyarrow has parsed it, a Parquet file's not read at all
        (``compare`` reads only the columns its steps use: a scraped ``html`` column can be larger than
        the texts).

    Returns
    -------
    corpus : pandas.DataFrame
        ``doc_id, outlet, date, title, text`` and any other columns of the source.
    report : LoadReport

    Examples
    --------
    >>> from analysis.paths import SAMPLE_CORPUS
    >>> corpus, report = load_corpus(SAMPLE_CORPUS)
    >>> list(corpus.columns[:5]), report.n_read == len(corpus) + report.n_skipped
    (['doc_id', 'outlet', 'date', 'title', 'text'], True)
    """
    path = Path(path)
    if dayfirst is not None and not isinstance(dayfirst, bool):
        raise ValueError(f"dayfirst must be True, False or None (the date column decides), got {dayfirst!r}")
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder")
    report = LoadReport(str(path))
    keep = kept_columns(columns, (text_col, id_col, outlet_col, date_col, title_col))
    kind = fmt or ("dir" if path.is_dir() else path.suffix.lower().lstrip("."))
    if split is not None and kind not in ("dir", "polnear"):
        raise CorpusError(f"{path}: split={split!r} is for a PolNeAR folder (metadata.tsv and train/, dev/, test/)")
    if kind == "dir":
        kind = folder_kind(path)
    if kind == "polnear":
        df = _read_polnear(path, split, report)
    elif kind == "csv":
        df = _read_delimited(path, ",", encoding, report, threads, prefetch)
    elif kind in ("txt", "text") and path.is_file():
        report.n_read = 1
        text, bad = _decode(path.read_bytes(), path, encoding, report)
        df = pd.DataFrame({"doc_id": [path.stem], "text": [text], "_row": [path.name]})
        if bad:
            df["_undecodable"] = True
    elif kind in ("tsv", "tab"):
        df = _read_delimited(path, "\t", encoding, report, threads, prefetch)
    elif kind in ("jsonl", "ndjson", "json"):
        df = _read_jsonl(path, encoding, report, threads, keep)
    elif kind in ("parquet", "pq"):
        df = _read_parquet(path, report, keep)
    elif kind == "txt":
        df = _read_txt_folder(path, encoding, report)
    elif kind in ("html", "htm"):
        df = _read_html_folder(path, report) if path.is_dir() else _read_html_folder_single(path, report)
    else:
        raise CorpusError(f"{path}: unknown corpus format {kind!r} (use csv, tsv, jsonl, parquet, txt or html)")
    out = normalise_rows(df, path, report, text_col, id_col, outlet_col, date_col, title_col, dayfirst=dayfirst,
                         keep_column=keep)
    del df
    _give_back_free_memory()
    return out


def _give_back_free_memory():
    """Return the free pages of the C heap to the system (glibc's ``malloc_trim``; nothing elsewhere):
    reading leaves hundreds of MB of freed work buffers and Python strings there (a 230 MB JSONL
    corpus: 965 MB resident after load_corpus, 337 MB after the trim)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        pass


def folder_kind(path: Path) -> str:
    """``polnear``, ``html`` or ``txt`` for a folder given as the corpus."""
    from .polnear import polnear_root

    if polnear_root(path) is not None:
        return "polnear"
    txt, pages = [], []
    for p in path.iterdir():
        suffix = p.suffix.lower()
        if suffix == ".txt":
            txt.append(p.name)
        elif suffix in (".html", ".htm"):
            pages.append(p.name)
    if txt and pages:  # reading one kind would silently leave the other out
        raise CorpusError(
            f"{path}: the folder holds {len(txt)} .txt files ({_show_names(sorted(txt), 3)}) and {len(pages)} web "
            f"pages ({_show_names(sorted(pages), 3)}); put each kind in its own folder, or choose with "
            "--input-format txt or html (fmt= in Python; the other files are then listed as not read)")
    return "html" if pages else "txt"


def _read_polnear(path: Path, split, report):
    """PolNeAR as published: from its root (every split, or ``split``), a split folder or its ``text/``."""
    from .polnear import load_polnear_articles, polnear_root

    found = polnear_root(path)
    if found is None:
        raise CorpusError(f"{path}: not a PolNeAR folder (metadata.tsv beside train/, dev/, test/ with text/ inside)")
    root, inside = found
    if inside is not None and split not in (None, inside):
        raise CorpusError(f"{path}: this is the {inside!r} split; split={split!r} asks for another (give the root)")
    chosen = inside or split
    try:
        df = load_polnear_articles(root, chosen, parse_dates=False)
    except (FileNotFoundError, ValueError) as exc:
        raise CorpusError(str(exc)) from None
    report.n_read = len(df)
    df["_row"] = df["doc_id"]
    splits = ", ".join(dict.fromkeys(df["split"])) or "none"
    report.notes.append("PolNeAR layout: articles from <split>/text/ with the root's metadata.tsv "
                        f"(splits read: {splits})")
    return df


def _read_html_folder_single(path: Path, report):
    raise CorpusError(f"{path}: give the folder that holds the .html files, not one file")


def normalise_rows(df, path, report, text_col, id_col, outlet_col, date_col, title_col, ids=None,
               dayfirst=None, dates=None, keep_column=None):
    """Map columns, clean texts and account for every row of ``df`` (one file, or one chunk of it).

    ``ids`` carries duplicate-id state between chunks (``{"seen": {}, "counts": {}}``); by default the
    table is taken as the whole corpus. ``dayfirst`` is as for :func:`load_corpus`. A reader that sees
    one chunk at a time passes ``dates`` (a :class:`DateColumns`), which says how each date column is
    read (decided beforehand for the whole column) and collects what its notes need; the notes are
    then written once, by ``dates.report``, when the last chunk has been read.
    """
    if len(df) == 0 and report.n_read == 0:
        raise CorpusError(f"{path}: no documents found")
    columns = [c for c in df.columns if not str(c).startswith("_")]
    if len(df) == 0:
        empty = pd.DataFrame(columns=CORPUS_COLUMNS)
        report.n_loaded = 0
        return empty, report
    tcol = pick_column(columns, text_col, _TEXT_CANDIDATES, "text", path, required=True)
    icol = pick_column(columns, id_col, _ID_CANDIDATES, "id", path)
    ocol = pick_column(columns, outlet_col, _OUTLET_CANDIDATES, "outlet", path)
    dcol = pick_column(columns, date_col, DATE_CANDIDATES, "date", path)
    hcol = pick_column(columns, title_col, _TITLE_CANDIDATES, "title", path)
    out = pd.DataFrame(index=df.index)
    rows = df["_row"]
    if icol is None:
        stem = path.stem if path.is_file() else path.name
        out["doc_id"] = [f"{stem}:{r}" for r in rows]
        report.notes.append(f"no id column: doc_id derived from file name and row ({stem}:<row>)")
    else:
        out["doc_id"] = _as_text(df[icol], "id", icol, report).str.strip()
        missing = out["doc_id"] == ""
        for i in out.index[missing]:
            out.at[i, "doc_id"] = f"{path.stem}:{rows[i]}"
            report.add(path, rows[i], "empty doc_id", f"derived as {out.at[i, 'doc_id']!r}", "id_empty")
    if ocol is None:
        out["outlet"] = "unknown"
        report.notes.append("no outlet column: outlet set to 'unknown'")
    else:
        outlet = _as_text(df[ocol], "outlet", ocol, report).str.strip()
        empty = outlet == ""
        out["outlet"] = outlet.mask(empty, "unknown")
        for i in out.index[empty.to_numpy()]:  # kept, and said: a row of no outlet is grouped as 'unknown'
            report.add(path, rows[i], "empty outlet", "outlet set to 'unknown'", "outlet_empty")
    if dcol is None:
        out["date"] = pd.NaT
        report.notes.append("no date column: dates unknown")
    else:
        out["date"] = _parse_dates(df[dcol], rows, path, report, column=dcol, dayfirst=dayfirst, dates=dates)
    out["title"] = _as_text(df[hcol], "title", hcol, report) if hcol is not None else ""
    text_values = _as_text(df[tcol], "text", tcol, report, keep_containers=True)
    undecodable = (df["_undecodable"].to_numpy(dtype=bool) if "_undecodable" in df.columns
                   else np.zeros(len(df), dtype=bool))
    look = _cells_to_clean(text_values, undecodable)
    if look is None:
        values = text_values.to_numpy(dtype=object)
        keep, changes = _clean_texts(values, rows.to_numpy(dtype=object), undecodable, path, report)
    else:  # Arrow text: only the cells the rules may change become Python strings
        values = None
        sub_keep, sub_changes = _clean_texts(_cells_at(text_values, look),
                                             rows.to_numpy(dtype=object)[look], undecodable[look], path, report)
        keep = np.ones(len(text_values), dtype=bool)
        keep[look] = sub_keep
        changes = {int(look[p]): text for p, text in sub_changes.items()}
    out["text"] = _with_rows_replaced(text_values, changes, values)
    used = {tcol, icol, ocol, dcol, hcol, *CORPUS_COLUMNS}
    extra = [c for c in columns if c not in used and (keep_column is None or keep_column(c))]  # kept_columns
    if extra:  # all at once: one column at a time is quadratic (94 s for 5,000 columns)
        out = pd.concat([out, df[extra]], axis=1)
    out["_row"] = rows
    # every row kept (the usual case): no filtering copy of the texts
    out = out.reset_index(drop=True) if keep.all() else out[keep].reset_index(drop=True)
    # duplicate ids: keep the row, rename it, report it
    ids = ids if ids is not None else {}
    seen: dict[str, object] = ids.setdefault("seen", {})
    counts: dict[str, int] = ids.setdefault("counts", {})
    doc_ids = out["doc_id"].to_numpy(dtype=object).copy()
    renamed = False
    for pos, (doc_id, row) in enumerate(zip(doc_ids, out["_row"].to_numpy(dtype=object))):
        if doc_id in seen:
            counts[doc_id] = counts.get(doc_id, 1) + 1
            new = f"{doc_id}#{counts[doc_id]}"
            while new in seen:
                counts[doc_id] += 1
                new = f"{doc_id}#{counts[doc_id]}"
            report.add(path, row, f"duplicate doc_id {doc_id!r} (first at row {seen[doc_id]})", f"renamed to {new!r}",
                       "id_duplicate")
            doc_ids[pos] = new
            seen[new] = row
            renamed = True
        else:
            seen[doc_id] = row
    if renamed:  # the column keeps its dtype (object, or Arrow strings from the Arrow readers)
        out["doc_id"] = pd.Series(doc_ids, index=out.index, dtype=out["doc_id"].dtype)
    out = out.drop(columns=["_row"])
    report.n_loaded = len(out)
    return out, report



# ASCII letters, digits and "_" are word characters for Python's \w: a text holding one has words
_ASCII_WORD = re.compile(r"[0-9A-Za-z_]")


def _cells_to_clean(column: pd.Series, undecodable: np.ndarray):
    """For a text column kept as Arrow strings, the positions (in order) of the cells :func:`_clean_texts`
    does not pass over: missing, or holding a NUL, a carriage return or a ``<``, or no ASCII word
    character, or undecodable. Arrow's kernels test every cell without making it a Python string (the
    60 MB of text of the benchmark corpus were 100 MB of str, made to be passed over). None for any other
    column (then every cell is looked at in Python)."""
    if not isinstance(column.array, pd.arrays.ArrowStringArray):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.chunked_array(column.array.__arrow_array__())
    # a word character (and not missing): RE2 stops at the first one
    plain = np.asarray(pc.fill_null(pc.match_substring_regex(arr, "[0-9A-Za-z_]"), False), dtype=bool)
    at = 0
    for chunk in arr.chunks:  # a NUL, a carriage return or a "<": the bytes themselves, a block at a time
        plain[at + _rows_with_bytes(chunk, (0, 13, 60))] = False
        at += len(chunk)
    return np.flatnonzero(~plain | undecodable)


def _cells_at(column: pd.Series, positions: np.ndarray) -> np.ndarray:
    """``column.iloc[positions].to_numpy(dtype=object)`` for an Arrow string column and increasing
    ``positions``, taken chunk by chunk: pyarrow's take on a chunked array joins all its chunks first
    (0.16 s, a copy of the 60 MB of text of the benchmark corpus, for its 2,027 cells to clean)."""
    import pyarrow as pa

    arr = pa.chunked_array(column.array.__arrow_array__())
    bounds = np.cumsum([0] + [len(c) for c in arr.chunks])
    which = np.searchsorted(bounds, positions, side="right") - 1
    pieces = []
    for k in np.unique(which):
        local = positions[which == k] - bounds[k]
        pieces.append(arr.chunk(int(k)).take(pa.array(local, type=pa.int64())))
    taken = pa.chunked_array(pieces, type=arr.type)
    return pd.Series(column.dtype.__from_arrow__(taken)).to_numpy(dtype=object)


def _rows_with_bytes(chunk, targets) -> np.ndarray:
    """The rows of an Arrow string array (one chunk) whose UTF-8 holds one of the bytes ``targets``
    (ASCII: a byte below 0x80 is that character wherever it is), found in its data buffer a megabyte at a
    time (3x faster than Arrow's substring kernels, and no array the size of the text)."""
    import pyarrow as pa

    _, offsets, data = chunk.buffers()
    if data is None or not len(chunk):
        return np.zeros(0, dtype=np.intp)
    wide = pa.types.is_large_string(chunk.type)
    off = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32)[chunk.offset:chunk.offset + len(chunk) + 1]
    lo, hi = int(off[0]), int(off[-1])
    text = np.frombuffer(data, dtype=np.uint8)
    found = []
    for a in range(lo, hi, 1 << 20):
        block = text[a:min(hi, a + (1 << 20))]
        hit = block == targets[0]
        for t in targets[1:]:
            hit |= block == t
        where = np.flatnonzero(hit)
        if len(where):
            found.append(where + a)
    if not found:
        return np.zeros(0, dtype=np.intp)
    return np.unique(np.searchsorted(off, np.concatenate(found), side="right") - 1)


def _clean_texts(values, row_of, undecodable, path, report):
    """Clean the text cells ``values`` (object array) and report per row, in row order; returns ``(keep,
    changes)``: a boolean array of the rows kept and ``{position: cleaned text}`` where it differs.

    Most texts need nothing: a string with no NUL, no carriage return, no ``<`` (so no HTML) and an
    ASCII word character (so neither empty nor without words) is passed over after four C-level
    substring tests; every other cell goes through the full rules below.
    """
    keep = np.ones(len(values), dtype=bool)
    changes: dict = {}
    plain = _ASCII_WORD.search
    for pos, value in enumerate(values):
        if (type(value) is str and "<" not in value and "\x00" not in value and "\r" not in value
                and not undecodable[pos] and plain(value)):
            continue
        row = row_of[pos]
        if isinstance(value, (dict, list, tuple, np.ndarray)):
            # a JSON object or array (or a Parquet list) is not an article: say so instead of str()-ing it
            report.add(path, row, f"text is a {type(value).__name__}, not a string", "skipped", "text_not_string")
            keep[pos] = False
            changes[pos] = ""
            continue
        text = "" if _missing(value) else str(value)
        if "\x00" in text:
            text = text.replace("\x00", "")
            report.add(path, row, "NUL bytes in text", "removed", "text_nul")
        if undecodable[pos]:
            report.add(path, row, "undecodable bytes (not UTF-8)", "replaced with U+FFFD", "text_undecodable")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if _HTML_RE.search(text[:5000]):
            stripped = _strip_html(text)
            if stripped.strip():
                report.add(path, row, "text is HTML", "markup stripped with trafilatura", "text_html")
                text = stripped
            else:  # too short for trafilatura: drop tags, scripts and styles, keep the visible text
                text = _html_to_text(text)
                report.add(path, row, "text is HTML (no main text found by trafilatura)",
                           "tags, scripts and styles removed", "text_html")
        if not text.strip():
            report.add(path, row, "empty text", "skipped", "text_empty")
            keep[pos] = False
        elif not re.search(r"\w", text):
            report.add(path, row, "text has no word characters (only punctuation or symbols)", "kept: 0 tokens",
                       "text_no_words")
        if text is not value:
            changes[pos] = text
    return keep, changes

def _with_rows_replaced(column: pd.Series, changes: dict, values=None):
    """``column`` with the rows of ``changes`` replaced; an Arrow string column stays Arrow (only the changed
    rows are converted: turning 60 MB of text back into Arrow took over a second), others become the list
    of ``values`` (the column's cells, taken from it when not given) with the changes made."""
    if not changes:
        return column
    if not isinstance(column.array, pd.arrays.ArrowStringArray) or len(changes) > len(column) // 4:
        texts = list(column.to_numpy(dtype=object) if values is None else values)
        for pos, text in changes.items():
            texts[pos] = text
        return texts
    import pyarrow as pa

    arr = column.array.__arrow_array__()  # the column's chunks, not copied
    # the unchanged runs of rows are slices of the column (no copy: replacing the rows in one new array
    # copied all 60 MB of text of the benchmark corpus for 43 changed rows), the changed rows new chunks
    pieces, start = [], 0
    for pos in sorted(changes):
        if pos > start:
            pieces.extend(arr.slice(start, pos - start).chunks)
        pieces.append(pa.array([changes[pos]], type=arr.type))
        start = pos + 1
    if start < len(arr):
        pieces.extend(arr.slice(start).chunks)
    new = pa.chunked_array(pieces, type=arr.type)
    return pd.Series(column.dtype.__from_arrow__(new), index=column.index)


def _text_of(value) -> str:
    """A cell that is not a string, as text: whole floats without ``.0`` (pandas turns JSON integers
    into floats when a value is missing), booleans as ``true``/``false`` (as JSON writes them)."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _as_text(series: pd.Series, role: str, column, report, keep_containers: bool = False) -> pd.Series:
    """The cells of one corpus column as text ("" when missing); cells that were numbers or booleans
    are counted in ``report.coerced`` and named in one note per column (the same in every chunk).
    With ``keep_containers``, lists and dicts stay as they are (the caller refuses them per row)."""
    if series.dtype.kind in "biuf":  # a numeric column (Parquet, or pandas' reading of JSON numbers)
        present = series.notna()
        out = pd.Series("", index=series.index, dtype=object)
        out[present] = [_text_of(v) for v in series[present].to_numpy(dtype=object)]
        n = int(present.sum())
    elif isinstance(series.dtype, pd.StringDtype):
        # every cell a string already, or missing ("", as below, not counted as coerced): Arrow strings stay
        # Arrow strings (one missing text made the whole column Python objects)
        return series.fillna("") if series.isna().any() else series
    else:
        values = series.to_numpy(dtype=object)
        kinds = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
        if kinds.all():
            return series  # as it is (Arrow strings stay Arrow strings)
        out_values = values.copy()
        n = n_bytes = n_invalid = 0
        for j in np.flatnonzero(~kinds):
            v = values[j]
            if _missing(v) or v is pd.NA or v is pd.NaT:
                out_values[j] = ""
            elif keep_containers and isinstance(v, dict | list | tuple | np.ndarray):
                continue
            elif isinstance(v, bytes | bytearray | memoryview):  # a binary Parquet column: its text, not b'...'
                try:
                    out_values[j] = bytes(v).decode("utf-8")
                except UnicodeDecodeError:
                    out_values[j] = bytes(v).decode("utf-8", errors="replace")
                    n_invalid += 1
                n_bytes += 1
            else:
                out_values[j] = _text_of(v)
                n += 1
        out = pd.Series(out_values, index=series.index, dtype=object)
        _coerced(report, f"{role}:{column}:bytes", n_bytes,
                 f"{role} column {str(column)!r}: binary cells decoded as UTF-8; bytes that are not UTF-8 "
                 "replaced with U+FFFD; counted in provenance.json")
        _coerced(report, f"{role}:{column}:not_utf8", n_invalid)
    _coerced(report, f"{role}:{column}", n,
             f"{role} column {str(column)!r}: numbers or booleans read as text (17 as '17', 17.0 as '17', "
             "true as 'true'); counted in provenance.json")
    return out


def _coerced(report, key: str, n: int, note: str | None = None) -> None:
    """Count ``n`` cells made text under ``key`` in ``report.coerced`` and give ``note`` once (nothing when 0)."""
    if not n:
        return
    report.coerced[key] = report.coerced.get(key, 0) + n
    if note is not None and note not in report.notes:
        report.notes.append(note)


def _parse_dates(series, rows, path, report, column="date", dayfirst=None, dates=None):
    """Read one date column (see :mod:`analysis.text.dates`); refused values are reported per row."""
    values = date_values(series)
    numeric = numeric_dates(values)
    if dates is None:  # the whole column is here: decide, and say so in the report
        kinds = DateKinds(column)
        kinds.add(numeric, rows)
        day_first = read_day_first(kinds, dayfirst, report)
        note = short_year_note(kinds)
        if note:
            report.notes.append(note)
    else:  # one chunk: the reading was decided for the whole column; the notes come at the end
        dates.add(column, numeric, rows)
        day_first = dates.day_first(column)
    parsed, problems = read_dates(values, day_first)
    for i, (kind, problem) in problems.items():
        report.add(path, rows[i], problem, "date set to unknown (NaT)", f"date_{kind}")
    return parsed


def metadata_columns(corpus: pd.DataFrame) -> list:
    """The corpus's extra columns (``lean``, ``topic``, ``url``, ...): every column but the five of
    :data:`CORPUS_COLUMNS` and private ``_`` ones, in corpus order.

    >>> metadata_columns(pd.DataFrame(columns=["doc_id", "outlet", "text", "lean", "_row"]))
    ['lean']
    """
    return [c for c in corpus.columns if c not in CORPUS_COLUMNS and not str(c).startswith("_")]


def metadata_table(corpus: pd.DataFrame) -> pd.DataFrame | None:
    """``doc_id`` and the extra columns of ``corpus`` (None when it has none): the ``metadata`` table
    ``score`` writes beside ``documents``, so ``compare --by COLUMN`` needs no corpus.

    >>> metadata_table(pd.DataFrame({"doc_id": ["a"], "text": ["x"], "lean": ["left"]})).to_dict("records")
    [{'doc_id': 'a', 'lean': 'left'}]
    """
    extra = metadata_columns(corpus)
    if not extra or "doc_id" not in corpus.columns:
        return None
    return corpus[["doc_id", *extra]].reset_index(drop=True)


def from_texts(texts, outlets=None, doc_ids=None) -> pd.DataFrame:
    """Build a corpus table from plain strings (for quick use and tests).

    >>> from_texts(["It may rain."]).columns.tolist()
    ['doc_id', 'outlet', 'date', 'title', 'text']
    """
    if isinstance(texts, str):
        # scikit-learn's message and exception type: bad input is a ValueError throughout this project
        raise ValueError("Iterable over raw text documents expected, string object received.")  # noqa: TRY004
    texts = list(texts)
    n = len(texts)
    return pd.DataFrame(
        {
            "doc_id": list(doc_ids) if doc_ids is not None else [f"doc{i}" for i in range(n)],
            "outlet": list(outlets) if outlets is not None else ["unknown"] * n,
            "date": pd.Series([pd.NaT] * n, dtype="datetime64[ns]"),
            "title": [""] * n,
            "text": texts,
        }
    )
