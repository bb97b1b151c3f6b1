"""The bad-corpus matrix: each malformed input either fails with one exact line naming the file (and the
line or row), or loads with every problem listed in the load report. No row is ever lost:
``report.n_read == len(corpus) + report.n_skipped`` in every successful case.

The same cases are listed, with the observed behaviour, in docs/reliability.md.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.text.corpus import CorpusError, load_corpus

# -- inputs that cannot be read at all: one exact message ---------------------------------------------
# (name, file name, bytes, load_corpus keyword arguments, message with {p} for the path)
REFUSED = [
    ("empty file", "a.csv", b"", {}, "{p}: the file is empty"),
    ("only blank lines", "a.csv", b"\n\n  \r\n", {}, "{p}: the file is empty"),
    ("header only", "a.csv", b"doc_id,outlet,text\n", {}, "{p}: header only, no rows"),
    ("header only with a BOM", "a.csv", b"\xef\xbb\xbfdoc_id,text\r\n", {}, "{p}: header only, no rows"),
    ("missing text column", "a.csv", b"doc_id,outlet,body_text\n1,A,It may rain.\n", {},
     ("{p}: no text column (looked for text, body, content, article, full_text, story; "
     "columns are: doc_id, outlet, body_text); name it with --text-col")),
    ("misnamed --text-col", "a.csv", b"doc_id,body_text\n1,It may rain.\n", {"text_col": "txt"},
     "{p}: no column 'txt' for text (columns are: doc_id, body_text)"),
    ("odd column names are quoted", "a.csv", b'doc_id,"bo\ndy"\n1,x\n', {},
     ("{p}: no text column (looked for text, body, content, article, full_text, story; "
     "columns are: doc_id, 'bo\\ndy'); name it with --text-col")),
    ("duplicate column names", "a.csv", b"doc_id,text,text\n1,a,b\n", {},
     "{p}:1: duplicate column name 'text' in the header (columns 2 and 3); rename one of them"),
    ("unterminated quote", "a.csv", b'doc_id,text\n1,"It may\nrain.\n2,ok\n', {},
     "{p}: line 2: malformed CSV quoting (unexpected end of data) in the record starting on this line"),
    ("text after a closing quote", "a.csv", b'doc_id,text\n1,ok\n2,"It may" rain\n', {},
     "{p}: line 3: malformed CSV quoting (',' expected after '\"') in the record starting on this line"),
    ("malformed header", "a.csv", b'"doc_id,text\n', {}, "{p}:1: malformed header: unexpected end of data"),
    ("unknown encoding", "a.csv", b"doc_id,text\n1,x\n", {"encoding": "nope"},
     "{p}: cannot decode as nope: unknown encoding: nope"),
    ("wrong --encoding", "a.csv", "doc_id,text\n1,café\n".encode(), {"encoding": "ascii"},
     "{p}: cannot decode as ascii: 'ascii' codec can't decode byte 0xc3 in position 17: ordinal not in range(128)"),
    ("unknown format", "a.xlsx", b"PK\x03\x04", {},
     "{p}: unknown corpus format 'xlsx' (use csv, tsv, jsonl, parquet, txt or html)"),
    ("corrupt parquet", "a.parquet", b"PAR1 not really", {}, None),  # pyarrow's message follows the prefix
    ("one html file", "a.html", b"<p>x</p>", {}, "{p}: give the folder that holds the .html files, not one file"),
]


@pytest.mark.parametrize("case,name,data,kwargs,message", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_with_one_exact_line(write, case, name, data, kwargs, message):
    p = write(name, data)
    with pytest.raises(CorpusError) as info:
        load_corpus(p, **kwargs)
    got = str(info.value)
    assert "\n" not in got
    if message is None:
        assert got.startswith(f"{p}: cannot read Parquet: ")
    else:
        assert got == message.format(p=p)


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(CorpusError, match="no such file or folder"):
        load_corpus(tmp_path / "nope.csv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError) as info:
        load_corpus(tmp_path / "empty")
    assert str(info.value) == f"{tmp_path / 'empty'}: no documents found"


# -- inputs that load, with every problem in the load report ------------------------------------------
def issues(report):
    return [(i.row, i.problem, i.action) for i in report.issues]


def test_text_col_remedy(write, h):
    p = write("a.csv", b"doc_id,body_text\n1,It may rain.\n")
    corpus, report = load_corpus(p, text_col="body_text")
    h.check_accounting(corpus, report)
    assert corpus["text"].tolist() == ["It may rain."]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_non_utf8_is_reported_and_encoding_fixes_it(write, h, encoding):
    text = "Le café « peut-être » fermé; naïve; ¿qué?" + (" “may”" if encoding == "cp1252" else "")
    p = write("a.csv", f"doc_id,outlet,text\n1,Le Monde,{text}\n2,X,plain ascii\n".encode(encoding))
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert issues(report) == [(2, "undecodable bytes (not UTF-8)", "replaced with U+FFFD")]
    assert any("pass --encoding cp1252" in n for n in report.notes)
    assert "\ufffd" in corpus.loc[0, "text"] and corpus.loc[1, "text"] == "plain ascii"
    corpus, report = load_corpus(p, encoding=encoding)
    h.check_accounting(corpus, report)
    assert report.issues == [] and corpus.loc[0, "text"] == text


def test_utf16_with_bom_is_decoded(write, h):
    p = write("a.csv", "doc_id,text\n1,café “may”\n".encode("utf-16"))
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert corpus["text"].tolist() == ["café “may”"]
    assert "file decoded as UTF-16 (byte order mark)" in report.notes


def test_utf16_without_bom_gets_a_hint(write):
    p = write("a.csv", "doc_id,text\n1,x\n".encode("utf-16-le"))
    with pytest.raises(CorpusError):  # the header is unreadable; the report notes said why
        load_corpus(p)
    corpus, _report = load_corpus(p, encoding="utf-16-le")
    assert corpus["text"].tolist() == ["x"]


def test_utf8_bom(write, h):
    p = write("a.csv", "\ufeffdoc_id,text\n1,x\n".encode("utf-8"))
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert corpus["doc_id"].tolist() == ["1"] and report.issues == []


def test_mixed_line_endings(write, h):
    p = write("a.csv", b'doc_id,text\r\n1,one\n2,"two\r\nlines\rthree"\r3,three\r\n')
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    # line endings inside a text become \n, so offsets do not depend on the platform that saved the file
    assert corpus["text"].tolist() == ["one", "two\nlines\nthree", "three"]
    assert report.issues == []


def test_nul_bytes(write, h):
    p = write("a.csv", b'doc_id,text\n1,"It ma\x00y rain."\n2,fine\n')
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert corpus["text"].tolist() == ["It may rain.", "fine"]
    assert issues(report) == [(2, "NUL bytes in text", "removed")]


def test_wrong_field_count_is_skipped(write, h):
    p = write("a.csv", b"doc_id,outlet,text\n1,A\n2,B,ok\n3,C,x,extra\n")
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert issues(report) == [(2, "2 fields but the header has 3", "skipped"),
                              (4, "4 fields but the header has 3", "skipped")]


def test_jsonl_with_broken_lines(write, h):
    data = (b'{"doc_id": "1", "text": "It may rain."}\n'
            b'{"doc_id": "2", "text": \n'
            b'[1, 2]\n'
            b'\n'
            b'{"doc_id": "3", "text": {"nested": true}}\n'
            b'{"doc_id": "4", "text": "Line\\u2028separator \xe2\x80\xa8 inside a string"}\r\n')
    p = write("a.jsonl", data)
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert corpus["doc_id"].tolist() == ["1", "4"]
    assert issues(report) == [
        (2, "invalid JSON (Expecting value at column 25)", "skipped"),
        (3, "a JSON list, not an object", "skipped"),
        (5, "text is a dict, not a string", "skipped"),
    ]


def test_json_array_file(write, h):
    p = write("a.json", json.dumps([{"doc_id": "1", "text": "It may rain."}, "oops", {"doc_id": "2", "text": "x"}],
                                   indent=2))
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert corpus["doc_id"].tolist() == ["1", "2"]
    assert issues(report) == [(2, "array item is a JSON str, not an object", "skipped")]


def test_every_row_broken_gives_an_empty_corpus(write, h):
    p = write("a.jsonl", b"{\n}\n")
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert len(corpus) == 0 and report.n_read == 2 and report.n_skipped == 2


def test_duplicate_doc_ids(write, h):
    p = write("a.csv", b"doc_id,text\n1,a\n1,b\n1#2,c\n1,d\n,e\n")
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert corpus["doc_id"].tolist() == ["1", "1#2", "1#2#2", "1#3", "a:6"]
    assert issues(report) == [
        (6, "empty doc_id", "derived as 'a:6'"),
        (3, "duplicate doc_id '1' (first at row 2)", "renamed to '1#2'"),
        (4, "duplicate doc_id '1#2' (first at row 3)", "renamed to '1#2#2'"),
        (5, "duplicate doc_id '1' (first at row 2)", "renamed to '1#3'"),
    ]


def test_dates_in_several_formats_and_impossible_dates(write, h):
    p = write("a.csv", b"doc_id,date,text\n"
                       b"1,2024-03-05,x\n2,March 5 2024,x\n3,5 Mar 2024,x\n4,2024-03-05T23:30:00-05:00,x\n"
                       b"5,2026-02-30,x\n6,yesterday,x\n7,,x\n8,2024-13-01,x\n")
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    dates = corpus["date"].tolist()
    assert dates[:3] == [pd.Timestamp("2024-03-05")] * 3
    assert dates[3] == pd.Timestamp("2024-03-06")  # converted to UTC, then the day
    assert all(pd.isna(d) for d in dates[4:])
    assert str(corpus["date"].dtype) == "datetime64[ns]"
    assert issues(report) == [
        (6, "impossible date '2026-02-30'", "date set to unknown (NaT)"),
        (7, "relative date 'yesterday' (not read as the day of the run)", "date set to unknown (NaT)"),
        (9, "impossible date '2024-13-01'", "date set to unknown (NaT)"),
    ]


def test_punctuation_only_and_whitespace_only(write, h):
    p = write("a.csv", 'doc_id,text\n1,"...!!! — ???"\n2,"  \t "\n3,"\u00a0\u2003"\n4,ok\n'.encode())
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert corpus["doc_id"].tolist() == ["1", "4"]
    assert issues(report) == [
        (2, "text has no word characters (only punctuation or symbols)", "kept: 0 tokens"),
        (3, "empty text", "skipped"),
        (4, "empty text", "skipped"),
    ]


def test_non_english_scripts_load_unchanged(write, h):
    texts = ["قد يكون هناك هجوم محتمل.", "官员说可能会有袭击。", "Возможно, будет атака.", "It may 🔥 rain 👍🏽."]
    p = write("a.jsonl", "\n".join(json.dumps({"doc_id": str(i), "text": t}, ensure_ascii=False)
                                   for i, t in enumerate(texts)))
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert corpus["text"].tolist() == texts and report.issues == []


def test_html_instead_of_text_is_stripped_and_reported(write, h):
    long_html = ("<html><head><title>T</title><script>alert('x')</script></head><body><article><p>"
                 + "Officials said an attack may be possible in the coming days, according to people "
                   "familiar with the matter. " * 3 + "</p></article></body></html>")
    short_html = "<div><p>It <b>may</b> rain.</p><script>alert(1)</script><img src=x onerror=alert(2)></div>"
    # trafilatura returns nothing for a lone script: the standard-library fallback strips it
    p = write("a.jsonl", "\n".join(json.dumps({"doc_id": str(i), "text": t}) for i, t in
                                   enumerate([long_html, short_html, "<script>alert(3)</script>", "<p>Too short.</p>"])))
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert corpus["text"].str.contains("<|alert", regex=True).sum() == 0
    assert corpus.loc[0, "text"].startswith("Officials said an attack may be possible")
    assert corpus.loc[1, "text"] == "It may rain."
    assert issues(report) == [
        (1, "text is HTML", "markup stripped with trafilatura"),
        (2, "text is HTML", "markup stripped with trafilatura"),
        (3, "text is HTML (no main text found by trafilatura)", "tags, scripts and styles removed"),
        (3, "empty text", "skipped"),
        (4, "text is HTML (no main text found by trafilatura)", "tags, scripts and styles removed"),
    ]
    assert corpus["text"].tolist()[-1] == "Too short."


def test_folder_of_txt_files_with_bad_members(tmp_path, h):
    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "a.txt").write_text("It may rain.", encoding="utf-8")
    (folder / "b.txt").write_bytes("caf\u00e9".encode("cp1252"))
    (folder / "c.txt").write_bytes(b"   ")
    corpus, report = load_corpus(folder)
    h.check_accounting(corpus, report)
    assert corpus["doc_id"].tolist() == ["a", "b"]
    assert issues(report) == [("b.txt", "undecodable bytes (not UTF-8)", "replaced with U+FFFD"),
                              ("c.txt", "empty text", "skipped")]


@pytest.mark.parametrize("name", ["a.jsonl", "a.json"])
def test_lone_surrogate_escapes_are_replaced_and_reported(write, h, name):
    """"\\ud800" alone is valid JSON but no string a table or a file can hold: the row is kept with U+FFFD in
    its place and reported (it used to stop the whole load with an encoding error naming no row); a pair
    ("\\ud83d\\ude00") is one character and untouched."""
    rows = ['{"doc_id": "1", "outlet": "A", "text": "It may \\ud800 rain."}',
            '{"doc_id": "2", "outlet": "B\\udfff", "text": "Smile \\ud83d\\ude00 said she."}']
    data = ("\n".join(rows) if name.endswith("l") else "[" + ",\n".join(rows) + "]").encode()
    corpus, report = load_corpus(write(name, data))
    h.check_accounting(corpus, report)
    assert corpus["text"].tolist() == ["It may \ufffd rain.", "Smile \U0001F600 said she."]
    assert corpus["outlet"].tolist() == ["A", "B\ufffd"]
    kept = [(row, problem, action) for row, problem, action in issues(report) if "surrogate" in problem]
    assert kept == [(1, "lone surrogate escapes (\\ud800-\\udfff) in JSON strings", "replaced with U+FFFD"),
                    (2, "lone surrogate escapes (\\ud800-\\udfff) in JSON strings", "replaced with U+FFFD")]


def test_an_empty_outlet_is_kept_as_unknown_and_reported(write, h):
    corpus, report = load_corpus(write("a.csv", b"doc_id,outlet,text\n1,,It may rain.\n2,B,Officials said so.\n"))
    h.check_accounting(corpus, report)
    assert corpus["outlet"].tolist() == ["unknown", "B"]
    assert issues(report) == [(2, "empty outlet", "outlet set to 'unknown'")]


def test_a_binary_parquet_text_column_is_decoded_not_written_as_bytes(tmp_path, h):
    """A Parquet corpus whose text column is binary (as some exporters write it): each cell is its UTF-8 text,
    not the repr "b'...'" it used to be scored as; bytes that are not UTF-8 become U+FFFD, and both are counted."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "a.parquet"
    pq.write_table(pa.table({"doc_id": ["1", "2"], "text": pa.array([b"It may rain.", b"\xff bad bytes"], type=pa.binary())}), p)
    corpus, report = load_corpus(p)
    h.check_accounting(corpus, report)
    assert corpus["text"].tolist() == ["It may rain.", "\ufffd bad bytes"]
    assert report.coerced == {"text:text:bytes": 2, "text:text:not_utf8": 1}
    assert any("binary cells decoded as UTF-8" in n for n in report.notes)


def test_a_lone_surrogate_nested_too_deeply_skips_only_its_row(write, h):
    deep = '{"doc_id": "1", "text": "ok", "x": ' + "[" * 900 + '"\\ud800"' + "]" * 900 + "}"
    corpus, report = load_corpus(write("a.jsonl", (deep + '\n{"doc_id": "2", "text": "It may rain."}\n').encode()))
    h.check_accounting(corpus, report)
    assert corpus["doc_id"].tolist() == ["2"]
    assert issues(report) == [(1, "JSON nested too deeply to read", "skipped")]
