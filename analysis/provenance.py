"""Provenance: content hashes of corpora and lexicons and the package version, attached to every output.

Nothing here records wall-clock time or machine names, so the same inputs give byte-identical outputs.
"""
from __future__ import annotations

import hashlib
import json
import math
from functools import lru_cache
from importlib import metadata

import numpy as np
import pandas as pd

from .csvwrite import one_array

__all__ = ["corpus_sha256", "dumps", "hash_rows", "package_version", "provenance"]


@lru_cache(maxsize=1)
def package_version() -> str:
    """The installed version (read once per process: the metadata lookup scans site-packages)."""
    try:
        return metadata.version("media-framing-analysis")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def corpus_sha256(corpus: pd.DataFrame, values: dict | None = None) -> str:
    """SHA-256 over doc_id, outlet, date and text of every row, in order. ``values`` may hold columns
    already read as lists (``{"text": [...]}``), which saves reading them again.

    >>> import pandas as pd
    >>> len(corpus_sha256(pd.DataFrame({"doc_id": ["a"], "text": ["x"]})))
    64
    """
    h = hashlib.sha256()
    hash_rows(h, corpus, ("doc_id", "outlet", "date", "text"), values)
    return h.hexdigest()


def hash_rows(h, corpus: pd.DataFrame, columns=("doc_id", "outlet", "date", "text"), values: dict | None = None):
    """Feed the rows of ``corpus`` to the hash object ``h``: for every row, each of ``columns`` that the
    table has (missing values as ""), each followed by a unit separator, then a record separator.
    Hashing a corpus chunk by chunk gives the hash of the whole. ``values``: columns already read as lists."""
    cols = [c for c in columns if c in corpus.columns]
    if not cols:
        h.update(b"\x1e" * len(corpus))
        return
    values = values or {}
    # the bytes of _HASH_BLOCK rows at a time, one join and one encode per block: the same bytes as
    # feeding every value and separator on its own (UTF-8 with surrogatepass encodes each code point
    # by itself, so the encoding of a join is the join of the encodings), without two calls per value
    # and without a Python string of every text of the corpus at once
    row_end = "\x1f" * len(cols) + "\x1e"
    fmt = "\x1f".join(["{}"] * len(cols)) + "\x1f\x1e"
    for a in range(0, len(corpus), _HASH_BLOCK):
        lists = [[_hash_text(v) for v in (values[c][a:a + _HASH_BLOCK] if c in values else
                                          corpus[c].iloc[a:a + _HASH_BLOCK].tolist())] for c in cols]
        if len(cols) == 1:
            block = row_end.join(lists[0]) + row_end
        else:
            block = "".join(map(fmt.format, *lists))
        h.update(block.encode("utf-8", "surrogatepass"))


_HASH_BLOCK = 4096  # rows of a corpus joined into one string before they are hashed


def hash_rows_many(corpus: pd.DataFrame, targets) -> None:
    """:func:`hash_rows` of ``corpus`` into several hash objects at once: ``targets`` is a list of
    ``(h, columns)``. Each column is read once for all of them (a streamed run hashed every text twice,
    for the chunk's hash and the corpus's), and the rows are joined by Arrow's string kernels (a
    Python join per row was 1.7 s of a 40M-word run, profiled); the bytes each hash object gets are
    those :func:`hash_rows` gives it (``tests/test_provenance.py``)."""
    present = [[c for c in cols if c in corpus.columns] for _h, cols in targets]
    for (h, _cols), cols in zip(targets, present):
        if not cols:
            h.update(b"\x1e" * len(corpus))
    needed = list(dict.fromkeys(c for cols in present for c in cols))
    if not needed:
        return
    for a in range(0, len(corpus), _HASH_BLOCK * 16):
        block = corpus.iloc[a:a + _HASH_BLOCK * 16]
        arrays = _arrow_texts(block, needed)
        for (h, _cols), cols in zip(targets, present):
            if not cols:
                continue
            if arrays is None:  # text Arrow cannot hold (lone surrogates): row by row
                hash_rows(h, block, cols)
                continue
            h.update(_joined_rows([arrays[c] for c in cols]))


def _arrow_texts(block: pd.DataFrame, columns):
    """Each column of ``block`` as an Arrow large_string array of the texts :func:`hash_text` gives its
    values, or None when a text is not valid UTF-8 (a lone surrogate)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = {}
    for c in columns:
        s = block[c]
        try:
            if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
                arr = pa.array(s, from_pandas=True)  # str: the values themselves, missing as null
            else:
                arr = pa.array([hash_text(v) for v in s.tolist()], type=pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):
            return None
        arr = one_array(arr)
        out[c] = pc.fill_null(arr.cast(pa.large_string()), "")
    return out


def _joined_rows(arrays):
    """The bytes of ``value \\x1f ... value \\x1f \\x1e`` for every row of the aligned ``arrays``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    sep = pa.scalar("\x1f", pa.large_string())
    rows = pc.binary_join_element_wise(*arrays, sep) if len(arrays) > 1 else arrays[0]
    rows = pc.binary_join_element_wise(rows, pa.scalar("", pa.large_string()), pa.scalar("\x1f\x1e", pa.large_string()))
    rows = one_array(rows)
    off = np.frombuffer(rows.buffers()[1], dtype=np.int64)
    start, stop = int(off[rows.offset]), int(off[rows.offset + len(rows)])
    data = rows.buffers()[2]
    return b"" if data is None else memoryview(data)[start:stop]  # no copy: hashed where it lies


def hash_text(value) -> str:
    """The text a corpus value is hashed as: ``""`` for None and NaN, else ``str(value)``."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


_hash_text = hash_text


def provenance(lexicons, corpus: pd.DataFrame | None = None, *, corpus_values: dict | None = None, **extra) -> dict:
    """The provenance dict that travels with every table and figure (``corpus_values``: see
    :func:`corpus_sha256`)."""
    out = {
        "package": "media-framing-analysis",
        "package_version": package_version(),
        "lexicons": [
            {k: v for k, v in (lx.provenance() if hasattr(lx, "provenance") else dict(lx)).items() if k != "path"}
            for lx in lexicons
        ],
    }
    if corpus is not None:
        out["corpus_sha256"] = corpus_sha256(corpus, corpus_values)
        out["corpus_documents"] = len(corpus)
    out.update(extra)
    return out


def dumps(obj) -> str:
    """Stable JSON text (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n"
