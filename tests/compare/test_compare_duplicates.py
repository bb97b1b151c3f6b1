"""Tests for analysis.compare.duplicates: a constructed corpus with known wire copies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compare.duplicates import deduplicate, duplicate_agreement, near_duplicates, shingles
from analysis.compare.rates import group_rates

VOCAB = [f"w{i}" for i in range(400)]


def split_words(text):
    return text.lower().split()


def story(rng, n=200):
    return list(rng.choice(VOCAB, size=n))


def edit(words, rng, changes=3):
    """A light rewrite: replace a few words (a copy editor's touch on wire copy)."""
    words = list(words)
    for i in rng.choice(len(words), size=changes, replace=False):
        words[i] = "edited"
    return words


@pytest.fixture
def corpus():
    rng = np.random.default_rng(0)
    ap_story, local, other_ap = story(rng), story(rng), story(rng)
    rows = [
        # an AP story run by X and, lightly edited, by Y a day later: one multi-outlet cluster
        ("a", "X", "2016-10-02", " ".join(ap_story), "AP"),
        ("b", "Y", "2016-10-01", " ".join(edit(ap_story, rng)), "AP"),
        # a local story X ran twice (update): a single-outlet cluster
        ("d", "X", "2016-10-05", " ".join(local), None),
        ("f", "X", "2016-10-06", " ".join(edit(local, rng)), None),
        # unrelated stories; "e" is AP copy that no other outlet ran (a miss by construction)
        ("c", "Z", "2016-10-03", " ".join(story(rng)), None),
        ("e", "Y", "2016-10-04", " ".join(other_ap), "AP"),
        # an outlet that did not record wire credits
        ("g", "W", "2016-10-04", " ".join(story(rng)), "NA"),
    ]
    return pd.DataFrame(rows, columns=["doc_id", "outlet", "date", "text", "wire"]).assign(
        date=lambda d: pd.to_datetime(d["date"])
    )


def test_shingles():
    assert shingles(["a", "b", "c"], size=2) == {"a b", "b c"}
    assert shingles([], size=5) == set()
    with pytest.raises(ValueError, match="shingle size"):
        shingles(["a"], size=0)


def test_near_duplicates_finds_the_constructed_clusters(corpus):
    clusters = near_duplicates(corpus, threshold=0.8, shingle=5, tokenizer=split_words)
    groups = clusters.groupby("cluster_id")["doc_id"].apply(list).tolist()
    assert groups == [["a", "b"], ["d", "f"]]  # ids ordered by the clusters' smallest doc_id
    by_doc = clusters.set_index("doc_id")
    assert by_doc.loc["a", "multi_outlet"] and by_doc.loc["a", "outlets"] == "X, Y"
    assert not by_doc.loc["d", "multi_outlet"] and by_doc.loc["d", "n_outlets"] == 1
    # 3 of 200 words edited: at most 15 of 196 shingles touched, Jaccard >= 181 / 211
    assert by_doc.loc["a", "similarity"] >= 181 / 211
    # representative: the earliest dated member ("b" ran a day before "a")
    assert clusters.loc[clusters.representative, "doc_id"].tolist() == ["b", "d"]
    again = near_duplicates(corpus, threshold=0.8, shingle=5, tokenizer=split_words)
    pd.testing.assert_frame_equal(clusters, again)


def test_near_duplicates_without_duplicates_is_empty_with_columns(corpus):
    clusters = near_duplicates(corpus[corpus.doc_id.isin(["a", "c", "d"])], tokenizer=split_words)
    assert clusters.empty and "cluster_id" in clusters.columns


@pytest.mark.parametrize(
    "kwargs, message", [({"threshold": 0}, "threshold"), ({"shingle": 0}, "shingle")]
)
def test_near_duplicates_bad_requests(corpus, kwargs, message):
    with pytest.raises(ValueError, match=message):
        near_duplicates(corpus, tokenizer=split_words, **kwargs)


def test_near_duplicates_needs_text_column(corpus):
    with pytest.raises(ValueError, match="text"):
        near_duplicates(corpus.drop(columns="text"), tokenizer=split_words)


def test_deduplicate_remove_and_weight(corpus):
    clusters = near_duplicates(corpus, tokenizer=split_words)
    docs = corpus[["doc_id", "outlet", "date"]].assign(
        n_tokens=200, **{"hedging:count": [4, 0, 2, 2, 1, 1, 1]}
    )
    removed = deduplicate(docs, clusters, how="remove")
    assert sorted(removed.doc_id) == ["b", "c", "d", "e", "g"]
    assert removed.attrs["deduplication"]["removed"] == 2
    weighted = deduplicate(docs, clusters, how="weight")
    assert dict(zip(weighted.doc_id, weighted.weight)) == {
        "a": 0.5,
        "b": 0.5,
        "c": 1.0,
        "d": 0.5,
        "e": 1.0,
        "f": 0.5,
        "g": 1.0,
    }
    # X keeps "a" (4 hedges) at half weight and d, f at half weight: (2 + 1 + 1) / (100 + 100 + 100)
    rates = group_rates(
        weighted, by="outlet", weights="weight", on_small_group="nan", n_resamples=200
    )
    x = rates.set_index("outlet").loc["X"]
    assert x.rate_per_1k == pytest.approx(4 / 300 * 1000)
    # removing keeps the earliest member present: with "b" gone, "a" stays
    assert "a" in deduplicate(docs[docs.doc_id != "b"], clusters).doc_id.tolist()
    with pytest.raises(ValueError, match="how"):
        deduplicate(docs, clusters, how="drop")


def test_duplicate_agreement_against_wire_column(corpus):
    clusters = near_duplicates(corpus, tokenizer=split_words)
    out = duplicate_agreement(clusters, corpus).iloc[0]
    # wire copy: a, b, e; detected (multi-outlet): a, b; "g" (NA) is left out
    assert (out.true_positive, out.false_positive, out.false_negative, out.true_negative) == (
        2,
        0,
        1,
        3,
    )
    assert out.precision == 1.0 and out.recall == pytest.approx(2 / 3)
    assert (out.documents, out.unknown) == (6, 1)
    # the string "None" (as in PolNeAR's metadata.tsv) also means "not wire"
    as_text = corpus.assign(wire=corpus.wire.fillna("None"))
    pd.testing.assert_frame_equal(
        duplicate_agreement(clusters, as_text), duplicate_agreement(clusters, corpus)
    )
    with pytest.raises(ValueError, match="credit"):
        duplicate_agreement(clusters, corpus, wire_col="credit")


@pytest.mark.shared
def test_duplicate_agreement_reads_polnear_wire_values(shared_dir):
    # metadata.tsv writes "None" (not syndicated) and "NA" (not recorded: all of West Journal)
    path = shared_dir / "data" / "polnear" / "metadata.tsv"
    meta = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    corpus = meta.rename(columns={"filename": "doc_id", "publisher": "outlet"})
    no_clusters = pd.DataFrame({"doc_id": pd.Series([], dtype=str), "multi_outlet": []})
    out = duplicate_agreement(no_clusters, corpus).iloc[0]
    assert out.unknown == (meta.wire == "NA").sum() == (meta.publisher == "west-journal").sum()
    assert out.false_negative == (~meta.wire.isin(["None", "NA"])).sum()  # every wire article
    assert out.true_positive == 0 and np.isnan(out.precision)


def test_duplicate_agreement_scope_and_excluded_outlets(corpus):
    clusters = near_duplicates(corpus, tokenizer=split_words)
    any_cluster = duplicate_agreement(clusters, corpus, scope="any").iloc[0]
    # d and f (a local story run twice) now count as detected, and are not wire copy
    assert (any_cluster.true_positive, any_cluster.false_positive) == (2, 2)
    no_y = duplicate_agreement(clusters, corpus, exclude_outlets=["Y"]).iloc[0]
    assert (no_y.documents, no_y.unknown) == (4, 3)  # b, e (outlet Y) and g ("NA") left out
    with pytest.raises(ValueError, match="scope"):
        duplicate_agreement(clusters, corpus, scope="all")


def test_numpy_minhash_finds_near_copies_and_only_them():
    """400 random articles, 60 light rewrites (Jaccard of 5-word shingles >= 0.8) and 30 heavy ones (~0.4):
    every light rewrite is clustered with its source, no heavy one is."""
    import random

    from analysis.compare.duplicates import fast_word_tokens, shingles

    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(5000)]
    texts = [" ".join(rng.choice(vocab) for _ in range(300)) for _ in range(400)]
    rows = [(f"d{i:03d}", f"O{i % 7}", t) for i, t in enumerate(texts)]
    light, heavy = {}, {}
    for k in range(90):
        words = texts[k].split()
        every = 120 if k < 60 else 9  # one changed word in 120 (light) or in 9 (heavy)
        new = [rng.choice(vocab) if i % every == every - 1 else w for i, w in enumerate(words)]
        doc = f"c{k:03d}"
        (light if k < 60 else heavy)[doc] = f"d{k:03d}"
        rows.append((doc, "Copy", " ".join(new)))
        a, b = shingles(fast_word_tokens(texts[k])), shingles(new)
        jac = len(a & b) / len(a | b)
        assert (jac >= 0.8) if k < 60 else (jac < 0.6)
    corpus = pd.DataFrame(rows, columns=["doc_id", "outlet", "text"])
    clusters = near_duplicates(corpus)
    cluster_of = dict(zip(clusters["doc_id"], clusters["cluster_id"]))
    for copy, source in light.items():
        assert copy in cluster_of and cluster_of[copy] == cluster_of.get(source)
    assert not set(heavy) & set(cluster_of)
    assert set(clusters["cluster_size"]) == {2}


