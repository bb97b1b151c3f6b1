"""Coding sheets belong to one corpus, say when they would code most matches, and keep uncoded outlets."""
from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest

from analysis import paths
from analysis.measure.scoring import score
from analysis.text.corpus import load_corpus
from analysis.validate.coding import (
    check_sheet_corpus,
    corrected_rates,
    evaluate_coding,
    read_coded,
    sample_for_coding,
    sampling_warning,
)

SHEET = paths.DATA_DIR / "coding" / "sample_hedging_coded.csv"


@pytest.fixture(scope="module")
def sample():
    corpus, _ = load_corpus(paths.SAMPLE_CORPUS)
    return corpus, score(corpus, "hedging")


def test_sheet_of_this_corpus_passes_and_another_is_refused(sample):
    corpus, _ = sample
    coded = read_coded(SHEET)
    check_sheet_corpus(coded, corpus, SHEET.name)  # drawn from the sample corpus: fine
    other = corpus.assign(doc_id="x-" + corpus["doc_id"])
    with pytest.raises(ValueError, match=r"sample_hedging_coded.csv: \d+ of \d+ rows refer to doc_ids not in the "
                                         r"corpus .*code sample CORPUS"):
        check_sheet_corpus(coded, other, SHEET.name)
    # same ids, other text (another version of the corpus): refused too
    changed = corpus.assign(text=corpus["text"].str.replace("may", "MAY", regex=False))
    with pytest.raises(ValueError, match="do not match the corpus text at their offsets"):
        check_sheet_corpus(coded, changed, SHEET.name)


def test_fine_strata_warn_and_size_the_sample(sample):
    corpus, res = sample
    sheet = sample_for_coding(res.matches, corpus, n_per_stratum=10, strata=("outlet", "entry"), nonmatch_sentences=0)
    share = (sheet["kind"] == "match").sum() / len(res.matches)
    assert share > 0.5  # outlet x entry strata on a small corpus: most matches are drawn
    warning = sampling_warning(sheet, len(res.matches), 10)
    assert warning and "--strata outlet,category" in warning and f"of {len(res.matches)} matches" in warning
    coarse = sample_for_coding(res.matches, corpus, n_per_stratum=2, strata=("outlet", "category"), nonmatch_sentences=0)
    assert sampling_warning(coarse, len(res.matches), 2) is None


def test_code_sample_prints_the_warning(tmp_path):
    from analysis.cli import main

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        rc = main(["code", "sample", str(paths.SAMPLE_CORPUS), "--out", str(tmp_path / "s.csv"), "--lexicon", "hedging"])
    assert rc == 0 and err.getvalue().startswith("warning: the sheet holds ")


def test_uncoded_outlets_are_kept_when_asked(sample):
    _, res = sample
    coded = read_coded(SHEET)
    one_outlet = coded[(coded["outlet"] == coded["outlet"].iloc[0]) | (coded["kind"] == "nonmatch")]
    coding = evaluate_coding(one_outlet)
    inner = corrected_rates(coding, res.summary)
    kept = corrected_rates(coding, res.summary, keep_uncoded=True)
    assert set(inner["outlet"]) == {coded["outlet"].iloc[0]}
    assert set(kept["outlet"]) == set(res.summary["outlet"])
    uncoded = kept[kept["outlet"] != coded["outlet"].iloc[0]]
    assert uncoded["corrected_rate"].isna().all() and (uncoded["n_coded"] == 0).all()

    from analysis.report.figures import plot_corrected_rates

    fig = plot_corrected_rates(kept, "hedging")
    notes = [t.get_text() for t in fig.axes[0].texts]
    assert notes.count("not coded") == kept.loc[kept["category"] == "hedging", "outlet"].nunique() - 1
    assert len(fig.axes[0].get_yticklabels()) == res.summary["outlet"].nunique()


def test_two_coder_sheet_reads_and_agrees(sample, tmp_path):
    corpus, res = sample
    from analysis.validate.coding import write_coding_sheet

    sheet = sample_for_coding(res.matches, corpus, n_per_stratum=2, strata=("outlet", "category"), coders=2,
                              nonmatch_sentences=5)
    sheet["code_1"] = [1 if i % 4 else 0 for i in range(len(sheet))]
    sheet["code_2"] = [1 if i % 5 else 0 for i in range(len(sheet))]
    write_coding_sheet(sheet, tmp_path / "two.csv")
    coded = read_coded(tmp_path / "two.csv")
    check_sheet_corpus(coded, corpus)
    result = evaluate_coding(coded)
    assert result.coder == "code_1" and result.agreement["all"]["n_items"] == len(sheet)
    assert evaluate_coding(coded, coder="code_2").overall["precision"] != result.overall["precision"]
    assert pd.notna(result.agreement["all"]["cohen_kappa"])
