"""The vectorised CSV writer gives pandas' bytes exactly (issue 19 item 4), or steps aside."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import pandas as hpd

from analysis.csvwrite import to_csv_bytes


def _pandas(df, header=True):
    return df.to_csv(index=False, header=header, lineterminator="\n").encode("utf-8")


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8)


@settings(max_examples=150, deadline=None)
@given(hpd.data_frames([hpd.column("t", elements=texts, dtype=object),
                        hpd.column("i", dtype=np.int64),
                        hpd.column("f", elements=st.floats(allow_infinity=False, width=64), dtype=float),
                        hpd.column("b", dtype=bool)]))
def test_same_bytes_as_pandas_on_generated_tables(df):
    got = to_csv_bytes(df)
    assert got is None or got == _pandas(df)
    assert got is not None  # these column types are always handled
    assert to_csv_bytes(df, header=False) == _pandas(df, header=False)


@pytest.mark.parametrize("values", [["", "x"], [""], ["a\rb", 'q"', "c,d", " lead", "trail "], [None, "x"]])
def test_quoting_and_empty_cells(values):
    for df in (pd.DataFrame({"a": values}), pd.DataFrame({"a": values, "n": range(len(values))})):
        assert to_csv_bytes(df) == _pandas(df)


def test_dates_and_steps_aside_for_what_it_cannot_write():
    df = pd.DataFrame({"d": pd.to_datetime(["2024-03-05", None, "2023-01-01"]), "n": [1, 2, 3]})
    assert to_csv_bytes(df) == _pandas(df)
    assert to_csv_bytes(pd.DataFrame({"d": pd.to_datetime(["2024-03-05 10:30"])})) is None  # a time of day
    assert to_csv_bytes(pd.DataFrame({"o": [1, "x"]})) is None  # a mixed object column
    assert to_csv_bytes(pd.DataFrame({"i": pd.array([1, None], dtype="Int64")})) is None


def test_score_tables_are_byte_identical(tmp_path):
    from analysis.compare.rates import summary_with_intervals
    from analysis.measure.scoring import score
    from analysis.paths import SAMPLE_CORPUS
    from analysis.text.corpus import load_corpus

    corpus, _ = load_corpus(SAMPLE_CORPUS)
    res = score(corpus)
    summary = summary_with_intervals(res.summary, res.documents, res.categories)
    for df in (res.matches, res.documents, summary):
        got = to_csv_bytes(df)
        assert got is not None and got == _pandas(df)


@pytest.mark.parametrize("escape", [True, False])
def test_large_tables_written_in_row_blocks_give_the_same_bytes(tmp_path, monkeypatch, escape):
    from analysis import outputs
    from analysis.csvsafe import escape_frame

    n = 23
    df = pd.DataFrame({"t": [f"=cell {i}, \"q\"" if i % 3 == 0 else f"c{i}" for i in range(n)],
                       "i": np.arange(n), "f": np.linspace(-1, 1, n), "b": np.arange(n) % 2 == 0,
                       "d": pd.to_datetime(["2024-03-05"] * (n - 1) + [None])})
    mixed = df.assign(o=[1] * (n - 1) + ["x"])  # only the last block has what pandas alone writes
    timed = df.assign(d=pd.to_datetime(["2024-03-05 00:00:00"] * (n - 1) + ["2024-03-05 10:30:00"]))  # a time of day, late
    monkeypatch.setattr(outputs, "CSV_BLOCK_ROWS", 5)
    for table in (df, mixed, timed):
        want = _pandas(escape_frame(table) if escape else table)
        got = outputs.write_table(table, tmp_path / "t.csv", csv_escape=escape).read_bytes()
        assert got == want
        assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]  # no temporary file left behind


def test_repeated_floats_and_signed_zeros_keep_their_text():
    # distinct values are formatted once: by their bits, so -0.0 stays "-0.0" beside 0.0
    values = [0.0, -0.0, float("nan"), 1e-300, -0.0, 0.0, 0.5, 0.5, float("inf"), -float("inf")] + [0.0] * 30
    df = pd.DataFrame({"f": values, "g": np.arange(len(values)) / 7})
    assert to_csv_bytes(df) == _pandas(df)
    assert b"\n-0.0," in to_csv_bytes(df)


@pytest.mark.parametrize("dtype", [object, "string[pyarrow]", "str"])
def test_repeated_texts_quoted_once_give_pandas_bytes(dtype):
    # 1,024 rows or more: each distinct text is quoted once and taken; a column of distinct values is not
    rng = np.random.default_rng(4)
    pool = np.array(["a,b", 'say "x"', "line\nbreak", "", "plain", "=1", "x\ry", "naïve, “q”"], dtype=object)
    n = 5000
    df = pd.DataFrame({"few": rng.choice(pool, n), "all": [f"d{i},{i}" for i in range(n)],
                       "k": np.arange(n)}).astype({"few": dtype, "all": dtype})
    if dtype is object:
        df.loc[::97, "few"] = None
    assert to_csv_bytes(df) == _pandas(df)
    assert to_csv_bytes(df[["few"]]) == _pandas(df[["few"]])  # one column: an empty text is written ""


def test_mostly_zero_floats_keep_their_text():
    # +0.0 cells are filled in as "0.0" and only the others formatted: -0.0, NaN and tiny values keep theirs
    rng = np.random.default_rng(5)
    values = np.where(rng.random(4000) < 0.9, 0.0, rng.random(4000) * 1000)
    values[[3, 50, 700]] = [-0.0, float("nan"), 5e-324]
    df = pd.DataFrame({"f": values, "zeros": np.zeros(4000), "none": np.full(4000, np.nan)})
    assert to_csv_bytes(df) == _pandas(df)
    assert b"\n-0.0,0.0,\n" in to_csv_bytes(df)


@settings(max_examples=150, deadline=None)
@given(hpd.data_frames([hpd.column("t", elements=st.one_of(st.none(), texts, st.sampled_from(
                            ["=1+1", "'=x", "-", "@home", "'tis", "\tx", "a,b", 'say "hi"', "l1\nl2"])), dtype=object),
                        hpd.column("i", dtype=np.int32),
                        hpd.column("u", dtype=np.uint8),
                        hpd.column("f", elements=st.floats(allow_infinity=False, width=64), dtype=float),
                        hpd.column("b", dtype=bool)]))
def test_core_writer_gives_pandas_bytes_escaped_or_not(df):
    """The compiled core's rows (issue 19: writing) are pandas' bytes, with and without the
    spreadsheet escaping, for text with missing cells, narrow integers, floats and bools."""
    from analysis import csvwrite
    from analysis.csvsafe import escape_frame
    from analysis.measure.core import AVAILABLE

    if not AVAILABLE:
        pytest.skip("the compiled core is not built")
    if len(df):
        assert csvwrite._core_rows(df, False) is not None  # the core takes every one of these columns
    assert to_csv_bytes(df) == _pandas(df)
    assert to_csv_bytes(df, escape=True) == _pandas(escape_frame(df))
    assert to_csv_bytes(df, header=False, escape=True) == _pandas(escape_frame(df), header=False)
    strings = df.assign(t=df["t"].astype("string"))  # an Arrow-backed string column with <NA>
    assert to_csv_bytes(strings, escape=True) == _pandas(escape_frame(strings))


def test_core_writer_steps_aside_for_what_it_cannot_write():
    from analysis import csvwrite

    dates = pd.DataFrame({"d": pd.to_datetime(["2024-03-05", None]), "n": [1, 2]})
    assert csvwrite._core_rows(dates, False) is not None and to_csv_bytes(dates) == _pandas(dates)
    assert csvwrite._core_rows(pd.DataFrame({"a": ["x"]}), False) is None  # one column: "" is written '""'
    assert csvwrite._core_rows(pd.DataFrame({"o": [1, "x"], "n": [1, 2]}), False) is None
    big = pd.DataFrame({"u": np.array([2**63 + 5], dtype=np.uint64), "n": [1]})
    assert csvwrite._core_rows(big, False) is None and to_csv_bytes(big) == _pandas(big)
    timed = pd.DataFrame({"d": pd.to_datetime(["2024-03-05 10:30"]), "n": [1]})
    assert csvwrite._core_rows(timed, False) is None


def test_one_chunk_is_used_where_it_lies_and_rounded_scores_keep_pandas_text():
    """A one-chunk column is written from its own buffers (no copy of the content column), several
    chunks are combined; a column of 4-decimal scores (the take path: few distinct values) has pandas'
    text, NaN empty."""
    import pyarrow as pa

    from analysis.csvwrite import _floats, one_array, to_csv_bytes

    one = pa.chunked_array([pa.array(["a" * 50, "b"], pa.large_string())])
    assert one_array(one).buffers()[2].address == one.chunk(0).buffers()[2].address
    two = pa.chunked_array([pa.array(["a"]), pa.array(["b", "c"])])
    assert one_array(two).to_pylist() == ["a", "b", "c"]
    scores = np.round(np.random.default_rng(3).random(5000), 4)
    scores[[7, 99]] = np.nan
    assert _floats(scores).to_pylist() == ["" if np.isnan(v) else repr(float(v)) for v in scores]
    df = pd.DataFrame({"s": scores, "k": np.arange(len(scores))})
    assert to_csv_bytes(df) == df.to_csv(index=False, lineterminator="\n").encode()


def _pieces_cases():
    a = pd.DataFrame({"doc_id": ["d1", "d2"], "lean": ["left", "=cmd()"], "n": [1, 2]})
    b = pd.DataFrame({"doc_id": ["d3"], "lean": ["right"], "n": [3]})
    c = pd.DataFrame({"doc_id": ["d4"], "lean": [None], "n": [4.5]})      # n retyped by the concatenation
    d = pd.DataFrame({"doc_id": ["d5"], "extra": ["only here"]})           # a key only later chunks have
    e = pd.DataFrame({"doc_id": ["d6"], "when": pd.to_datetime(["2026-01-02 10:30"])})
    f = pd.DataFrame({"doc_id": ["d7"], "when": pd.to_datetime(["2026-01-03"])})
    return {"alike": [a, b], "retyped": [a, c], "union": [a, d, b], "dates": [f, e], "one": [a],
            "empty piece": [a.iloc[:0], b]}


@pytest.mark.parametrize("case", list(_pieces_cases()))
@pytest.mark.parametrize("escape", [True, False])
def test_write_concat_writes_the_concatenation(tmp_path, case, escape):
    """A table written a piece at a time has the bytes of the concatenation written whole, whether the
    pieces are typed alike (streamed) or not (concatenated: a column retyped, a key only some pieces
    have, dates whose time of day only one piece shows)."""
    from analysis.outputs import column_types, write_concat, write_table

    pieces = _pieces_cases()[case]
    calls = []

    def frames():
        calls.append(1)
        return iter(pieces)

    write_concat(frames, tmp_path / "a.csv", types=[column_types(p) for p in pieces], csv_escape=escape)
    write_table(pd.concat(pieces, ignore_index=True, sort=False), tmp_path / "b.csv", csv_escape=escape)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    if case == "alike":
        assert len(calls) == 1  # streamed: the pieces were gone through once, never concatenated


def test_write_concat_of_typed_alike_pieces_never_concatenates(tmp_path, monkeypatch):
    from analysis.outputs import column_types, write_concat

    pieces = [pd.DataFrame({"doc_id": [f"d{k}"], "html": ["<p>" + "x" * 50 + "</p>"]}) for k in range(5)]

    def no_concat(*args, **kwargs):
        raise AssertionError("concatenated")

    monkeypatch.setattr(pd, "concat", no_concat)
    write_concat(lambda: iter(pieces), tmp_path / "a.csv", types=[column_types(p) for p in pieces])
    text = (tmp_path / "a.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "doc_id,html" and len(text.splitlines()) == 6
