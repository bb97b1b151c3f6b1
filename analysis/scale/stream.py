"""Streaming: score a corpus larger than memory chunk by chunk, write results as it goes, resume.

:func:`iter_corpus_chunks` reads a CSV/TSV file, a JSONL file, a Parquet file (in record batches of its
row groups) or a folder of ``.txt`` files a chunk of documents at a time. Each chunk is normalised by
the same code as :func:`analysis.text.corpus.load_corpus` (column mapping, empty texts, NUL bytes,
dates, HTML, duplicate ids renamed across chunks), row numbers are those of the whole file, and one
cumulative :class:`~analysis.text.corpus.LoadReport` accounts for every row, with the notes
``load_corpus`` writes. Numeric dates such as ``05/03/2024`` are read as ``load_corpus`` reads them:
unless ``dayfirst`` is given, a first pass over the date column alone decides day first or month
first for the whole column before the first chunk is read (see ``docs/loading.md``). Other inputs
(one ``.txt`` file, folders of web pages, PolNeAR folders) are loaded whole and then cut into chunks.

:func:`score_stream` scores the chunks (in this process, on a process pool, or on any
``concurrent.futures`` executor such as a Dask client's) and writes each chunk's match and document
rows into a work folder beside ``OUT`` (``.OUT.score-work/``, see :func:`work_folder`): for CSV appended
to one growing file per table (written once, renamed into the set at the end: :class:`_GrowingTable`),
for Parquet as part files merged at the end. A JSON manifest there lists every finished chunk with its
byte ranges or part sizes and the
content hash of its normalised documents, so a run that was killed resumes (``resume=True``) without
rescoring the chunks it had finished: a chunk is reused only when its content hash and the run
settings (lexicon hashes, categories, chunk size, column and date options) are unchanged. The final
files (``matches``, ``documents``, ``summary``, ``load_report.csv``, and ``provenance.json`` with the
load report's counts and notes) are one output set (:func:`analysis.outputs.output_set`): the run holds
a lock on ``OUT`` from start to end (a second run into the same folder refuses at once), a folder
holding anything but a previous ``score`` output set is refused before any chunk is read, and the set
is built in a staging folder and swapped in only when every chunk is done, so ``OUT`` holds the
previous complete set or the new one whenever the run is killed. The work folder is removed after the
swap.

Memory is bounded by the chunk size (times the chunks in flight), not by the corpus: the only state
that grows with the corpus is the set of doc_ids seen (to rename duplicates) and the load report's
list of problem rows.
"""
from __future__ import annotations

import codecs
import hashlib
import io
import itertools
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..measure.batch import count_columns
from ..measure.scoring import MATCH_COLUMNS, empty_documents, summarise
from ..outputs import (
    COMPLETE_MARKER,
    OutputSetError,
    atomic_write_text,
    column_types,
    csv_bytes,
    folder_mode,
    output_set,
    resolve_target,
    write_concat,
    write_table,
)
from ..provenance import dumps, hash_rows_many
from ..provenance import provenance as make_provenance
from ..text import corpus as _corpus
from ..text import dates as _dates
from ..text.corpus import CorpusError, LoadReport, delimited_records
from .parallel import MatcherSpec, map_in_order, process_pool, worker_matcher

__all__ = ["FINAL_NAMES", "REPLACEABLE", "CorpusChunk", "StreamResult", "iter_corpus_chunks", "score_stream",
           "work_folder"]

REPLACEABLE = [f"{n}.{e}" for n in ("matches", "documents", "summary", "metadata", "attributions")
               for e in ("csv", "parquet")] + ["load_report.csv", "provenance.json", "attributions_provenance.json",
                                               COMPLETE_MARKER]
MANIFEST = "manifest.json"
# 2: each chunk records the sizes of its part files (parts are not fsync-ed); 3: a CSV run writes each table
# as one growing file, each chunk its byte range in it ("at" and "bytes", see _GrowingTable)
MANIFEST_VERSION = 3
FINAL_NAMES = ("matches", "documents", "summary")
EXACT_SUMMARY_MAX_DOCS = 200_000  # up to this many documents the summary is computed exactly as score() does

_DECODE_ERRORS = [0]
_NOT_UTF8 = "file is not valid UTF-8; undecodable bytes replaced with U+FFFD (pass --encoding to choose the right one)"
DATE_PASS_BATCH = 50_000  # date cells looked at together in the first pass over a date column


def _flag_replace(exc):
    _DECODE_ERRORS[0] += 1
    return "\ufffd", exc.end


codecs.register_error("analysis.flag_replace", _flag_replace)


@dataclass
class CorpusChunk:
    """One chunk: its index, the normalised documents, their content hash, and progress units read so far."""

    index: int
    corpus: pd.DataFrame
    sha256: str
    position: int


# -- reading ------------------------------------------------------------------------------------------


def _open_text(path: Path, encoding):
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller through the wrapper
    errors = "strict" if encoding else "analysis.flag_replace"
    return raw, io.TextIOWrapper(raw, encoding=encoding or "utf-8-sig", errors=errors, newline="")


def _iter_delimited(path: Path, sep: str, encoding, chunk_size: int, report: LoadReport):
    """Raw chunks of a CSV/TSV file, parsed with the same rules as ``load_corpus``."""
    raw, fh = _open_text(path, encoding)
    errors_before = _DECODE_ERRORS[0]
    noted = False
    try:
        records = delimited_records(fh, path, sep)
        header = next(records)
        rows, numbers = [], []
        read_any = False
        for record, fields in records:
            read_any = True
            report.n_read += 1
            if len(fields) != len(header):
                report.add(path, record, f"{len(fields)} fields but the header has {len(header)}", "skipped",
                           "field_count")
                continue
            rows.append(fields)
            numbers.append(record)
            if len(rows) >= chunk_size:
                bad = _DECODE_ERRORS[0] > errors_before
                if bad and not noted:
                    report.notes.append(_NOT_UTF8)
                    noted = True
                yield _delimited_frame(rows, header, numbers, bad), raw.tell()
                rows, numbers = [], []
        if not read_any:
            raise CorpusError(f"{path}: header only, no rows")
        bad = _DECODE_ERRORS[0] > errors_before
        if bad and not noted:
            report.notes.append(_NOT_UTF8)
        if rows:
            yield _delimited_frame(rows, header, numbers, bad), raw.tell()
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: cannot decode as {encoding}: {exc}") from None
    finally:
        fh.close()


def _delimited_frame(rows, header, numbers, bad):
    df = pd.DataFrame(rows, columns=header, dtype=object)
    df["_row"] = numbers
    if bad:
        df["_undecodable"] = df.apply(lambda r: any("\ufffd" in str(v) for v in r.values), axis=1)
    return df


