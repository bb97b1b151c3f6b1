"""score(): the three tables and their provenance."""
import pandas as pd
import pytest

from analysis.measure.scoring import MATCH_COLUMNS, score
from analysis.text.corpus import from_texts

# every semantics test runs on both engines (the compiled core and the Python reference path)
pytestmark = pytest.mark.usefixtures("engine")


def test_tables_are_consistent():
    corpus = from_texts(
        ["Attacks may be possible. No decision has been made.", "Officials clearly said so.", "Nothing."],
        outlets=["A", "A", "B"],
    )
    res = score(corpus)
    assert list(res.matches.columns) == MATCH_COLUMNS
    docs = res.documents.set_index("doc_id")
    # every count is a count of match rows
    for cat in ("hedging.modal", "booster", "evidence_absent"):
        per_doc = res.matches[res.matches.category == cat].groupby("doc_id").size()
        for doc_id in docs.index:
            assert docs.loc[doc_id, f"{cat}:count"] == per_doc.get(doc_id, 0)
    assert docs.loc["doc0", "hedging:count"] == docs.loc["doc0", "hedging.modal:count"] + docs.loc["doc0", "hedging.possibility:count"]
    summ = res.summary.set_index(["outlet", "category"])
    assert summ.loc[("A", "hedging.modal"), "documents"] == 2
    assert summ.loc[("A", "hedging.modal"), "share_docs"] == 0.5
    assert summ.loc[("B", "booster"), "matches"] == 0
    assert {lx["name"] for lx in res.provenance["lexicons"]} >= {"hedging", "sourcing"}
    assert len(res.provenance["corpus_sha256"]) == 64


def test_bad_corpus_input():
    with pytest.raises(ValueError, match="string object received"):
        score("just one string")
    with pytest.raises(ValueError, match="'text' column"):
        score(pd.DataFrame({"doc_id": ["a"], "body": ["x"]}))
    with pytest.raises(ValueError, match="duplicate doc_id"):
        score(pd.DataFrame({"doc_id": ["a", "a"], "text": ["x", "y"]}))


def test_user_lexicon_version_flows_into_outputs(tmp_path):
    from analysis.lexicons.model import load_lexicon

    lex = load_lexicon("hedging").add_entries("hedging.possibility", ["conceivably"], version="0.9.0")
    path = tmp_path / "my_hedging.toml"
    path.write_text(lex.to_toml(), encoding="utf-8")
    res = score(["It is conceivably over."], str(path))
    assert res.matches["lexicon_version"].tolist() == ["0.9.0"]
    assert res.provenance["lexicons"][0]["version"] == "0.9.0"
    assert res.provenance["lexicons"][0]["sha256"] == load_lexicon(path).sha256


def test_rollup_counts_overlapping_subcategory_matches_once():
    res = score(["Officials said it may rain."], "sourcing")
    subs = res.matches.groupby("category").size()
    assert subs.get("sourcing.anonymous", 0) >= 1 and subs.get("sourcing.named", 0) >= 1
    # "Officials said" is anonymous and (capitalised) named: one stretch of text, counted once in the roll-up
    assert res.documents.loc[0, "sourcing:count"] == 1
    assert res.documents.loc[0, "sourcing:sent_share"] == 1.0


def test_summarise_equals_a_plain_groupby_reference():
    """summarise works on arrays; a plain per-group, per-column pandas computation gives the same numbers."""
    import numpy as np
    import pandas as pd

    from analysis.measure.scoring import summarise

    rng = np.random.default_rng(1)
    n = 300
    docs = pd.DataFrame({"outlet": rng.choice(["b", "a", None, "c"], n), "n_tokens": rng.integers(0, 900, n)})
    docs.loc[:5, "n_tokens"] = 0
    for c in ["x", "y.z"]:
        docs[f"{c}:count"] = rng.integers(0, 5, n)
        docs[f"{c}:rate"] = rng.random(n) * 10
    rows = []
    for group, g in docs.groupby("outlet", sort=True, dropna=False):
        tokens = int(g["n_tokens"].sum())
        for c in ["x", "y.z"]:
            count = g[f"{c}:count"]
            rows.append({"outlet": group, "category": c, "documents": len(g), "tokens": tokens,
                         "matches": int(count.sum()),
                         "rate_per_1k": float(count.sum() / tokens * 1000.0) if tokens else 0.0,
                         "mean_doc_rate": float(g[f"{c}:rate"].mean()), "share_docs": float((count > 0).mean())})
    reference = pd.DataFrame(rows)
    got = summarise(docs, ["x", "y.z"])
    pd.testing.assert_frame_equal(got, reference, check_exact=True, check_dtype=False)
    assert got["outlet"].isna().sum() == 2  # the missing-outlet group is kept, last
