"""The pyarrow CSV/TSV path gives the table and the load report the exact reader gives, for every file
(messy ones fall back to the exact reader); pinned on real-shaped corpora and on bad files."""
from __future__ import annotations

import pandas as pd
import pytest
from realshaped import write_corpus

from analysis.text import corpus as C


def _both(monkeypatch, path, **kw):
    monkeypatch.setattr(C, "ARROW_MIN_BYTES", 0)
    fast = C.load_corpus(path, **kw)
    monkeypatch.setattr(C, "ARROW_MIN_BYTES", 1 << 62)
    exact = C.load_corpus(path, **kw)
    return fast, exact


def _same(fast, exact):
    (a, ra), (b, rb) = fast, exact
    pd.testing.assert_frame_equal(a.astype(object), b.astype(object))
    assert ra.provenance() == rb.provenance()
    assert ra.to_frame().equals(rb.to_frame())


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_real_shaped_corpus_reads_the_same(tmp_path, monkeypatch, fmt):
    facts = write_corpus(tmp_path / f"c.{fmt}", n_outlets=25, seed=6, broken_share=0.2)
    fast, exact = _both(monkeypatch, facts["path"])
    _same(fast, exact)
    assert len(fast[0]) == facts["n_rows"]


def test_the_arrow_path_is_taken_and_keeps_arrow_strings(tmp_path, monkeypatch):
    facts = write_corpus(tmp_path / "c.csv", n_outlets=10, seed=1)
    monkeypatch.setattr(C, "ARROW_MIN_BYTES", 0)
    raw = facts["path"].read_bytes()
    table = C._read_delimited_arrow(facts["path"], ",", None, C.LoadReport("x"), raw)
    assert table is not None
    corpus, _ = C.load_corpus(facts["path"])
    assert isinstance(corpus["text"].array, pd.arrays.ArrowStringArray)


BAD = {
    "wrong field count": b"doc_id,outlet,text\na,X,It may rain.\nb,Y\nc,Z,It may.\n",
    "blank lines": b"doc_id,outlet,text\na,X,It may rain.\n\nc,Z,It may.\n",
    "quoted newlines and doubled quotes": b'doc_id,outlet,text\na,X,"It ""may""\nrain."\nb,Y,"x,\ny"\n',
    "not utf-8": b"doc_id,outlet,text\na,X,caf\xe9 may\nb,Y,It may.\n",
    "utf-8 bom": b"\xef\xbb\xbfdoc_id,outlet,text\na,X,It may rain.\n",
    "crlf": b"doc_id,outlet,text\r\na,X,It may rain.\r\nb,Y,\"x\r\ny\"\r\n",
    "header spaces": b" doc_id , outlet ,text\na,X,It may rain.\n",
    "empty cells and NUL": b"doc_id,outlet,text\na,,It may\x00 rain.\n,Y,\nc,Z,<p>It <b>may</b></p>\n",
    "closing quote then text": b'doc_id,outlet,text\na,X,"It may"x\n',
    "duplicate ids and numbers": b"doc_id,outlet,text\n1,2,It may.\n1,2,It might.\n",
    "one column": b"text\nIt may rain.\n\nIt may.\n",
}


def _read_or_fail_alike(monkeypatch, path):
    """The fast (pyarrow) and the exact reader give the same table and report, or the same error."""
    out = []
    for limit in (0, 1 << 62):
        monkeypatch.setattr(C, "ARROW_MIN_BYTES", limit)
        try:
            out.append(C.load_corpus(path))
        except C.CorpusError as exc:
            out.append(str(exc))
    if isinstance(out[0], str) or isinstance(out[1], str):
        assert out[0] == out[1]
    else:
        _same(out[0], out[1])


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_read_or_fail_the_same(tmp_path, monkeypatch, name):
    path = tmp_path / "c.csv"
    path.write_bytes(BAD[name])
    _read_or_fail_alike(monkeypatch, path)


def test_real_shaped_jsonl_reads_the_same(tmp_path, monkeypatch):
    facts = write_corpus(tmp_path / "c.jsonl", n_outlets=25, seed=6, broken_share=0.2)
    monkeypatch.setattr(C, "ARROW_MIN_BYTES", 0)
    assert C._read_jsonl_arrow(facts["path"], None, C.LoadReport("x"), facts["path"].read_bytes()) is not None
    fast, exact = _both(monkeypatch, facts["path"])
    _same(fast, exact)