def _iter_jsonl(path: Path, encoding, chunk_size: int, report: LoadReport, keep=None):
    """Raw chunks of a JSONL file; ``keep(key)``, when given, selects the keys kept from each record.

    A chunk's ``chunk_size`` lines are first read by pyarrow's JSON reader
    (:func:`analysis.text.corpus.jsonl_block_frame`: the table the line-by-line reader makes of them);
    from the first chunk that needs the line-by-line reader (an invalid or blank line, a key given twice,
    bytes not UTF-8 ...) to the end of the file, every line goes through it, so chunks hold the same
    records either way. Reading 40M words line by line in Python took about a third of ``score``."""
    kept: dict = {}

    def keep_key(k):  # keys repeat from record to record: each is asked about once
        return kept[k] if k in kept else kept.setdefault(k, keep(k))

    fast = encoding in (None, "utf-8", "utf8", "utf-8-sig")
    with open(path, "rb") as fh:
        lineno = 0
        any_line = False
        pending = []
        while fast:
            block = list(itertools.islice(fh, chunk_size))
            if not block:
                break
            first = lineno + 1
            if first == 1 and block[0].startswith(codecs.BOM_UTF8) and not encoding:
                block[0] = block[0][len(codecs.BOM_UTF8):]
            df = _corpus.jsonl_block_frame(b"".join(block), first, report, lines=block)
            if df is None:  # these lines, and all after them, line by line
                pending = list(enumerate(block, first))
                fast = False
                break
            any_line = True
            lineno += len(block)
            if keep is not None:
                df = df[[c for c in df.columns if c == "_row" or keep_key(c)]]
            yield df, fh.tell()
        yield from _iter_jsonl_lines(path, encoding, chunk_size, report, keep_key if keep is not None else None,
                                     itertools.chain(pending, enumerate(fh, lineno + len(pending) + 1)), fh,
                                     any_line)


def _iter_jsonl_lines(path: Path, encoding, chunk_size, report, keep, numbered, fh, any_line):
    """The line-by-line reader of :func:`_iter_jsonl`, over ``numbered`` ``(line number, bytes)``."""
    records, numbers = [], []
    noted = False
    enc = encoding or "utf-8"
    for lineno, bline in numbered:
        if lineno == 1 and bline.startswith(codecs.BOM_UTF8) and not encoding:
            bline = bline[len(codecs.BOM_UTF8):]
        try:
            line = bline.decode(enc)
        except UnicodeDecodeError as exc:
            if encoding:
                raise CorpusError(f"{path}: cannot decode as {encoding}: {exc}") from None
            line = bline.decode("utf-8", errors="replace")
            if not noted:
                report.notes.append(_NOT_UTF8)
                noted = True
        if not line.strip():
            continue
        any_line = True
        obj = _corpus.jsonl_record(line, lineno, path, report)
        if obj is None:
            continue
        if keep is not None:
            obj = {k: v for k, v in obj.items() if keep(k)}
        records.append(obj)
        numbers.append(lineno)
        if len(records) >= chunk_size:
            yield _records_frame(records, numbers), fh.tell()
            records, numbers = [], []
    if not any_line:
        raise CorpusError(f"{path}: the file is empty")
    if records:
        yield _records_frame(records, numbers), fh.tell()


def _records_frame(records, numbers):
    df = pd.DataFrame.from_records(records)
    df["_row"] = numbers
    return df


def _iter_parquet(path: Path, chunk_size: int, report: LoadReport):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (OSError, ValueError, pa.ArrowException) as exc:  # what pyarrow raises for a bad file
        raise CorpusError(f"{path}: cannot read Parquet: {exc}") from None
    first = 1
    for batch in pf.iter_batches(batch_size=chunk_size):
        df = batch.to_pandas()
        report.n_read += len(df)
        df = df.reset_index(drop=True)
        df["_row"] = range(first, first + len(df))
        first += len(df)
        yield df, first - 1


def _iter_txt_folder(path: Path, encoding, chunk_size: int, report: LoadReport):
    files = _corpus.txt_files(path)
    meta = _corpus.txt_metadata(path, encoding, report, [f.stem for f in files])
    for i in range(0, len(files), chunk_size):
        df = _corpus.read_txt_files(files[i : i + chunk_size], encoding, report)
        yield _corpus.join_txt_metadata(df, meta), i + len(df)


def _detect(path: Path, fmt):
    kind = fmt or ("dir" if path.is_dir() else path.suffix.lower().lstrip("."))
    if kind == "dir":
        return "txtdir" if _corpus.folder_kind(path) == "txt" else "whole"  # PolNeAR and web pages: whole
    if kind in ("csv", "tsv", "tab", "jsonl", "ndjson") and path.is_file():
        with open(path, "rb") as fh:
            head = fh.read(4)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "whole"  # UTF-16/32 files are decoded whole by load_corpus
    if kind == "csv":
        return "csv"
    if kind in ("tsv", "tab"):
        return "tsv"
    if kind in ("jsonl", "ndjson"):
        return "jsonl"
    if kind in ("parquet", "pq"):
        return "parquet"
    return "whole"


def _progress_total(path: Path, kind):
    if kind in ("csv", "tsv", "jsonl"):
        return path.stat().st_size, "B"
    if kind == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows, "row"
        except (OSError, ValueError, pa.ArrowException):  # reported when reading
            return None, "row"
    if kind == "txtdir":
        return len(_corpus.txt_files(path)), "file"
    return None, "doc"


def _raw_chunks(path: Path, kind, chunk_size, encoding, report, fmt, column_args, dayfirst=None, split=None):
    if kind in ("csv", "tsv"):
        yield from _iter_delimited(path, "," if kind == "csv" else "\t", encoding, chunk_size, report)
    elif kind == "jsonl":
        yield from _iter_jsonl(path, encoding, chunk_size, report)
    elif kind == "parquet":
        yield from _iter_parquet(path, chunk_size, report)
    elif kind == "txtdir":
        yield from _iter_txt_folder(path, encoding, chunk_size, report)
    else:  # not streamable: load whole, then cut (already normalised; marked with _normalised)
        corpus, whole = _corpus.load_corpus(path, encoding=encoding, fmt=fmt, dayfirst=dayfirst, split=split,
                                            **column_args)
        report.n_read, report.issues, report.notes = whole.n_read, whole.issues, whole.notes
        report.coerced = whole.coerced
        for i in range(0, len(corpus), chunk_size):
            part = corpus.iloc[i : i + chunk_size].reset_index(drop=True)
            part.attrs["_normalised"] = True
            yield part, i + len(part)


# -- dates: one reading per column, decided before the first chunk --------------------------------------


def _date_column(columns, date_col, path):
    """The date column ``normalise_rows`` will pick among ``columns`` (None: none, or it will fail there)."""
    columns = [c for c in columns if not str(c).startswith("_")]
    try:
        return _corpus.pick_column(columns, date_col, _corpus.DATE_CANDIDATES, "date", path)
    except CorpusError:  # an explicit --date-col that is missing: the chunk reader says so
        return None


class _DatePass:
    """The numeric dates of the date column(s), gathered in file order; stops as soon as the reading is
    settled (a date that can only be day first and one that can only be month first: month first)."""

    def __init__(self):
        self.kinds: dict = {}

    def add(self, column, values, rows) -> bool:
        """Add date cells (a Series) with their row numbers; True once nothing more can change the reading."""
        values = _dates.date_values(pd.Series(list(values), dtype=object))  # positions 0..n-1, as rows
        kinds = self.kinds.setdefault(column, _dates.DateKinds(column))
        kinds.add(_dates.numeric_dates(values), dict(enumerate(rows)))
        return all(k.counts["day"] and k.counts["month"] for k in self.kinds.values())

    def decided(self) -> dict:
        return {column: kinds.day_first(None) for column, kinds in self.kinds.items()}


