"""Every group size works (issue 13 item 1): groups of one document are kept and flagged, never a reason
to stop; ``min_docs`` / ``--min-docs`` drops small groups explicitly and says which.

The corpus is a real-shaped long tail (tests/realshaped.py): 24 outlets, about a third with one article.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.compare import drop_small_groups, pairwise_differences, run_all, term_decomposition
from analysis.csvsafe import unescape_frame
from analysis.measure.scoring import score
from analysis.outputs import write_table
from analysis.provenance import dumps
from analysis.text.corpus import load_corpus

N = 30  # resamples: enough to exercise every path, fast


@pytest.fixture(scope="module")
def longtail(tmp_path_factory):
    from realshaped import write_corpus

    folder = tmp_path_factory.mktemp("longtail")
    facts = write_corpus(folder / "corpus.csv", n_outlets=24, seed=11, broken_share=0, max_docs=12)
    corpus, _ = load_corpus(facts["path"])
    result = score(corpus, "hedging")
    return facts, corpus, result


def test_fixture_has_single_article_outlets(longtail):
    facts, _, result = longtail
    assert len(facts["single_outlets"]) >= 5
    sizes = result.documents["outlet"].value_counts()
    assert set(facts["single_outlets"]) == set(sizes[sizes == 1].index)


def test_run_all_keeps_every_group_and_flags_the_small_ones(longtail):
    facts, corpus, result = longtail
    steps = ["rates", "pairwise differences", "count models", "term decomposition"]
    res = run_all(result, corpus, n_resamples=N, steps=steps)
    rates = res["rates"].query("category == 'hedging'")
    assert set(rates["outlet"]) == set(facts["outlet_docs"])  # nobody dropped
    single = rates[rates["outlet"].isin(facts["single_outlets"])]
    assert single["rate_low"].isna().all() and single["rate_per_1k"].notna().all()
    assert single["note"].str.contains("one document").all()
    several = rates[~rates["outlet"].isin(facts["single_outlets"])]
    assert (several["note"] == "").all() and several["rate_low"].notna().all()
    assert any("have a single document" in n for n in res.notes)
    pw = res["pairwise_hedging"]
    k = len(facts["outlet_docs"])
    assert k > 20 and len(pw) == 20 * 19 // 2  # the 20 largest outlets (max_groups), said in the notes
    assert any("cover the 20 largest by documents" in n for n in res.notes)
    assert res.settings["compared_groups"]["left_out"] == k - 20
    flagged = pw["group_a"].isin(facts["single_outlets"]) | pw["group_b"].isin(facts["single_outlets"])
    assert pw.loc[flagged, ["low", "high", "p_value", "p_adjusted"]].isna().all().all()
    assert pw.loc[~flagged, "p_value"].notna().all()
    assert f"over {int((~flagged).sum())} comparisons with a test" in pw["correction"].iloc[0]
    cm = res["count_model_hedging"]
    terms = set(cm["term"])
    baseline = cm["baseline"].iloc[0].split("'")[1]
    compared = res.settings["compared_groups"]["groups"]
    assert {f"outlet[T.{o}]" for o in compared} - terms == {f"outlet[T.{baseline}]"}
    assert facts["outlet_docs"][baseline] == max(facts["outlet_docs"].values())
    one = cm[cm["term"].isin([f"outlet[T.{o}]" for o in facts["single_outlets"] if o in compared])]
    assert len(one) and one["rr_low"].isna().all() and one["note"].str.len().gt(0).all()
    # the default pair is chosen among groups of two or more documents
    a, b = res.settings["pair"]
    sizes = result.documents["outlet"].value_counts()
    assert sizes[a] >= 2 and sizes[b] >= 2


def test_pair_with_a_single_article_outlet(longtail):
    facts, corpus, result = longtail
    lonely = facts["single_outlets"][0]
    big = max(facts["outlet_docs"], key=facts["outlet_docs"].get)
    res = run_all(result, corpus, pair=[lonely, big], n_resamples=N, steps=["term decomposition"])
    td = res["term_decomposition_hedging"]
    assert td["low"].isna().all() and td["note"].str.contains("one document").all()
    assert np.isclose(td["diff"].sum(), td["category_diff"].iloc[0])  # still exact


def test_library_functions_default_to_keeping_small_groups(longtail):
    facts, _, result = longtail
    docs = result.documents
    lonely = facts["single_outlets"][0]
    big = max(facts["outlet_docs"], key=facts["outlet_docs"].get)
    pw = pairwise_differences(docs, "hedging", groups=[lonely, big], n_resamples=N, n_permutations=N)
    assert np.isnan(pw["p_value"].iloc[0]) and "one document" in pw["note"].iloc[0]
    with pytest.raises(ValueError, match="only one document"):
        pairwise_differences(docs, "hedging", groups=[lonely, big], n_resamples=N, on_small_group="raise")
    dropped = pairwise_differences(docs, "hedging", n_resamples=N, n_permutations=N, on_small_group="drop")
    assert not (dropped["group_a"].isin(facts["single_outlets"]) | dropped["group_b"].isin(
        facts["single_outlets"])).any()
    td = term_decomposition(result.matches, docs, "hedging", big, lonely, n_resamples=N)
    assert np.isnan(td.attrs["total"]["low"]) and td.attrs["total"]["note"]


def test_drop_small_groups_reports_what_it_removed(longtail):
    facts, _, result = longtail
    kept, report = drop_small_groups(result.documents, "outlet", min_docs=3)
    small = sorted(o for o, n in facts["outlet_docs"].items() if n < 3)
    assert report["groups_dropped"] == small
    assert report["documents_removed"] == sum(facts["outlet_docs"][o] for o in small)
    assert len(kept) + report["documents_removed"] == len(result.documents)
    assert kept["outlet"].value_counts().min() >= 3
    with pytest.raises(ValueError, match="min_docs"):
        drop_small_groups(result.documents, min_docs=0)


def test_cli_min_docs_says_which_groups_it_dropped(longtail, tmp_path, capsys):
    facts, _, result = longtail
    scored = tmp_path / "scored"
    scored.mkdir()
    write_table(result.documents, scored / "documents.csv")
    write_table(result.matches, scored / "matches.csv")
    (scored / "provenance.json").write_text(dumps(result.provenance), encoding="utf-8")
    out = tmp_path / "cmp"
    code = main(["compare", str(scored), "--out", str(out), "--n-resamples", str(N), "--min-docs", "2"])
    err = capsys.readouterr().err
    assert code == 0, err
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))["compare"]
    assert prov["min_docs"]["groups_dropped"] == sorted(facts["single_outlets"])
    assert prov["min_docs"]["documents_removed"] == len(facts["single_outlets"])
    assert f"{len(facts['single_outlets'])} group(s)" in err and "--min-docs 2" in err
    rates = unescape_frame(pd.read_csv(out / "rates.csv", keep_default_na=False))
    assert not set(rates["outlet"]) & set(facts["single_outlets"])
    # without --min-docs every outlet is there
    code = main(["compare", str(scored), "--out", str(tmp_path / "all"), "--n-resamples", str(N), "--quiet"])
    assert code == 0
    rates = unescape_frame(pd.read_csv(tmp_path / "all" / "rates.csv", keep_default_na=False))
    assert set(rates["outlet"]) == set(facts["outlet_docs"])
