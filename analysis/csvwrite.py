"""CSV bytes of a table, vectorised, identical to ``DataFrame.to_csv(index=False, lineterminator="\\n")``.

pandas formats and quotes every cell in a Python-level loop over rows; for the big tables
(``matches.csv``, ``documents.csv``: millions of rows) that loop is most of the writing time. Here
each column is turned into strings at once (numpy's shortest round-trip repr for floats, the same
digits Python's ``repr`` and pandas give; Arrow casts for integers), quoted where the ``csv`` module's
minimal quoting quotes with a ``\\n`` line terminator (a comma, a double quote or ``\\n`` in the cell,
not ``\\r``; ``""`` for an empty text in a one-column table), and the rows are joined by Arrow's string
kernels into one buffer.

:func:`to_csv_bytes` returns None for a table it cannot write exactly like pandas (object columns
holding non-strings, time zones, categories, nested values); the caller then uses pandas. The tests
compare both byte for byte on generated and real tables.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["core_columns", "one_array", "rows_into", "to_csv_bytes"]

def one_array(arr):
    """``arr`` as one pyarrow array: a chunked array's only chunk as it is (``combine_chunks`` copies even
    one chunk: the 60 MB content column of the 10M-token benchmark's attributions), else its chunks
    combined."""
    import pyarrow as pa

    if not isinstance(arr, pa.ChunkedArray):
        return arr
    return arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()


def _floats(values: np.ndarray):
    """The cells of a float64 column as a pyarrow string array: numpy's repr (shortest round trip, as
    Python and pandas write), "" for NaN. Each distinct value is formatted once and taken (rates, shares
    and rounded scores repeat: 0.0 in most cells of a documents table, at most 10,001 values of a score
    rounded to 4 decimals); distinct by bits, so that -0.0 and 0.0 keep their own text. The take builds
    the UTF-8 directly: a numpy array of str per cell and its conversion cost 0.07-0.16 s for the 384,000
    cue scores of the 10M-token benchmark, the take 0.01 s."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = np.ascontiguousarray(values, dtype=np.float64)
    distinct, where = np.unique(values.view(np.int64), return_inverse=True)
    if len(distinct) * 2 > len(values):
        text = values.astype(str)
        text[np.isnan(values)] = ""
        return pa.array(text, pa.string())
    floats = distinct.view(np.float64)
    words = floats.astype(str)
    words[np.isnan(floats)] = ""
    return pc.take(pa.array(words, pa.string()), pa.array(where.reshape(-1), pa.int64()))


def _column_strings(s: pd.Series):
    """The cells of one column as a pyarrow string array (unquoted), or None when unsupported."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype) and dtype == bool:
        return pa.array(np.where(s.to_numpy(), "True", "False"), pa.string())
    if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return pc.cast(pa.array(s.to_numpy()), pa.string())
    if pd.api.types.is_float_dtype(dtype) and dtype == np.float64:
        return _floats(s.to_numpy())
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        values = s
        times = values.dropna()
        if len(times) and not (times.dt.normalize() == times).all():
            return None  # times of day: pandas' own format (rare in our tables)
        return pa.array(values.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object), pa.string())
    if dtype == object or isinstance(dtype, pd.StringDtype):
        try:  # an Arrow-backed string column (pandas 3's default) converts without copying
            arr = pa.array(s, from_pandas=True) if isinstance(dtype, pd.StringDtype) else \
                pa.array(s.to_numpy(dtype=object), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_null(arr.type)):
            return None  # numbers, lists or mixtures in an object column
        return pc.fill_null(pc.cast(arr, pa.string()), "")
    return None


def _quoted(arr):
    import pyarrow.compute as pc

    if len(arr) >= 1024:
        # columns such as entry, category or doc_id repeat a few values: each distinct value is quoted once
        # and taken (the entry column of a 250,000-row match table: 0.18 -> 0.02 s)
        coded = pc.dictionary_encode(one_array(arr))
        if len(coded.dictionary) * 2 <= len(arr):
            return pc.take(_quoted(coded.dictionary), coded.indices)
    needs = pc.or_(pc.or_(pc.match_substring(arr, ","), pc.match_substring(arr, '"')),
                   pc.match_substring(arr, "\n"))  # plain substring kernels: much faster than a regex
    if not pc.any(needs).as_py():
        return arr
    doubled = pc.replace_substring(arr, '"', '""')
    wrapped = pc.binary_join_element_wise('"', doubled, '"', "")  # '"' + cell + '"' 
    return pc.if_else(needs, wrapped, arr)


def to_csv_bytes(df: pd.DataFrame, header: bool = True, escape: bool = False) -> bytes | None:
    """``df.to_csv(index=False, lineterminator="\\n").encode()``, built column-wise; None if unsupported.

    With ``escape``, the bytes of ``escape_frame(df)`` (:mod:`analysis.csvsafe`). When the compiled core
    is built and every column is one it writes (see :func:`_core_rows`), it makes the rows in one pass
    (about 5x faster than Arrow's kernels on a match table); otherwise Arrow's kernels do.

    Examples
    --------
    >>> df = pd.DataFrame({"a": ["x", "y,z"], "b": [1.0, float("nan")], "c": [1, 2]})
    >>> to_csv_bytes(df) == df.to_csv(index=False, lineterminator="\\n").encode()
    True
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    if not isinstance(df.index, pd.RangeIndex) and len(df.columns) == 0:
        return None
    head = pd.DataFrame(columns=df.columns).to_csv(index=False, lineterminator="\n").encode("utf-8") if header else b""
    if len(df) == 0:
        return head
    if df.columns.duplicated().any() or len(df.columns) == 0:
        return None
    rows = _core_rows(df, escape)
    if rows is not None:
        return head + rows
    if escape:
        from .csvsafe import escape_frame

        df = escape_frame(df)
    cols = []
    for name in df.columns:
        arr = _column_strings(df[name])
        if arr is None:
            return None
        text = df[name].dtype == object or isinstance(df[name].dtype, pd.StringDtype)
        cols.append(pc.cast(_quoted(arr) if text else arr, pa.large_string()))  # 64-bit offsets: over 2 GB
    if len(cols) == 1:  # the csv module writes an empty one-field row as ""
        cols[0] = pc.if_else(pc.equal(cols[0], ""), pa.scalar('""', pa.large_string()), cols[0])
    comma = pa.scalar(",", pa.large_string())
    rows = pc.binary_join_element_wise(*cols, comma) if len(cols) > 1 else cols[0]
    rows = pc.binary_join_element_wise(rows, pa.scalar("", pa.large_string()),
                                       pa.scalar("\n", pa.large_string()))  # each row, then \n
    rows = one_array(rows)
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32 if rows.type == pa.string() else np.int64)
    start, stop = int(offsets[rows.offset]), int(offsets[rows.offset + len(rows)])
    body = rows.buffers()[2].to_pybytes()[start:stop]
    return head + body