def _dates_delimited(path: Path, sep: str, encoding, date_col, progress):
    found = _DatePass()
    raw, fh = _open_text(path, encoding)
    last = 0
    try:
        records = delimited_records(fh, path, sep)
        header = next(records)
        column = _date_column(header, date_col, path)
        if column is None:
            return found
        j, width = header.index(column), len(header)
        values, rows = [], []
        for record, fields in records:
            if progress is not None and record % 1000 == 0:
                progress.update(raw.tell() - last)
                last = raw.tell()
            if len(fields) != width:
                continue  # skipped by the chunk reader too
            values.append(fields[j])
            rows.append(record)
            if len(values) >= DATE_PASS_BATCH:
                if found.add(column, values, rows):
                    return found
                values, rows = [], []
        found.add(column, values, rows)
        return found
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: cannot decode as {encoding}: {exc}") from None
    finally:
        fh.close()


def _dates_jsonl(path: Path, encoding, chunk_size, date_col, progress):
    """Read in the chunks of the chunk reader: each chunk picks its date column among its own keys (so a
    later chunk may bring another column: no early stop here)."""
    found = _DatePass()
    wanted = set(_corpus.DATE_CANDIDATES)
    last = 0
    for df, pos in _iter_jsonl(path, encoding, chunk_size, LoadReport(str(path)),
                               keep=lambda k: k == date_col or str(k).strip().lower() in wanted):
        if progress is not None:
            progress.update(pos - last)
            last = pos
        column = _date_column(df.columns, date_col, path)
        if column is not None:
            found.add(column, df[column], df["_row"])
    return found


def _dates_parquet(path: Path, date_col, progress):
    import pyarrow as pa
    import pyarrow.parquet as pq

    found = _DatePass()
    try:
        pf = pq.ParquetFile(path)
        schema = pf.schema_arrow
    except (OSError, ValueError, pa.ArrowException):  # the chunk reader reports it
        return found
    index = {c for c in (schema.pandas_metadata or {}).get("index_columns", []) if isinstance(c, str)}
    column = _date_column([n for n in schema.names if n not in index], date_col, path)
    if column is None:
        return found
    first = 1
    for batch in pf.iter_batches(batch_size=DATE_PASS_BATCH, columns=[column]):
        n = batch.num_rows
        if progress is not None:
            progress.update(n)
        if found.add(column, batch.column(0).to_pylist(), range(first, first + n)):
            break
        first += n
    return found


def _dates_txt_folder(path: Path, encoding):
    files = _corpus.txt_files(path)
    meta = _corpus.txt_metadata(path, encoding, LoadReport(str(path)), [f.stem for f in files])
    found = _DatePass()
    if meta is None:
        return found
    df = pd.DataFrame({"doc_id": [f.stem for f in files], "text": "", "_row": [f.name for f in files]})
    df = _corpus.join_txt_metadata(df, meta)  # the texts are not needed: dates come from the metadata file
    column = _date_column(df.columns, None, path)
    if column is not None:
        found.add(column, df[column], df["_row"])
    return found


def _decide_dates(path: Path, kind, chunk_size, encoding, date_col, progress=None) -> dict:
    """First pass over the date column only: ``{column: True if read day first}``, decided as
    :func:`load_corpus` decides for the whole column (see ``docs/loading.md``)."""
    if kind not in ("csv", "tsv", "jsonl", "parquet", "txtdir"):
        return {}  # loaded whole by load_corpus, which decides itself
    if progress is not None:
        desc = progress.desc
        progress.set_description_str("reading dates")
    if kind in ("csv", "tsv"):
        found = _dates_delimited(path, "," if kind == "csv" else "\t", encoding, date_col, progress)
    elif kind == "jsonl":
        found = _dates_jsonl(path, encoding, chunk_size, date_col, progress)
    elif kind == "parquet":
        found = _dates_parquet(path, date_col, progress)
    else:
        found = _dates_txt_folder(path, encoding)
    if progress is not None:
        progress.reset()
        progress.set_description_str(desc)
    return found.decided()


CHUNK_HASH_COLUMNS = ("doc_id", "outlet", "date", "title", "text")
CORPUS_HASH_COLUMNS = ("doc_id", "outlet", "date", "text")  # as analysis.provenance.corpus_sha256


def chunk_sha256(corpus: pd.DataFrame, corpus_hash=None) -> str:
    """Content hash of a normalised chunk (doc_id, outlet, date, title, text of every row, in order);
    ``corpus_hash``, a hash object, is fed the chunk's rows as the corpus hash takes them, in the same
    reading of the values."""
    h = hashlib.sha256()
    targets = [(h, CHUNK_HASH_COLUMNS)] + ([(corpus_hash, CORPUS_HASH_COLUMNS)] if corpus_hash is not None else [])
    hash_rows_many(corpus, targets)
    return h.hexdigest()