BAD_JSONL = {
    "invalid line": b'{"doc_id": "a", "text": "It may."}\n{"doc_id": "b", "text": \n{"doc_id": "c", "text": "x"}\n',
    "blank line": b'{"doc_id": "a", "text": "It may."}\n\n{"doc_id": "c", "text": "x"}\n',
    "not an object": b'{"doc_id": "a", "text": "It may."}\n[1, 2]\n',
    "key twice": b'{"doc_id": "a", "doc_id": "b", "text": "It may."}\n',
    "mixed types": b'{"doc_id": 1, "text": "It may."}\n{"doc_id": "b", "text": "x"}\n',
    "numbers, floats, booleans, missing keys": b'{"doc_id": 1, "outlet": true, "text": "It may.", "n": 2}\n'
                                              b'{"doc_id": 2.5, "text": "x", "lean": "left"}\n{"text": "y"}\n',
    "nested values": b'{"doc_id": "a", "text": "It may.", "m": {"k": [1]}}\n{"doc_id": "b", "text": ["x"]}\n',
    "iso dates and timestamps": b'{"doc_id": "a", "date": "2024-01-05", "text": "It may."}\n'
                                b'{"doc_id": "b", "date": "2024-01-06T10:00:00Z", "text": "x"}\n',
    "crlf and no final newline": b'{"doc_id": "a", "text": "It may."}\r\n{"doc_id": "b", "text": "x"}',
    "a lone carriage return": b'{"doc_id": "a", "text": "It may."}\r\n{"doc_id": "b", "text": "x"}\r\r\n',
    "text with escaped newlines and u2028": '{"doc_id": "a", "text": "It\\nmay\u2028rain \\u0000."}\n'.encode(),
}


@pytest.mark.parametrize("name", sorted(BAD_JSONL))
def test_bad_jsonl_reads_or_fails_the_same(tmp_path, monkeypatch, name):
    path = tmp_path / "c.jsonl"
    path.write_bytes(BAD_JSONL[name])
    _read_or_fail_alike(monkeypatch, path)


# one cell of each kind the text rules treat: most pass the quick test, the others take the full rules
TEXT_CASES = [
    ("It may rain.", None),
    ("a\x00b may", "text_nul"),
    ("one\r\ntwo\rthree", None),
    ("<p>short <b>tag</b></p>", "text_html"),
    ("x < y, and it may", None),  # a '<' that is not markup
    ("   ", "text_empty"),
    ("", "text_empty"),
    ("!!! ??? — …", "text_no_words"),
    ("日本語のテキスト", None),  # words, none of them ASCII
    ("ünïcödé straße", None),
]


@pytest.mark.parametrize("arrow", [True, False])
def test_text_rules_row_by_row_on_both_readers(tmp_path, monkeypatch, arrow):
    lines = ["doc_id,outlet,text"]
    for i in range(400):
        text, _ = TEXT_CASES[i % len(TEXT_CASES)]
        lines.append(f'd{i},X,"{text}"')
    path = tmp_path / "c.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    monkeypatch.setattr(C, "ARROW_MIN_BYTES", 0 if arrow else 1 << 62)
    corpus, report = C.load_corpus(path)
    found = {(issue.row, issue.kind) for issue in report.issues}
    expected = {(i + 2, code) for i in range(400) if (code := TEXT_CASES[i % len(TEXT_CASES)][1])}
    assert found == expected
    assert len(report.issues) == len(expected)  # one issue per row, none twice
    rows = [i for i in range(400) if TEXT_CASES[i % len(TEXT_CASES)][1] != "text_empty"]
    assert corpus["doc_id"].tolist() == [f"d{i}" for i in rows]
    texts = dict(zip(corpus["doc_id"], corpus["text"]))
    assert texts["d0"] == "It may rain." and texts["d1"] == "ab may" and texts["d2"] == "one\ntwo\nthree"
    assert "<" not in texts["d3"] and "tag" in texts["d3"] and texts["d4"] == "x < y, and it may"
    assert texts["d8"] == "日本語のテキスト" and texts["d17"] == "!!! ??? — …"
    if arrow:  # the changed rows are replaced in place: the column stays Arrow strings
        assert isinstance(corpus["text"].array, pd.arrays.ArrowStringArray)


def test_cells_left_to_the_rules_are_found_in_the_arrow_bytes():
    """``_cells_to_clean`` gives every cell the per-cell fast test of ``_clean_texts`` would send to the
    rules, found in the column's bytes: across chunks, in a sliced chunk, with missing cells, a word
    character only after the first 64 bytes, many of one special byte, undecodable rows."""
    import numpy as np
    import pyarrow as pa

    cells = [case for case, _ in TEXT_CASES] + [None, "", " " * 70 + "word", "<" * 20_001, "x\r\ny", "é" * 40 + "a"]
    for kind in (pa.string(), pa.large_string()):
        arr = pa.chunked_array([pa.array(cells[:7], kind), pa.array(cells[7:] + cells, kind).slice(2)])
        series = pd.Series(pd.arrays.ArrowStringArray(arr))
        undecodable = np.zeros(len(series), dtype=bool)
        undecodable[0] = True
        values = arr.to_pylist()
        fast = [isinstance(v, str) and "<" not in v and "\x00" not in v and "\r" not in v
                and bool(C._ASCII_WORD.search(v)) and not undecodable[i] for i, v in enumerate(values)]
        assert C._cells_to_clean(series, undecodable).tolist() == [i for i, ok in enumerate(fast) if not ok]
    assert C._cells_to_clean(pd.Series(values, dtype=object), undecodable) is None