def _core_rows(df: pd.DataFrame, escape: bool) -> bytes | None:
    """The rows of ``df`` (no header) made by the compiled core's CSV writer (``_core.csv_rows``, the
    writer of ``attributions.csv``), or None when the core is not built or :func:`core_columns` does not
    take the table. The same bytes as the Arrow path below (``tests/reliability/test_csv_writer.py``)."""
    try:
        from . import _core
    except ImportError:  # pragma: no cover - a build without the compiled core
        return None
    cols = core_columns(df)
    return None if cols is None else _core.csv_rows(len(df), cols, escape)


def rows_into(df: pd.DataFrame, escape: bool, into: bytearray) -> int | None:
    """The rows of ``df`` (no header) as :func:`to_csv_bytes` makes them, made by the compiled core in
    the buffer ``into`` (grown when needed): the number of its first bytes that hold them, or None when
    the core is not built or does not take the table (the caller then uses :func:`to_csv_bytes`). A
    buffer reused from table to table is touched once, not a new block of memory per table (a streamed
    run writes hundreds of chunks)."""
    try:
        from . import _core
    except ImportError:  # pragma: no cover - a build without the compiled core
        return None
    if len(df) == 0 or df.columns.duplicated().any():
        return None
    cols = core_columns(df)
    return None if cols is None else _core.csv_rows(len(df), cols, escape, into)


def core_columns(df: pd.DataFrame) -> list | None:
    """The columns of ``df`` as ``_core.csv_rows`` takes them (``(kind, a, b)``: kind 0 text, quoted and
    escaped as needed, as int64 offsets and UTF-8 data; 1 text written as is; 2 int64 values; 3 bool
    bytes), or None when a column is not one it takes. It takes two columns or more (a one-column table
    writes an empty cell as ``""``), each of them text (str, or object holding only strings and missing
    values, written empty; an Arrow column's buffers are used as they are), bool, integer (as int64),
    float64 (numpy's shortest round-trip text, as :func:`_floats`) or dates without a time of day
    (``YYYY-MM-DD``). :func:`analysis.measure.attribution.write_attributions` writes its blocks from
    these too."""
    if len(df.columns) < 2:
        return None
    cols = []
    for name in df.columns:
        s = df[name]
        dtype = s.dtype
        if isinstance(dtype, np.dtype) and dtype == bool:
            cols.append((3, np.ascontiguousarray(s.to_numpy()).view(np.uint8), b""))
        elif isinstance(dtype, np.dtype) and dtype.kind in "iu":
            values = s.to_numpy()
            if dtype.kind == "u" and dtype.itemsize == 8 and len(values) and values.max() > np.iinfo(np.int64).max:
                return None
            cols.append((2, np.ascontiguousarray(values, dtype=np.int64), b""))
        elif isinstance(dtype, np.dtype) and dtype in (np.float64, "M8[ns]", "M8[us]", "M8[ms]", "M8[s]"):
            arr = _column_strings(s)  # floats or dates as text: never quoted nor escaped
            if arr is None:
                return None
            cols.append((1, *_text_buffers(arr)))
        elif dtype == object or isinstance(dtype, pd.StringDtype):
            arrow = getattr(s.array, "__arrow_array__", None)
            arr = arrow() if arrow is not None and isinstance(dtype, pd.StringDtype) else _column_strings(s)
            if arr is None:
                return None
            cols.append((0, *_text_buffers(arr)))
        else:
            return None
    return cols


def _text_buffers(arr):
    """(int64 offsets, UTF-8 data) of a string array without missing values, as ``_core.csv_rows`` takes
    a text column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = one_array(arr)
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    if not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.large_string())
    _, offsets, data = arr.buffers()
    off = np.frombuffer(offsets, dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1] if len(arr) else np.zeros(
        1, dtype=np.int64)
    return np.ascontiguousarray(off), (data if data is not None else b"")
