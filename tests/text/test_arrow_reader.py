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


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_read_or_fail_the_same(tmp_path, monkeypatch, name):
    path = tmp_path / "c.csv"
    path.write_bytes(BAD[name])
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
