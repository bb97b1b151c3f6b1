"""pyarrow's CSV/TSV reader as :func:`analysis.text.corpus.load_corpus` calls it, in a module that imports
nothing heavy (pyarrow only when it parses), so that ``score --jobs N`` can read and parse the corpus file
on a thread while the rest of the library is being imported (:class:`Prefetch`).

Importing pandas, numpy and the library takes about 0.35 s of one core and holds the interpreter lock;
reading a 60 MB file and parsing it (page faults, pyarrow's parser) mostly does not, so the two overlap
on a second core. ``load_corpus`` checks everything else as before (:func:`analysis.text.corpus._unsafe_quotes`,
blank rows, the invalid rows) and uses the prefetched table only when it is the one it would have made
itself: same file, same separator, same header, same threads.
"""
from __future__ import annotations

import codecs
import csv
import io
import threading
from pathlib import Path

__all__ = ["Prefetch", "arrow_body", "header_of", "parse"]

MIN_BYTES = 1 << 20  # the default of corpus.ARROW_MIN_BYTES: smaller files go to the exact reader


def arrow_body(raw: bytes, encoding, min_bytes: int = MIN_BYTES) -> bytes | None:
    """The bytes pyarrow's reader parses (without a UTF-8 byte order mark), or None when the file goes to
    the exact reader: an encoding other than UTF-8, a UTF-16 byte order mark, or under ``min_bytes``."""
    if encoding not in (None, "utf-8", "utf8", "utf-8-sig") or len(raw) < min_bytes:
        return None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    return raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw


def header_of(body: bytes, sep: str) -> list | None:
    """The header's cells as the ``csv`` module reads them, or None when the exact reader must read the
    file: no complete first line in 64 KB, fewer than two columns, a blank column name."""
    head = body[: 1 << 16].decode("utf-8", errors="replace")
    try:
        first = next(csv.reader(io.StringIO(head, newline=""), delimiter=sep, strict=True))
    except (csv.Error, StopIteration):
        return None
    if len(first) < 2 or "\n" not in head or any(not h.strip() for h in first):
        return None
    return first


def parse(body: bytes, sep: str, first: list, threads: bool = True):
    """``(table, invalid rows)`` from pyarrow's reader, every column as text; None when it refuses the
    bytes (invalid UTF-8 and the like: the exact reader reports them)."""
    import pyarrow as pa
    import pyarrow.csv as pv

    invalid = []

    def handler(row):
        invalid.append(row)
        return "skip"

    try:
        table = pv.read_csv(
            pa.py_buffer(body),
            read_options=pv.ReadOptions(use_threads=threads, block_size=1 << 22),
            parse_options=pv.ParseOptions(delimiter=sep, quote_char='"', double_quote=True, escape_char=False,
                                          newlines_in_values=True, ignore_empty_lines=False,
                                          invalid_row_handler=handler),
            convert_options=pv.ConvertOptions(column_types={name: pa.string() for name in first},
                                              strings_can_be_null=False, quoted_strings_can_be_null=False,
                                              null_values=[]),
        )
    except (pa.ArrowInvalid, pa.ArrowException, ValueError):
        return None
    return table, invalid


class Prefetch:
    """A corpus file read, and parsed by pyarrow, on a thread started now.

    :meth:`take` waits for the thread and gives what it made when it is for the same file and
    separator. The thread never raises: on any error :meth:`take` gives nothing and the caller reads the
    file itself (and meets the error there).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "c.csv")
    >>> _ = open(path, "w").write("doc_id,text\\nd1,It may rain.\\n")
    >>> raw, parsed = Prefetch(path, ",").take(path, ",")
    >>> raw[:6], parsed  # read; too small to be parsed by pyarrow
    (b'doc_id', None)
    """

    def __init__(self, path, sep: str, encoding=None, threads: bool = True):
        self.path, self.sep, self.encoding, self.threads = Path(path), sep, encoding, threads
        self.raw = self.parsed = None
        self._thread = threading.Thread(target=self._run, name="mfa-prefetch", daemon=True)
        self._thread.start()

    def _run(self):
        try:
            self.raw = raw = self.path.read_bytes()
            body = arrow_body(raw, self.encoding, MIN_BYTES)
            first = header_of(body, self.sep) if body is not None else None
            if first is not None:
                self.parsed = (self.threads, first, parse(body, self.sep, first, self.threads))
        except BaseException:  # noqa: BLE001 - the caller reads the file again and meets the error itself
            self.raw = self.parsed = None

    def join(self):
        self._thread.join()

    def take(self, path, sep: str):
        """``(raw bytes, (threads, header, parse result) or None)`` for ``path`` read with ``sep``, or
        ``(None, None)`` when this prefetch is for another file or failed. Given once."""
        self.join()
        if Path(path) != self.path or sep != self.sep or self.raw is None:
            return None, None
        raw, parsed = self.raw, self.parsed
        self.raw = self.parsed = None
        return raw, parsed
