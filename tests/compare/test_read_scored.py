"""read_scored's Arrow reader of matches.csv gives the frame pandas' reader gives."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.cli import main
from analysis.compare.pipeline import _STRING_COLS, _read_matches_arrow
from analysis.outputs import write_table


def _pandas_read(path):
    head = pd.read_csv(path, nrows=0)
    dtypes = {c: t for c, t in _STRING_COLS.items() if c in head.columns}
    return pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values={"date": [""]})


def test_arrow_matches_reader_equals_pandas(tmp_path):
    """Awkward cells: "NA", "null", "", quotes, commas, newlines inside a matched text, a formula-like
    cell written escaped, non-ASCII; ints as ints; many blocks."""
    rng = np.random.default_rng(2)
    n = 5000
    odd = ["NA", "null", "", 'say "may"', "a, b", "line\nbreak", "=SUM(1)", "naïve Σ 😀", "nan", " padded "]
    m = pd.DataFrame({
        "doc_id": [f"d{i % 700}" for i in range(n)],
        "outlet": rng.choice(["NA", "Le Monde", "x,y"], n),
        "sentence": rng.integers(0, 50, n),
        "category": rng.choice(["hedging.modal", "booster"], n),
        "entry": rng.choice(odd, n),
        "matched": rng.choice(odd, n),
        "start": rng.integers(0, 10**6, n),
        "end": rng.integers(0, 10**6, n),
        "voice": rng.choice(["narration", "quote"], n),
        "lexicon": "hedging",
        "lexicon_version": "1.0.0",
    })
    path = write_table(m, tmp_path / "matches.csv")
    want = _pandas_read(path)
    got = _read_matches_arrow(path, list(want.columns))
    assert got is not None
    pd.testing.assert_frame_equal(got, want)
    assert got.equals(want)


def test_arrow_matches_reader_declines_what_it_cannot_read_the_same(tmp_path):
    """An empty table (no rows to type the columns) and a float column are left to pandas."""
    empty = tmp_path / "empty.csv"
    empty.write_text("doc_id,category,entry,start,end\n", encoding="utf-8")
    assert _read_matches_arrow(empty, ["doc_id", "category", "entry", "start", "end"]) is None
    floats = tmp_path / "floats.csv"
    floats.write_text("doc_id,category,score\na,hedging,0.1\n", encoding="utf-8")
    assert _read_matches_arrow(floats, ["doc_id", "category", "score"]) is None


def test_categorical_matches_read_the_same_values(tmp_path):
    """read_scored(categorical=True), what run_all reads: the text columns of matches.csv but category and
    voice as categoricals whose categories are sorted and distinct, holding the values of the default read cell for cell,
    escaped formula-like cells (written with an apostrophe) unescaped as in the default read."""
    from analysis.cli import main
    from analysis.compare.pipeline import read_scored

    cells = ["=SUM(1)", "+1", "-x", "@a", "'quoted", "NA", "plain", "naïve Σ 😀"]
    rng = np.random.default_rng(5)
    corpus = pd.DataFrame({"doc_id": [f"d{i}" for i in range(60)],
                           "outlet": rng.choice(cells, 60),
                           "text": ["Officials may say it could rain, about 40 people said."] * 60})
    corpus.to_csv(tmp_path / "corpus.csv", index=False)
    folder = tmp_path / "scored"
    assert main(["score", str(tmp_path / "corpus.csv"), "--out", str(folder), "--quiet"]) == 0
    assert "'=SUM(1)" in (folder / "matches.csv").read_text(encoding="utf-8")  # written escaped
    d1, m1, _ = read_scored(folder)
    d2, m2, _ = read_scored(folder, categorical=True)
    assert d1.equals(d2)
    cat_cols = [c for c in m2.columns if isinstance(m2[c].dtype, pd.CategoricalDtype)]
    assert {"doc_id", "outlet", "entry", "matched", "lexicon", "lexicon_version"} <= set(cat_cols)
    assert not {"category", "voice"} & set(cat_cols)  # read as strings over the whole table: kept so
    assert len(m1) > 60
    for col in m1.columns:
        got = m2[col].astype(m1[col].dtype) if col in cat_cols else m2[col]
        pd.testing.assert_series_equal(got, m1[col])
    for col in cat_cols:
        cats = list(m2[col].cat.categories)
        assert cats == sorted(cats) and len(set(cats)) == len(cats)
    assert set(m2["outlet"]) == set(corpus["outlet"])


def test_the_corpus_check_warns_only_for_another_corpus(tmp_path):
    """run_all hashes the corpus it is given (from the Arrow buffers when the texts are in Arrow, else by
    the definition: the same digest) and notes a corpus that is not the one scored, and only then."""
    from analysis.compare import run_all
    from analysis.compare.pipeline import _corpus_hash
    from analysis.provenance import corpus_sha256

    corpus = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "outlet": list("XXYY"),
                           "text": ["It may rain.", "It might snow.", "It rains, “surely”.", "It may."]})
    for texts in (corpus, corpus.astype({"text": "string[pyarrow]"}), corpus.astype({"text": object})):
        assert _corpus_hash(texts) == corpus_sha256(corpus)
    corpus.to_csv(tmp_path / "c.csv", index=False)
    assert main(["score", str(tmp_path / "c.csv"), "--out", str(tmp_path / "s"), "--quiet"]) == 0
    same = run_all(tmp_path / "s", tmp_path / "c.csv", n_resamples=20, steps=["rates"])
    assert not any("does not hash" in n for n in same.notes)
    corpus.assign(text=corpus["text"].str.replace("rain", "hail")).to_csv(tmp_path / "other.csv", index=False)
    other = run_all(tmp_path / "s", tmp_path / "other.csv", n_resamples=20, steps=["rates"])
    assert any("does not hash to the corpus_sha256 recorded by score" in n for n in other.notes)