def test_vectorised_tokens_are_fast_word_tokens():
    """The numpy tokenizer of near_duplicates finds the tokens of fast_word_tokens (same hashes, same
    counts per document), on random text of letters of many scripts, digits, apostrophes, astral
    characters, lone surrogates and the two characters whose lower case needs Python (İ, Σ)."""
    import random

    from analysis.compare import duplicates as d

    rng = random.Random(7)
    pool = [chr(c) for c in range(0x20, 0x3000)] + ["𝔘", "𐐀", "𐐨", "😀", "'", "’", " ", "\n", "\ud800"] * 30
    for trial in range(12):
        texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 300))) for _ in range(20)]
        if trial % 2:  # without İ and Σ: the code-point table path, not str.lower
            texts = [t.replace("İ", "i").replace("Σ", "s") for t in texts]
        texts += ["It's the AP's story, again.", "a''b 'c' d'", "", "don’t’ ’x 123_456"]
        got, per_doc = d._default_token_hashes(texts)
        want, want_per_doc = d._tokenizer_hashes(texts, d.fast_word_tokens)
        assert per_doc.tolist() == want_per_doc.tolist() == [len(d.fast_word_tokens(t)) for t in texts]
        assert np.array_equal(got, want)


def test_near_duplicates_equal_exact_all_pairs():
    """300 articles and 120 rewrites of varying strength (Jaccard 0.3 to 0.99), in batches of a few
    documents: the clusters are exactly the connected components of the pairs whose exact Jaccard
    similarity of 5-word shingles is >= 0.8 (a plain all-pairs reference), with those similarities."""
    import itertools
    import random

    from analysis.compare import duplicates as d
    from analysis.compare.duplicates import fast_word_tokens, shingles

    rng = random.Random(11)
    vocab = [f"w{i}" for i in range(3000)]
    texts = [" ".join(rng.choice(vocab) for _ in range(rng.randint(3, 250))) for _ in range(300)]
    for k in range(120):
        words = texts[k % 60].split()
        every = rng.choice([4, 8, 15, 30, 100])
        texts.append(" ".join("Edited" if i % every == every - 1 else w for i, w in enumerate(words)))
    corpus = pd.DataFrame({"doc_id": [f"d{i:03d}" for i in range(len(texts))], "outlet": "X",
                           "text": pd.Series(texts, dtype="str")})
    sets = [shingles(fast_word_tokens(t)) for t in texts]
    edges = {}
    for i, j in itertools.combinations(range(len(texts)), 2):
        jac = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
        if jac >= 0.8:
            edges[(i, j)] = jac
    best = {}
    for (i, j), jac in edges.items():
        best[i], best[j] = max(best.get(i, 0), jac), max(best.get(j, 0), jac)
    old = d._BATCH_CHARS
    try:
        d._BATCH_CHARS = 5000  # many batches, batch edges inside the planted pairs
        clusters = near_duplicates(corpus)
    finally:
        d._BATCH_CHARS = old
    assert 40 <= len(best) < len(texts)
    got = dict(zip(clusters["doc_id"], clusters["similarity"]))
    assert set(got) == {f"d{i:03d}" for i in best}
    assert all(abs(got[f"d{i:03d}"] - s) < 1e-12 for i, s in best.items())