def iter_corpus_chunks(path, chunk_size: int = 5000, *, report: LoadReport | None = None, text_col=None, id_col=None,
                       outlet_col=None, date_col=None, title_col=None, encoding=None, fmt=None, dayfirst=None,
                       progress=None, split=None, corpus_hash=None):
    """Read a corpus a chunk of documents at a time, normalised as :func:`load_corpus` does.

    Parameters
    ----------
    path : str or Path
        As for :func:`analysis.text.corpus.load_corpus`.
    chunk_size : int
        Input rows per chunk (the last chunk may be smaller; rows that are skipped make a chunk smaller).
    report : LoadReport, optional
        The cumulative load report to fill (one is created when omitted; it is complete once the
        iterator is exhausted).
    text_col, id_col, outlet_col, date_col, title_col, encoding, fmt
        As for :func:`load_corpus`.
    dayfirst : bool, optional
        As for :func:`load_corpus`, with the same result: by default a first pass reads the date
        column alone (only that column for Parquet; for CSV/TSV and JSONL every record is parsed, and
        the pass stops early when a day-first-only and a month-first-only date have been seen) and
        decides day first or month first for the whole column, as ``load_corpus`` does. The date
        notes are added to ``report`` once the last chunk has been read.
    progress : tqdm, optional
        A progress bar updated in the units of :func:`progress_units`.
    corpus_hash : hashlib object, optional
        Fed every chunk's rows as :func:`analysis.provenance.corpus_sha256` hashes them (so that its
        digest at the end is that of the whole corpus), read once with the chunk's own hash.

    Yields
    ------
    CorpusChunk

    Examples
    --------
    >>> from analysis.paths import SAMPLE_CORPUS
    >>> chunks = list(iter_corpus_chunks(SAMPLE_CORPUS, chunk_size=20))
    >>> from analysis.text.corpus import load_corpus
    >>> sum(len(c.corpus) for c in chunks) == len(load_corpus(SAMPLE_CORPUS)[0])
    True
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    dates = _dates.DateColumns(dayfirst)  # refuses a dayfirst that is not True, False or None
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder")
    report = report if report is not None else LoadReport(str(path))
    kind = _detect(path, fmt)
    column_args = {"text_col": text_col, "id_col": id_col, "outlet_col": outlet_col, "date_col": date_col,
                   "title_col": title_col}
    if dayfirst is None:
        dates.decided = _decide_dates(path, kind, chunk_size, encoding, date_col, progress)
    ids: dict = {}
    index = 0
    last_pos = 0
    loaded = 0
    notes_at = None  # where the date notes go: after the first chunk's notes, as load_corpus orders them
    for raw, pos in _raw_chunks(path, kind, chunk_size, encoding, report, fmt, column_args, dayfirst, split):
        if raw.attrs.get("_normalised"):
            corpus = raw
        elif len(raw) == 0:
            continue
        else:
            chunk_report = LoadReport(str(path), n_read=len(raw))
            corpus, chunk_report = _corpus.normalise_rows(raw, path, chunk_report, ids=ids, dates=dates,
                                                      dayfirst=dayfirst, **column_args)
            report.issues.extend(chunk_report.issues)
            for key, n in chunk_report.coerced.items():
                report.coerced[key] = report.coerced.get(key, 0) + n
            for note in chunk_report.notes:
                if note not in report.notes:
                    report.notes.append(note)
            if notes_at is None:
                notes_at = len(report.notes)
        loaded += len(corpus)
        report.n_loaded = loaded
        if progress is not None:
            progress.update(pos - last_pos)
        last_pos = pos
        if len(corpus) == 0:
            continue
        yield CorpusChunk(index, corpus, chunk_sha256(corpus, corpus_hash), pos)
        index += 1
    if report.n_read == 0:
        raise CorpusError(f"{path}: no documents found")
    dates.report(report, path, at=notes_at)
    if kind in ("csv", "tsv", "jsonl") and _NOT_UTF8 in report.notes:
        # load_corpus's note: first (it decodes the file before anything else), with the same hint
        report.notes.remove(_NOT_UTF8)
        report.notes.insert(0, _corpus.not_utf8_note(_file_blocks(path)))


def _file_blocks(path: Path, size: int = 1 << 20):
    with open(path, "rb") as fh:
        while block := fh.read(size):
            yield block


def progress_units(path, fmt=None):
    """``(total, unit)`` for a progress bar over ``path``: bytes for text files, rows for Parquet, files."""
    path = Path(path)
    return _progress_total(path, _detect(path, fmt))


# -- writing ------------------------------------------------------------------------------------------


def _match_schema():
    import pyarrow as pa

    types = {"sentence": pa.int64(), "start": pa.int64(), "end": pa.int64(), "token_start": pa.int64(),
             "token_end": pa.int64()}
    return pa.schema([(c, types.get(c, pa.string())) for c in MATCH_COLUMNS])


def _attribution_schema():
    import pyarrow as pa

    from ..measure.attribution import ATTRIBUTION_COLUMNS, CONTENT_CATEGORIES

    def kind(c):
        if c == "cue_score":
            return pa.float64()
        if c in ("attribution", "sentence", "paragraph") or c.endswith(("_start", "_end")):
            return pa.int64()
        return pa.string()

    counts = [(f"content_{c}", pa.int64()) for c in CONTENT_CATEGORIES]
    return pa.schema([(c, kind(c)) for c in ATTRIBUTION_COLUMNS] + counts + [("hedged_content", pa.bool_())])


def _attribution_columns():
    return list(_attribution_schema().names)


def _documents_schema(columns):
    import pyarrow as pa

    fields = []
    for c in columns:
        if c == "date":
            t = pa.timestamp("ns")
        elif c in ("doc_id", "outlet", "title"):
            t = pa.string()
        elif c.startswith("n_") or c.endswith(":count"):
            t = pa.int64()
        else:
            t = pa.float64()
        fields.append((c, t))
    return pa.schema(fields)


def _write_bytes_atomic(path: Path, data, durable: bool = True) -> int:
    """Write ``data`` (bytes, or an iterable of bytes written in turn) to ``path`` through a temporary
    file renamed into place; returns the number of bytes. ``durable=False`` skips the ``fsync``: a chunk's
    part files, which a kill cannot lose (they are in the page cache) and which a resume checks against
    the sizes the manifest records (a power cut can leave a renamed file short or empty); fsync-ing 1.2 GB
    of parts at 40M words cost 0.3-1.8 s of system time, and the merged outputs are fsync-ed anyway."""
    tmp = path.with_name(f".{path.name}.tmp")
    size = 0
    with open(tmp, "wb") as fh:
        for block in ([data] if isinstance(data, (bytes, bytearray, memoryview)) else data):
            fh.write(block)
            size += len(block)
        fh.flush()
        if durable:
            os.fsync(fh.fileno())
    os.replace(tmp, path)
    return size


def _part_intact(path: Path, entry: dict, name: str) -> bool:
    """Whether a finished chunk's part file is there with the size its manifest entry records (parts are
    not fsync-ed: after a power cut one may be short or empty, and its chunk is scored again)."""
    try:
        size = path.stat().st_size
    except OSError:
        return False
    return size == entry.get("bytes", {}).get(name, -1)


def work_folder(out) -> Path:
    """The folder a streamed run into ``out`` keeps its finished chunks in (beside ``out``, for ``resume``)."""
    target = resolve_target(out)
    return target.parent / f".{target.name}.score-work"


def _write_part(df: pd.DataFrame, path: Path, fmt: str, schema=None, csv_escape: bool = True, into=None) -> int:
    """A chunk's part file (no header; not fsync-ed, see :func:`_write_bytes_atomic`); its size in bytes.
    ``into``: a bytearray the CSV rows are made in, reused from part to part (a new block of memory for
    each part's bytes cost 190,000 page faults, a second of system time, at 40M words)."""
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
        table = table.replace_schema_metadata(None)
        buf = pa.BufferOutputStream()
        pq.write_table(table, buf)
        return _write_bytes_atomic(path, buf.getvalue().to_pybytes(), durable=False)
    if into is not None:
        from ..csvwrite import rows_into

        size = rows_into(df, csv_escape, into)
        if size is not None:
            with memoryview(into) as view, view[:size] as rows:
                return _write_bytes_atomic(path, rows, durable=False)
    return _write_bytes_atomic(path, csv_bytes(df, header=False, escape=csv_escape), durable=False)


def _write_attribution_part(df: pd.DataFrame, path: Path, fmt: str, schema=None, csv_escape: bool = True,
                            into=None) -> int:
    """A chunk's attribution rows: as :func:`_write_part` writes them, made by the compiled core's CSV
    writer when it takes the table (:func:`analysis.measure.attribution.attributions_csv_bytes`, the bytes
    ``score`` in memory writes; about 3x faster than formatting in pandas)."""
    if fmt == "csv":
        from ..measure.attribution import attributions_csv_bytes

        blocks = attributions_csv_bytes(df, csv_escape=csv_escape, into=into)
        if blocks is not None:
            next(blocks)  # the header: parts are written without it, _merge_parts writes one
            return _write_bytes_atomic(path, blocks, durable=False)
    return _write_part(df, path, fmt, schema, csv_escape, into)


def _csv_part_blocks(df: pd.DataFrame, csv_escape: bool, into: bytearray, attributions: bool = False):
    """The CSV rows of a chunk's table (no header), as :func:`_write_part` / :func:`_write_attribution_part`
    write them: blocks made in the reused buffer ``into`` (each valid until the next is asked for)."""
    if attributions:
        from ..measure.attribution import attributions_csv_bytes

        blocks = attributions_csv_bytes(df, csv_escape=csv_escape, into=into)
        if blocks is not None:
            next(blocks)  # the header: the growing file has it
            yield from blocks
            return
    from ..csvwrite import rows_into

    size = rows_into(df, csv_escape, into)
    if size is None:
        yield csv_bytes(df, header=False, escape=csv_escape)
        return
    with memoryview(into) as view, view[:size] as rows:
        yield rows


def _close_tables(grow: dict) -> None:
    for table in grow.values():
        table.close()


def _csv_header(columns) -> bytes:
    return pd.DataFrame(columns=columns).to_csv(index=False, lineterminator="\n").encode("utf-8")


def _merge_parts(parts, dest: Path, fmt: str, header: list, schema=None):
    """Concatenate part files into a hidden temporary file beside ``dest``; returns its path."""
    tmp = dest.with_name(f".{dest.name}.partial")
    if fmt == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(tmp, schema) as writer:
            for p in parts:
                writer.write_table(pq.read_table(p, schema=schema))
    else:
        with open(tmp, "wb") as out:
            out.write(pd.DataFrame(columns=header).to_csv(index=False, lineterminator="\n").encode("utf-8"))
            out.flush()
            for p in parts:
                with open(p, "rb") as fh:
                    _append_file(fh, out)
            out.flush()
            os.fsync(out.fileno())
    return tmp


def _append_file(src, out) -> None:
    """Append the file ``src`` to ``out`` (both open, binary; ``out`` flushed): in the kernel with
    ``os.copy_file_range`` where the system has it (a 40M-word run merges 1.2 GB of parts: through Python's
    buffers that cost seconds of CPU), else through a buffer."""
    copy = getattr(os, "copy_file_range", None)
    if copy is not None:
        size = os.fstat(src.fileno()).st_size
        done = 0
        try:
            while done < size:
                n = copy(src.fileno(), out.fileno(), size - done)
                if n == 0:
                    break
                done += n
        except OSError:  # a file system or kernel without it (EXDEV, ENOSYS, EINVAL): the rest by buffer
            pass
        if done == size:
            out.seek(0, os.SEEK_END)
            return
        src.seek(done)
        out.seek(0, os.SEEK_END)
    shutil.copyfileobj(src, out, 1 << 20)


def _copy_range(src, out, offset: int, size: int) -> None:
    """Append ``size`` bytes of the open file ``src`` from ``offset`` to ``out`` (both binary, ``out``
    flushed and at its end): in the kernel with ``os.copy_file_range`` where it can, else by buffer."""
    copy = getattr(os, "copy_file_range", None)
    done = 0
    if copy is not None:
        try:
            while done < size:
                n = copy(src.fileno(), out.fileno(), size - done, offset + done)
                if n == 0:
                    break
                done += n
        except OSError:  # a file system or kernel without it: the rest by buffer
            pass
        out.seek(0, os.SEEK_END)
    while done < size:  # (seek and read, not os.pread: Windows has none)
        src.seek(offset + done)
        block = src.read(min(1 << 20, size - done))
        if not block:
            raise OSError(f"{src.name}: ended {size - done} bytes before the range the manifest records")
        out.write(block)
        done += len(block)
    out.flush()


class _GrowingTable:
    """One CSV table of a streamed run (``matches``, ``documents``, ``attributions``), written once: the
    header, then each chunk's rows appended in chunk order to one file in the work folder, which is
    renamed into the output set at the end (no part files merged into a second copy: at 40M words that
    copy was 1.2 GB and two seconds of system time). The manifest records each chunk's byte range
    (``at`` and ``bytes``); the file is not fsync-ed until it is complete.

    On resume, ``old`` holds the ranges of the previous run's finished chunks that lie within the file
    as it is now (a power cut can leave it short: a range past its end is not reusable). While the
    reused chunks are the file's own prefix, the file is kept and cut after the last of them (bytes of a
    chunk a kill interrupted are dropped). When a chunk is scored again while later chunks of the old
    file may still be reused (an edited or damaged chunk in the middle), the old file is set aside and a
    new one is built: the prefix copied, scored chunks appended, reused chunks copied from their old
    ranges, in the kernel where it can."""

    def __init__(self, path: Path, header: bytes, old: dict | None = None):
        self.path, self.header, self.old = path, header, dict(old or {})
        self.previous = None  # the old file, once this one is built anew
        aside = path.with_name(path.name + ".old")
        if aside.exists():
            aside.unlink()  # what a run killed while it rebuilt the file left: its chunks are not in the manifest
        fh = None
        if self.old:
            try:
                fh = open(path, "r+b")  # noqa: SIM115 - open for the whole run, closed by close()
                size = os.fstat(fh.fileno()).st_size
                if fh.read(len(header)) != header:
                    raise OSError("not this table's header")
                self.old = {i: r for i, r in self.old.items() if r[0] >= len(header) and r[0] + r[1] <= size}
            except OSError:
                if fh is not None:
                    fh.close()
                fh, self.old = None, {}
        if fh is None:
            fh = open(path, "w+b")  # noqa: SIM115 - as above
            fh.write(header)
            fh.flush()
        self.fh, self.end = fh, len(header)

    def intact(self, index: int) -> bool:
        return index in self.old

    def reuse(self, index: int) -> tuple[int, int]:
        """Keep the previous run's rows of chunk ``index`` as the next rows; their (offset, size) now."""
        at, size = self.old.pop(index)
        if self.previous is None and at == self.end:
            self.end += size
            return at, size
        self._rebuild()
        _copy_range(self.previous, self.fh, at, size)
        self.end += size
        return self.end - size, size

    def append(self, index: int, blocks) -> tuple[int, int]:
        """Append chunk ``index``'s rows (bytes, or an iterable of bytes written in turn); (offset, size)."""
        self.old.pop(index, None)
        if self.previous is None:
            if any(at >= self.end for at, _ in self.old.values()):
                self._rebuild()  # later chunks of the old file may still be reused
            else:
                self.fh.truncate(self.end)  # what follows the reused prefix is not needed (or a killed write)
                self.old = {}
        self.fh.seek(self.end)
        at = self.end
        for block in ([blocks] if isinstance(blocks, (bytes, bytearray, memoryview)) else blocks):
            self.fh.write(block)
            self.end += len(block)
        self.fh.flush()
        return at, self.end - at

    def read(self, at: int, size: int) -> bytes:
        self.fh.seek(at)  # (append seeks to the end before it writes)
        return self.fh.read(size)

    def _rebuild(self):
        if self.previous is not None:
            return
        aside = self.path.with_name(self.path.name + ".old")
        self.fh.flush()
        os.replace(self.path, aside)
        self.previous = self.fh
        self.fh = open(self.path, "w+b")  # noqa: SIM115 - as above
        _copy_range(self.previous, self.fh, 0, self.end)

    def finish(self, dest: Path) -> None:
        """The complete file, fsync-ed, moved to ``dest`` (renamed; copied where it cannot be)."""
        self.fh.truncate(self.end)
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.close()
        try:
            os.replace(self.path, dest)
        except OSError:  # another file system: a copy
            tmp = dest.with_name(f".{dest.name}.partial")
            with open(self.path, "rb") as src, open(tmp, "wb") as out:
                _append_file(src, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, dest)

    def close(self) -> None:
        if self.previous is not None:
            self.previous.close()
            self.path.with_name(self.path.name + ".old").unlink(missing_ok=True)
            self.previous = None
        if not self.fh.closed:
            self.fh.close()


@dataclass
class StreamResult:
    """What :func:`score_stream` did: files written, counts, the summary, the load report, provenance."""

    out: Path
    files: dict
    summary: pd.DataFrame
    report: LoadReport
    provenance: dict
    categories: list
    n_documents: int = 0
    n_matches: int = 0
    chunks_scored: int = 0
    chunks_reused: int = 0
    notes: list = field(default_factory=list)

    def summary_table(self, value: str = "rate_per_1k") -> pd.DataFrame:
        return self.summary.pivot(index="outlet", columns="category", values=value)


class _SummaryAccumulator:
    """Per-outlet sums over document rows, so the summary never needs the whole documents table."""

    def __init__(self, categories):
        self.categories = list(categories)
        self.frames = []
        self.n = 0
        self.exact = True
        self.acc: dict = {}

    def add(self, docs: pd.DataFrame):
        self.n += len(docs)
        if self.exact:
            self.frames.append(docs)
            if self.n > EXACT_SUMMARY_MAX_DOCS:
                self.exact = False
                for f in self.frames:
                    self._accumulate(f)
                self.frames = []
        else:
            self._accumulate(docs)

    def _accumulate(self, docs):
        for outlet, g in docs.groupby("outlet", sort=False, dropna=False):
            a = self.acc.setdefault(outlet, {"documents": 0, "tokens": 0, "cats": {}})
            a["documents"] += len(g)
            a["tokens"] += int(g["n_tokens"].sum())
            for c in self.categories:
                count = g[f"{c}:count"].to_numpy()
                s = a["cats"].setdefault(c, [0, 0.0, 0])
                s[0] += int(count.sum())
                s[1] += float(g[f"{c}:rate"].to_numpy().sum())
                s[2] += int((count > 0).sum())

    def frame(self) -> pd.DataFrame:
        if self.exact:
            docs = pd.concat(self.frames, ignore_index=True) if self.frames else None
            if docs is None:
                return pd.DataFrame(columns=["outlet", "category", "documents", "tokens", "matches", "rate_per_1k",
                                             "mean_doc_rate", "share_docs"])
            from ..compare.rates import summary_with_intervals

            return summary_with_intervals(summarise(docs, self.categories), docs, self.categories)
        rows = []
        for outlet in sorted(self.acc):
            a = self.acc[outlet]
            n, tokens = a["documents"], a["tokens"]
            for c in self.categories:
                matches, rate_sum, with_match = a["cats"][c]
                rows.append({"outlet": outlet, "category": c, "documents": n, "tokens": tokens, "matches": matches,
                             "rate_per_1k": float(matches / tokens * 1000.0) if tokens else 0.0,
                             "mean_doc_rate": rate_sum / n, "share_docs": with_match / n})
        return pd.DataFrame(rows)


def _attribution_provenance(prov: dict, chunks: list) -> dict:
    """``attributions_provenance.json`` of a streamed run: what the in-memory command writes, the row
    counts summed over the chunks' manifest entries."""
    from ..measure.attribution import attribution_provenance

    by_type: dict = {}
    for entry in chunks:
        for k, v in entry["attributions"]["by_source_type"].items():
            by_type[k] = by_type.get(k, 0) + v
    out = {"corpus_sha256": prov.get("corpus_sha256"), "lexicons": prov.get("lexicons"),
           "csv_escape": prov["csv_escape"], **attribution_provenance()}
    out["rows"] = sum(entry["attributions"]["rows"] for entry in chunks)
    out["by_source_type"] = dict(sorted(by_type.items()))
    return out


def _settings(path: Path, spec: MatcherSpec, chunk_size, fmt, column_args, encoding, in_fmt, dayfirst=None):
    from ..provenance import package_version

    return {
        "manifest_version": MANIFEST_VERSION,
        "input": str(path.resolve()),
        "lexicons": [lx.sha256 for lx in spec.lexicons],
        "categories": list(spec.categories or ()),
        "chunk_size": chunk_size,
        "format": fmt,
        "columns": column_args,
        "encoding": encoding,
        "input_format": in_fmt,
        "dayfirst": dayfirst,
        "package_version": package_version(),
    }


def _load_manifest(partial: Path):
    try:
        return json.loads((partial / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


class _MetadataParts:
    """The ``metadata`` table of a streamed run, kept a chunk at a time on disk (Arrow IPC files in the
    work folder) instead of in memory: a corpus's extra columns can be as large as its texts (a scraped
    ``html`` column), and holding every chunk's made a 40M-word JSONL peak at 1.55 GB instead of 0.83.

    A chunk whose columns do not come back from Arrow typed as they went in (mixed Python objects in a
    column, a dtype Arrow does not round-trip) stays in memory. :meth:`write` writes
    ``pd.concat(parts, ignore_index=True, sort=False)`` as :func:`~analysis.outputs.write_table` would,
    a part at a time when the parts are typed alike (:func:`~analysis.outputs.write_concat`).
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.parts: list = []  # (path or DataFrame, column types)

    def __bool__(self) -> bool:
        return bool(self.parts)

    def add(self, meta: pd.DataFrame, index: int) -> None:
        import pyarrow as pa

        types = column_types(meta)
        try:
            table = pa.Table.from_pandas(meta, preserve_index=False)
            same = column_types(table.slice(0, 1).to_pandas()) == types
        except (pa.ArrowException, TypeError, ValueError):
            same = False
        if not same:
            self.parts.append((meta, types))
            return
        path = self.folder / f"metadata-{index:06d}.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        self.parts.append((path, types))

    def frames(self):
        import pyarrow as pa

        # a column a chunk holds no value of comes from the reader untyped (None objects); read whole, the
        # file gives it the type of the other chunks' values (numbers with gaps: float). Typed so here,
        # the concatenation is the whole file's (else one empty chunk made a number column "1" instead
        # of "1.0")
        numeric = {name for _, types in self.parts for name, dtype in types
                   if dtype.startswith(("int", "uint", "float"))}
        for item, _ in self.parts:
            if isinstance(item, pd.DataFrame):
                frame = item
            else:
                with pa.memory_map(str(item)) as source:
                    frame = pa.ipc.open_file(source).read_all().to_pandas()
            empty = [c for c in frame.columns if c in numeric and frame[c].dtype == object and frame[c].isna().all()]
            yield frame.astype({c: "float64" for c in empty}) if empty else frame

    def write(self, path: Path, csv_escape: bool) -> list:
        """Write the table to ``path``; its columns (the union of the parts', in order of appearance)."""
        write_concat(self.frames, path, types=[t for _, t in self.parts], csv_escape=csv_escape)
        columns: list = []
        for _, types in self.parts:
            columns += [name for name, _ in types if name not in columns]
        return columns


def score_stream(path, out, lexicons=None, *, categories=None, chunk_size: int = 5000, fmt: str = "parquet",
                 jobs: int = 1, executor=None, resume: bool = False, progress: bool = False, on_chunk=None,
                 text_col=None, id_col=None, outlet_col=None, date_col=None, title_col=None, encoding=None,
                 input_format=None, dayfirst=None, log=None, csv_escape: bool = True, split=None,
                 attributions: bool = False) -> StreamResult:
    """Score a corpus file chunk by chunk and write the outputs into the folder ``out``.

    Parameters
    ----------
    path : str or Path
        The corpus (see :func:`iter_corpus_chunks`).
    out : str or Path
        Output folder, written as one output set (:func:`analysis.outputs.output_set`); finished chunks
        live in :func:`work_folder` until the run completes.
    lexicons, categories
        As for :func:`analysis.measure.scoring.score`.
    chunk_size : int
        Documents per chunk (the unit of writing, of parallel work and of resuming).
    fmt : {"parquet", "csv"}
        Format of ``matches`` and ``documents`` (and ``summary``). CSV output is byte-identical to the
        in-memory ``score`` command's.
    jobs : int
        Worker processes (1: score in this process).
    executor : concurrent.futures.Executor, optional
        Run chunks on this executor instead (for example a Dask client's ``get_executor()``).
    resume : bool
        Reuse the finished chunks of an interrupted run in ``out`` (same input content and settings).
        Without it, leftovers of an interrupted run are discarded.
    progress : bool
        Show a progress bar with an ETA on stderr.
    on_chunk : callable, optional
        Called as ``on_chunk(index, scored)`` after each chunk is written (``scored`` is False for a
        chunk reused from an interrupted run).
    text_col, id_col, outlet_col, date_col, title_col, encoding, input_format, dayfirst
        As for :func:`iter_corpus_chunks` (``input_format`` is its ``fmt``): the dates are those
        :func:`load_corpus` reads, and the load report's notes are the same; they are saved in
        ``provenance.json`` under ``load_report.notes``.
    csv_escape : bool
        Escape CSV cells a spreadsheet would run (:mod:`analysis.csvsafe`); the default.
    attributions : bool
        Also write the attribution table (``attributions.EXT`` and ``attributions_provenance.json``,
        in the same output set), extracted chunk by chunk where each chunk is scored: the same rows
        and bytes as the in-memory ``score`` command's (extraction is per document).

    Returns
    -------
    StreamResult

    Examples
    --------
    >>> import tempfile
    >>> from analysis.paths import SAMPLE_CORPUS
    >>> res = score_stream(SAMPLE_CORPUS, tempfile.mkdtemp(), "hedging", chunk_size=100, fmt="csv")
    >>> sorted(res.files)
    ['documents', 'load_report', 'matches', 'metadata', 'provenance', 'summary']
    """
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"format must be 'parquet' or 'csv', got {fmt!r}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    say = log or (lambda msg: None)
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such file or folder")
    out = Path(out)
    with output_set(out, "score", replaceable=REPLACEABLE) as staging:
        result = _score_stream(path, out, staging, lexicons, categories, chunk_size, fmt, jobs, executor, resume,
                               progress, on_chunk, text_col, id_col, outlet_col, date_col, title_col, encoding,
                               input_format, dayfirst, say, csv_escape, split, attributions)
    shutil.rmtree(work_folder(out), ignore_errors=True)  # the set is in place: the chunks are no longer needed
    return result


def _score_stream(path, out, staging, lexicons, categories, chunk_size, fmt, jobs, executor, resume, progress,
                  on_chunk, text_col, id_col, outlet_col, date_col, title_col, encoding, input_format, dayfirst,
                  say, csv_escape, split=None, attributions=False) -> StreamResult:
    partial = work_folder(out)
    spec = MatcherSpec.create(lexicons, categories)
    matcher_here = worker_matcher(spec)  # validates categories early, gives the column layout; forked workers inherit it
    column_args = {"text_col": text_col, "id_col": id_col, "outlet_col": outlet_col, "date_col": date_col,
                   "title_col": title_col}
    settings = _settings(path, spec, chunk_size, fmt, column_args, encoding, input_format, dayfirst)
    if split is not None:  # PolNeAR: another split is another corpus
        settings["split"] = split
    if attributions:  # a chunk finished without its attribution part cannot be reused
        settings["attributions"] = True
    if fmt == "csv":  # one growing file per table (manifest version 3): older work folders are not reused
        settings["layout"] = "growing files"

    done: dict = {}
    old = _load_manifest(partial) if partial.is_dir() else None
    if old is not None and resume and old.get("settings") == settings:
        done = old.get("chunks", {})
        say(f"resuming: {len(done)} finished chunks in {partial}")
    elif partial.exists():
        if partial.is_symlink() or not partial.is_dir() or (old is None and any(partial.iterdir())):
            raise OutputSetError(f"{partial} exists and was not made by a streamed run: move it away")
        if resume:
            say("cannot resume: no manifest or different settings; starting again")
        shutil.rmtree(partial)
    partial.mkdir(parents=True, exist_ok=True)
    os.chmod(partial, folder_mode())
    manifest = {"settings": settings, "chunks": {}, "state": "running"}

    def save_manifest():
        _write_bytes_atomic(partial / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8"))

    save_manifest()
    ext = fmt
    report = LoadReport(str(path))
    empty = empty_documents(pd.DataFrame(columns=["doc_id", "outlet", "date", "title"]), matcher_here.categories)
    all_cats = count_columns(matcher_here.categories)[0]
    doc_columns = list(empty.columns)
    doc_schema = _documents_schema(doc_columns) if fmt == "parquet" else None
    match_schema = _match_schema() if fmt == "parquet" else None
    att_schema = _attribution_schema() if fmt == "parquet" and attributions else None
    corpus_hash = hashlib.sha256()
    summary_acc = _SummaryAccumulator(all_cats)
    stats = {"docs": 0, "matches": 0, "scored": 0, "reused": 0}
    reused_docs: dict = {}

    # workers start before the progress bar's thread exists, so they can be forked (see process_pool)
    own_pool = executor is None and jobs > 1
    pool = process_pool(jobs, None) if own_pool else executor
    bar = None
    if progress:
        try:
            from tqdm.auto import tqdm

            total, unit = progress_units(path, input_format)
            bar = tqdm(total=total, unit=unit, unit_scale=unit == "B", desc="scoring", mininterval=0.5, file=sys.stderr)
        except BaseException:
            if own_pool:
                pool.shutdown(cancel_futures=True)
            raise

    def part_paths(i):
        return partial / f"matches-{i:06d}.{ext}", partial / f"documents-{i:06d}.{ext}"

    grow: dict = {}  # CSV: the table name -> its _GrowingTable
    if fmt == "csv":
        headers = {"matches": MATCH_COLUMNS, "documents": doc_columns}
        if attributions:
            headers["attributions"] = _attribution_columns()
        for name, columns in headers.items():
            old = {int(k): (e["at"][name], e["bytes"][name]) for k, e in done.items()
                   if name in e.get("at", {}) and name in e.get("bytes", {})}
            grow[name] = _GrowingTable(partial / f"{name}.csv", _csv_header(columns), old)

    def attribution_path(i):
        return partial / f"attributions-{i:06d}.{ext}"

    meta_parts = _MetadataParts(partial)  # the extra columns of every chunk (reused ones too), for metadata.EXT

    def chunks_to_score():
        for ch in iter_corpus_chunks(path, chunk_size, report=report, encoding=encoding, fmt=input_format,
                                     dayfirst=dayfirst, progress=bar, split=split, corpus_hash=corpus_hash,
                                     **column_args):
            meta = _corpus.metadata_table(ch.corpus)
            if meta is not None:
                meta_parts.add(meta, ch.index)
            prev = done.get(str(ch.index))
            mp, dp = part_paths(ch.index)
            if grow:
                intact = all(t.intact(ch.index) for t in grow.values())
            else:
                intact = _part_intact(mp, prev, "matches") and _part_intact(dp, prev, "documents") and (
                    not attributions or _part_intact(attribution_path(ch.index), prev, "attributions")) if prev else False
            if prev and prev.get("sha256") == ch.sha256 and intact:
                reused_docs[ch.index] = (ch, prev)
                continue
            ch.corpus.attrs["_chunk"] = ch.index
            ch.corpus.attrs["_sha256"] = ch.sha256
            yield ch.corpus

    def finish_reused(upto):
        for i in sorted(k for k in reused_docs if k < upto):
            _ch, prev = reused_docs.pop(i)
            if grow:  # its rows stay where they are, or are copied to where they now go
                prev = {**prev, "at": {name: t.reuse(i)[0] for name, t in grow.items()}}
            manifest["chunks"][str(i)] = prev
            save_manifest()
            stats["reused"] += 1
            stats["docs"] += prev["documents"]
            stats["matches"] += prev["matches"]
            if on_chunk is not None:
                on_chunk(i, False)

    inflight = (jobs if executor is None else max(jobs, 2)) * 2
    rows_buffer = bytearray()  # the CSV rows of every part are made in it, one part after the other
    try:
        for batch, (matches, documents, *att) in map_in_order(pool, spec, chunks_to_score(), max_inflight=inflight,
                                                              attributions=attributions):
            i = batch.attrs["_chunk"]
            finish_reused(i)
            mp, dp = part_paths(i)
            if grow:
                tables = {"matches": matches, "documents": documents}
                if attributions:
                    tables["attributions"] = att[0]
                sizes, at = {}, {}
                for name, df in tables.items():
                    at[name], sizes[name] = grow[name].append(
                        i, _csv_part_blocks(df, csv_escape, rows_buffer, attributions=name == "attributions"))
            else:
                sizes = {"matches": _write_part(matches, mp, fmt, match_schema, csv_escape, rows_buffer),
                         "documents": _write_part(documents, dp, fmt, doc_schema, csv_escape, rows_buffer)}
            manifest["chunks"][str(i)] = {"sha256": batch.attrs["_sha256"], "documents": len(documents),
                                          "matches": len(matches), "bytes": sizes}
            if grow:
                manifest["chunks"][str(i)]["at"] = at
            if attributions:
                if not grow:
                    sizes["attributions"] = _write_attribution_part(att[0], attribution_path(i), fmt, att_schema,
                                                                    csv_escape, rows_buffer)
                manifest["chunks"][str(i)]["attributions"] = {
                    "rows": len(att[0]),
                    "by_source_type": {str(k): int(v) for k, v in att[0]["source_type"].value_counts().items()}}
            save_manifest()
            stats["scored"] += 1
            stats["docs"] += len(documents)
            stats["matches"] += len(matches)
            if on_chunk is not None:
                on_chunk(i, True)
        finish_reused(float("inf"))
    except BaseException:
        _close_tables(grow)  # kept as they are for a resume
        raise
    finally:
        if own_pool:
            pool.shutdown(cancel_futures=True)
        if bar is not None:
            bar.close()

    try:
        # every chunk is done: summary from the document parts, then merge and rename into place
        indices = sorted(int(k) for k in manifest["chunks"])
        for i in indices:
            _, dp = part_paths(i)
            if fmt == "parquet":
                docs = pd.read_parquet(dp, columns=["outlet", "n_tokens"] + [f"{c}:{s}" for c in all_cats for s in ("count", "rate")])
            else:
                need = ["outlet", "n_tokens"] + [f"{c}:{s}" for c in all_cats for s in ("count", "rate")]
                entry = manifest["chunks"][str(i)]
                source = io.BytesIO(grow["documents"].read(entry["at"]["documents"], entry["bytes"]["documents"])) \
                    if grow else dp
                docs = pd.read_csv(source, header=None, names=doc_columns, usecols=need, keep_default_na=False,
                                   dtype={"outlet": str})
                if csv_escape:
                    from ..csvsafe import unescape_frame

                    unescape_frame(docs, ["outlet"])
            summary_acc.add(docs)
        summary = summary_acc.frame()
        prov = make_provenance(matcher_here.lexicons, None, categories=list(all_cats))
        prov["corpus_sha256"] = corpus_hash.hexdigest()
        prov["corpus_documents"] = int(stats["docs"])
        prov["load_report"] = report.provenance()
        prov["csv_escape"] = "apostrophe" if csv_escape and fmt == "csv" else False
        if summary_acc.exact:
            from ..compare.rates import SUMMARY_INTERVAL_NOTE

            prov["summary_intervals"] = SUMMARY_INTERVAL_NOTE
        manifest["state"] = "finalizing"
        save_manifest()
        # the set is built in the staging folder; output_set swaps it in when this function returns
        if grow:  # each file is complete: renamed into the set
            for name in ("matches", "documents"):
                grow[name].finish(staging / f"{name}.{ext}")
        else:
            for name, parts, header, schema in (
                    ("matches", [part_paths(i)[0] for i in indices], MATCH_COLUMNS, match_schema),
                    ("documents", [part_paths(i)[1] for i in indices], doc_columns, doc_schema)):
                os.replace(_merge_parts(parts, staging / f"{name}.{ext}", fmt, header, schema), staging / f"{name}.{ext}")
        write_table(summary, staging / f"summary.{ext}", csv_escape=csv_escape)
        if meta_parts:  # as score in memory writes it (JSONL chunks may differ in their keys: the union, in order)
            columns = meta_parts.write(staging / f"metadata.{ext}", csv_escape)
            prov["metadata"] = {"table": f"metadata.{ext}", "columns": columns[1:]}
        write_table(report.to_frame(), staging / "load_report.csv", csv_escape=csv_escape)
        atomic_write_text(staging / "provenance.json", dumps(prov))
        if attributions:
            dest = staging / f"attributions.{ext}"
            if grow:
                grow["attributions"].finish(dest)
            else:
                os.replace(_merge_parts([attribution_path(i) for i in indices], dest, fmt, _attribution_columns(),
                                        att_schema), dest)
            atomic_write_text(staging / "attributions_provenance.json",
                              dumps(_attribution_provenance(prov, [manifest["chunks"][str(i)] for i in indices])))
    except BaseException:
        _close_tables(grow)
        raise
    target = resolve_target(out)
    finals = {"matches": target / f"matches.{ext}", "documents": target / f"documents.{ext}",
              "summary": target / f"summary.{ext}", "load_report": target / "load_report.csv",
              "provenance": target / "provenance.json"}
    if meta_parts:
        finals["metadata"] = target / f"metadata.{ext}"
    if attributions:
        finals["attributions"] = target / f"attributions.{ext}"
        finals["attributions_provenance"] = target / "attributions_provenance.json"
    return StreamResult(out, finals, summary, report, prov, list(all_cats), n_documents=int(stats["docs"]),
                        n_matches=int(stats["matches"]), chunks_scored=stats["scored"], chunks_reused=stats["reused"])
