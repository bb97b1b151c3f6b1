"""Tests for ``python -m analysis compare``: a tiny scored folder made here, then the command in-process.

Three invented outlets, three articles each: ``alpha`` hedges a lot, ``beta`` a little, ``gamma``
never. One wire story (credited to AP) runs word for word in alpha and beta, so the near-duplicate
detector has exactly one cross-outlet cluster to find and the wire column agrees with it.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.cli import main
from analysis.measure.scoring import score
from analysis.outputs import atomic_write_text, write_table
from analysis.provenance import dumps
from analysis.text.corpus import load_corpus

N = "50"  # resamples: enough to exercise the code, fast

WIRE_STORY = (
    "The agency reported that the river rose two metres overnight and that the bridge on the northern "
    "road was closed to traffic while engineers inspected the supports and the pumps near the station "
    "and the harbour. Residents of the lower town were told to move their cars to higher ground before "
    "the evening tide and to keep their phones charged through the night."
)

ARTICLES = [
    # doc_id, outlet, date, wire, text
    ("a1", "alpha", "2016-01-04", "AP", WIRE_STORY),
    (
        "a2",
        "alpha",
        "2016-01-18",
        "None",
        "The storm may reach the coast on Tuesday. It might weaken. The plan may pass, perhaps next week.",
    ),
    (
        "a3",
        "alpha",
        "2016-02-08",
        "None",
        "Talks may resume. The minister may resign and the coalition might collapse. The vote may be delayed.",
    ),
    ("b1", "beta", "2016-01-05", "AP", WIRE_STORY),
    (
        "b2",
        "beta",
        "2016-01-20",
        "None",
        "The council approved the budget on Monday. The new library may open in the spring.",
    ),
    (
        "b3",
        "beta",
        "2016-02-10",
        "None",
        "The school reopened after repairs. Parents welcomed the new playground and the longer hours.",
    ),
    (
        "g1",
        "gamma",
        "2016-01-06",
        "None",
        "The festival opened on Friday with music in the square. Thousands attended the first concert.",
    ),
    (
        "g2",
        "gamma",
        "2016-01-25",
        "None",
        "The mayor cut the ribbon at the new station. Trains will run every ten minutes from Monday.",
    ),
    (
        "g3",
        "gamma",
        "2016-02-12",
        "None",
        "The team won the final by two goals. The captain lifted the trophy in front of the home crowd.",
    ),
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """(scored_dir, corpus_csv, documents) for the nine invented articles."""
    root = tmp_path_factory.mktemp("compare_cli")
    corpus_path = root / "articles.csv"
    pd.DataFrame(ARTICLES, columns=["doc_id", "outlet", "date", "wire", "text"]).to_csv(
        corpus_path, index=False
    )
    corpus, _ = load_corpus(corpus_path)
    result = score(corpus)
    out = root / "scored"
    write_table(result.matches, out / "matches.csv")
    write_table(result.documents, out / "documents.csv")
    write_table(result.summary, out / "summary.csv")
    atomic_write_text(out / "provenance.json", dumps(result.provenance))
    return out, corpus_path, result.documents


def run(args, capsys):
    code = main(["compare", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def full_run(scored, tmp_path_factory):
    """The command with --corpus: every table."""
    scored_dir, corpus_path, _ = scored
    out = tmp_path_factory.mktemp("compare_out")
    code = main(
        [
            "compare",
            str(scored_dir),
            "--corpus",
            str(corpus_path),
            "--out",
            str(out),
            "--n-resamples",
            N,
            "--quiet",
        ]
    )
    assert code == 0
    return out


def test_writes_every_table(full_run, scored):
    documents = scored[2]
    tops = [
        c
        for c in ("hedging", "evidence_absent", "sourcing", "booster", "distancing")
        if f"{c}:count" in documents.columns and documents[f"{c}:count"].sum() > 0
    ]
    expected = {
        "rates.csv",
        "voice_rates.csv",
        "near_duplicates.csv",
        "duplicate_agreement.json",
        "keyness_categories.csv",
        "rates_over_time.csv",
        "provenance.json",
        "keyness_words_alpha.csv",
        "keyness_words_beta.csv",
        "keyness_words_gamma.csv",
        "kwic_hedging.csv",
    }
    expected |= {f"pairwise_{c}.csv" for c in tops} | {
        f"term_decomposition_{c}.csv" for c in tops if c == "hedging"
    }
    written = {p.name for p in full_run.iterdir()}
    assert expected <= written
    assert not [p for p in written if p.endswith(".partial")]  # atomic writes leave no temporaries


def test_rates_known_values(full_run, scored):
    documents = scored[2]
    rates = pd.read_csv(full_run / "rates.csv")
    hedging = rates[rates.category == "hedging"].set_index("outlet")
    # gamma never hedges: rate 0 and, since every resample is 0 too, the interval is [0, 0]
    assert hedging.loc["gamma", ["rate_per_1k", "rate_low", "rate_high"]].tolist() == [
        0.0,
        0.0,
        0.0,
    ]
    # alpha: the pooled ratio estimator sum(counts) / sum(tokens) * 1000 over its three documents
    a = documents[documents.outlet == "alpha"]
    assert hedging.loc["alpha", "rate_per_1k"] == pytest.approx(
        a["hedging:count"].sum() / a["n_tokens"].sum() * 1000
    )
    assert (
        hedging.loc["alpha", "rate_low"]
        <= hedging.loc["alpha", "rate_per_1k"]
        <= hedging.loc["alpha", "rate_high"]
    )
    assert (hedging["documents"] == 3).all()
    # every category of the scored run is reported for every outlet
    assert set(rates.category) == {
        c[: -len(":count")] for c in documents.columns if c.endswith(":count")
    }


def test_pairwise_states_correction(full_run):
    pw = pd.read_csv(full_run / "pairwise_hedging.csv")
    assert len(pw) == 3  # three outlets -> three pairs
    assert pw["correction"].str.contains("holm over 3 comparisons").all()
    assert (pw["p_adjusted"] >= pw["p_value"] - 1e-12).all()
    row = pw[(pw.group_a == "alpha") & (pw.group_b == "gamma")].iloc[0]
    assert row["diff"] == pytest.approx(row["rate_a"]) and row["rate_b"] == 0


def test_voice_split_adds_up(full_run, scored):
    documents = scored[2]
    vr = pd.read_csv(full_run / "voice_rates.csv")
    assert set(vr.voice) == {"narration", "quote", "attributed"}
    # the matches of each voice add up to the category's matches
    h = vr[vr.category == "hedging"].groupby("outlet")["matches"].sum()
    assert h["alpha"] == documents.loc[documents.outlet == "alpha", "hedging:count"].sum()


def test_near_duplicates_and_wire_agreement(full_run):
    nd = pd.read_csv(full_run / "near_duplicates.csv")
    assert sorted(nd.doc_id) == ["a1", "b1"]
    assert nd["multi_outlet"].all() and nd["cluster_id"].nunique() == 1
    agreement = json.loads((full_run / "duplicate_agreement.json").read_text())
    multi = agreement["agreement"]["multi_outlet"]
    assert (multi["true_positive"], multi["false_positive"], multi["false_negative"]) == (2, 0, 0)
    assert multi["precision"] == 1.0 and multi["recall"] == 1.0
    assert agreement["wire_documents"] == 2 and agreement["wire_values"] == {"AP": 2}


def test_term_decomposition_default_pair(full_run):
    td = pd.read_csv(full_run / "term_decomposition_hedging.csv")
    # the largest hedging difference is alpha (hedges most) vs gamma (never)
    assert (td.group_a == "alpha").all() and (td.group_b == "gamma").all()
    assert td.iloc[0]["entry"] == "may"  # "may" drives the difference
    assert td["diff"].sum() == pytest.approx(td["category_diff"].iloc[0])
    lines = pd.read_csv(full_run / "kwic_hedging.csv")
    may = lines[lines.entry == "may"]
    assert len(may) and (may["match"].str.lower() == "may").all() and set(may.group) == {"alpha"}


def test_keyness_and_time(full_run):
    ck = pd.read_csv(full_run / "keyness_categories.csv")
    alpha = ck[(ck.outlet == "alpha") & (ck.category == "hedging")].iloc[0]
    assert alpha["z"] > 0  # alpha is key for hedging against the rest
    kw = pd.read_csv(full_run / "keyness_words_alpha.csv")
    assert {"term", "log_odds", "z", "g2", "docs_target", "docs_reference"} <= set(kw.columns)
    ot = pd.read_csv(full_run / "rates_over_time.csv", parse_dates=["period"])
    assert sorted(ot.period.dt.strftime("%Y-%m").unique()) == ["2016-01", "2016-02"]
    jan = ot[
        (ot.outlet == "alpha") & (ot.category == "hedging") & (ot.period == "2016-01-01")
    ].iloc[0]
    assert jan["documents"] == 2


def test_provenance_records_settings(full_run, scored):
    prov = json.loads((full_run / "provenance.json").read_text())
    recorded = json.loads((scored[0] / "provenance.json").read_text())
    assert prov["corpus_sha256"] == recorded["corpus_sha256"]  # the scored run's provenance ...
    settings = prov["compare"]  # ... plus the compare settings
    assert (
        settings["n_resamples"] == int(N) and settings["seed"] == 0 and settings["by"] == "outlet"
    )
    assert settings["correction"] == "holm" and settings["pair"] == ["alpha", "gamma"]
    assert "rates.csv" in settings["files"]


def test_reproducible(scored, tmp_path, full_run):
    scored_dir, corpus_path, _ = scored
    assert (
        main(
            [
                "compare",
                str(scored_dir),
                "--corpus",
                str(corpus_path),
                "--out",
                str(tmp_path),
                "--n-resamples",
                N,
                "--quiet",
            ]
        )
        == 0
    )
    for name in ("rates.csv", "pairwise_hedging.csv", "provenance.json"):
        assert (tmp_path / name).read_bytes() == (full_run / name).read_bytes()


def test_without_corpus_skips_text_tables(scored, tmp_path, capsys):
    code, out, _err = run([str(scored[0]), "--out", str(tmp_path), "--n-resamples", N], capsys)
    assert code == 0
    written = {p.name for p in tmp_path.iterdir()}
    assert "rates.csv" in written and "near_duplicates.csv" not in written
    assert not any(n.startswith("keyness_words_") for n in written)
    notes = json.loads((tmp_path / "provenance.json").read_text())["compare"]["notes"]
    assert any("near_duplicates.csv" in n and "--corpus" in n for n in notes)
    # the headline: one row per outlet with rate and interval per top-level category
    assert "hedging" in out and "gamma" in out and "0.00 [0.00, 0.00]" in out


def test_dedupe_remove(scored, tmp_path):
    scored_dir, corpus_path, _ = scored
    assert (
        main(
            [
                "compare",
                str(scored_dir),
                "--corpus",
                str(corpus_path),
                "--out",
                str(tmp_path),
                "--n-resamples",
                N,
                "--dedupe",
                "remove",
                "--quiet",
            ]
        )
        == 0
    )
    rates = pd.read_csv(tmp_path / "rates.csv")
    docs = rates[rates.category == "hedging"].set_index("outlet")["documents"]
    # the wire copy is kept once: a1 (earliest date) stays, b1 goes
    assert docs.to_dict() == {"alpha": 3, "beta": 2, "gamma": 3}


def test_dedupe_weight(scored, tmp_path):
    scored_dir, corpus_path, _ = scored
    assert (
        main(
            [
                "compare",
                str(scored_dir),
                "--corpus",
                str(corpus_path),
                "--out",
                str(tmp_path),
                "--n-resamples",
                N,
                "--dedupe",
                "weight",
                "--categories",
                "hedging",
                "--quiet",
            ]
        )
        == 0
    )
    rates = pd.read_csv(tmp_path / "rates.csv")
    assert rates["method"].str.contains("weighted").all()
    assert list(rates.category.unique()) == ["hedging"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--by", "nope"], "unknown --by column 'nope'"),
        (["--by", "doc_id"], "has a single document"),
        (["--min-docs", "0"], "--min-docs must be a whole number of at least 1"),
        (["--categories", "evidence_absent"], "has no matches"),
        (["--categories", "nothing*"], "matches no category"),
        (["--dedupe", "remove"], "needs --corpus"),
        (["--pair", "alpha", "zeta"], "unknown group 'zeta'"),
        (["--n-resamples", "1"], "--n-resamples must be at least 10"),
    ],
)
def test_bad_requests_are_one_line_errors(scored, tmp_path, capsys, extra, message):
    documents = scored[2]
    if (
        extra[:2] == ["--categories", "evidence_absent"]
        and documents["evidence_absent:count"].sum()
    ):
        pytest.skip("the built-in lexicon now finds evidence_absent in the fixture texts")
    code, _, err = run([str(scored[0]), "--out", str(tmp_path), "--n-resamples", N, *extra], capsys)
    assert code == 2
    assert err.startswith("error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_missing_scored_files(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run([str(empty), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "error: " in err and "documents.csv" in err
    code, _, err = run([str(tmp_path / "absent"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "no such folder" in err