def test_reading_on_one_thread_gives_the_same_table(tmp_path):
    # score --jobs 1 reads on one thread (threads=False), --jobs N on pyarrow's threads: the same corpus
    facts = write_corpus(tmp_path / "c.csv", n_outlets=40, seed=3, max_docs=60)
    one, many = C.load_corpus(facts["path"], threads=False), C.load_corpus(facts["path"], threads=True)
    pd.testing.assert_frame_equal(one[0], many[0])
    assert one[1].provenance() == many[1].provenance()


@pytest.mark.parametrize("case", ["plain", "tsv", "bom", "unsafe quotes", "blank line", "other file"])
def test_a_prefetched_file_reads_as_the_file_itself(tmp_path, monkeypatch, case):
    # score --jobs N reads and parses the file on a thread while the library is imported
    # (arrowcsv.Prefetch); load_corpus uses what it made only when it is what it would make itself
    from analysis.text.arrowcsv import Prefetch

    monkeypatch.setattr(C, "ARROW_MIN_BYTES", 0)
    fmt = "tsv" if case == "tsv" else "csv"
    path = write_corpus(tmp_path / f"c.{fmt}", n_outlets=20, seed=2)["path"]
    raw = path.read_bytes()
    if case == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + raw)
    elif case == "unsafe quotes":
        path.write_bytes(raw.replace(b"\n", b'\nd"x,', 1))
    elif case == "blank line":
        path.write_bytes(raw.replace(b"\n", b"\n\n", 2))
    sep = "\t" if fmt == "tsv" else ","
    monkeypatch.setattr("analysis.text.arrowcsv.MIN_BYTES", 0)
    other = tmp_path / "other.csv"
    if case == "other file":
        other.write_bytes(raw)
    import analysis.text.arrowcsv as A

    calls = []
    real = A.parse
    monkeypatch.setattr(A, "parse", lambda *a: calls.append(a[1]) or real(*a))
    prefetch = Prefetch(other if case == "other file" else path, sep)
    prefetch.join()
    with_prefetch = C.load_corpus(path, prefetch=prefetch)
    parsed_here = len(calls) - 1  # the thread parsed once
    _same(with_prefetch, C.load_corpus(path))
    assert prefetch.take(path, sep) == (None, None)  # given once
    assert parsed_here == (case == "other file")  # the thread's table was used (and refused where it must be)


def test_unsafe_quote_check_is_the_same_a_block_at_a_time():
    """The quote check reads a megabyte at a time (issue 19: one mask of a 60 MB file cost 0.16 s of
    page faults); a quote at a block's edge is judged by its neighbours across the edge."""
    import numpy as np

    from analysis.text.corpus import _unsafe_quotes

    def whole(body):
        arr = np.frombuffer(body, dtype=np.uint8)
        q = np.flatnonzero(arr == 0x22)
        q = q[(q > 0) & (q < len(arr) - 1)]
        special = np.zeros(256, dtype=bool)
        special[[0x2C, 0x09, 0x0D, 0x0A, 0x22]] = True
        return bool(len(q)) and bool(np.any(~special[arr[q - 1]] & ~special[arr[q + 1]]))

    rng = np.random.default_rng(11)
    alphabet = np.frombuffer(b'ab,"\n\t\r ', dtype=np.uint8)
    seen = set()
    for trial in range(300):
        body = rng.choice(alphabet, size=int(rng.integers(0, 40)), p=[.2, .2, .15, .2, .1, .05, .05, .05]).tobytes()
        for block in (1, 2, 3, 7, 1 << 20):
            assert _unsafe_quotes(body, block) == whole(body), (body, block)
        seen.add(whole(body))
    assert seen == {True, False}
    assert _unsafe_quotes(b'a,"x"y,b', 4) and not _unsafe_quotes(b'a,"x",b\n', 4)


def test_cells_at_takes_chunk_by_chunk_what_iloc_gives():
    """The cells to clean are taken from their own chunks (pyarrow's take on a chunked array joins every
    chunk first): the same values and missing cells as ``iloc``, across empty and sliced chunks."""
    import numpy as np
    import pyarrow as pa

    chunks = [pa.array(["a", None, "c"], pa.large_string()), pa.array([], pa.large_string()),
              pa.array(["x", "d", "e\x00", None, "g"], pa.large_string()).slice(1)]
    like = pd.Series(["z"]).array
    column = pd.Series(type(like)(pa.chunked_array(chunks), dtype=like.dtype))
    rng = np.random.default_rng(0)
    for positions in [np.array([], dtype=np.int64), np.array([3]), np.array([0, 1, 5, 6]), np.arange(7),
                      np.sort(rng.choice(7, 4, replace=False))]:
        got = C._cells_at(column, positions)
        want = column.iloc[positions].to_numpy(dtype=object)
        assert len(got) == len(want)
        assert all((g is w) or (g == w) or (pd.isna(g) and pd.isna(w)) for g, w in zip(got, want))
