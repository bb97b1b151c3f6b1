"""analysis.scale.pipeline.score_corpus: the tables `score --out` writes, as one library call (issue 17.3:
the command only reads, calls and writes)."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.cli import main
from analysis.measure.scoring import score
from analysis.scale.pipeline import score_corpus
from analysis.text.corpus import load_corpus


@pytest.fixture(scope="module")
def scored(realshaped, tmp_path_factory):
    out = tmp_path_factory.mktemp("scored") / "out"
    assert main(["score", str(realshaped["path"]), "--out", str(out), "--quiet", "--no-progress"]) == 0
    corpus, _ = load_corpus(realshaped["path"])
    return corpus, out


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_command_writes_what_the_library_computes(scored, jobs):
    corpus, out = scored
    result = score_corpus(corpus, jobs=jobs)
    written = {name: pd.read_csv(out / f"{name}.csv", keep_default_na=False, na_values=[""])
               for name in ("matches", "documents", "summary", "attributions")}
    for name, table in (("documents", result.documents), ("summary", result.summary),
                        ("attributions", result.attributions), ("matches", result.matches)):
        assert len(table) == len(written[name]), name
        assert list(table.columns) == list(written[name].columns), name
    pd.testing.assert_series_equal(result.summary["rate_low"].reset_index(drop=True),
                                   written["summary"]["rate_low"], check_names=False, atol=1e-12)
    # a record without a source has an empty source_type, which read_csv reads back as missing
    assert result.attributions["source_type"].tolist() == written["attributions"]["source_type"].fillna("").tolist()
    assert (result.attributions["source_type"] == "").any()  # such records are among them
    assert "summary_intervals" in result.provenance


def test_it_adds_intervals_and_attributions_to_score(realshaped):
    corpus, _ = load_corpus(realshaped["path"])
    plain = score(corpus)
    full = score_corpus(corpus)
    assert "rate_low" not in plain.summary.columns and plain.attributions is None
    assert {"rate_low", "rate_high"} <= set(full.summary.columns)
    assert len(full.matches) == len(plain.matches)
    s = full.summary
    # an outlet with one document has no bootstrap interval (kept, flagged by NaN), others have one
    assert (s["documents"] == 1).any() and s.loc[s["documents"] == 1, "rate_low"].isna().all()
    assert s.loc[(s["documents"] > 2) & (s["matches"] > 0), "rate_low"].notna().all()
    assert score_corpus(corpus, attributions=False).attributions is None


def test_summary_intervals_computed_in_shares_are_those_of_the_whole(realshaped):
    # score --jobs N shares the outlets' bootstrap between processes (IntervalShare): each outlet's
    # resamples are seeded by its name, so parts taken in any order give the same summary, bit for bit
    from analysis.scale.pipeline import IntervalShare, add_summary_intervals

    corpus, _ = load_corpus(realshaped["path"])
    whole = score_corpus(corpus, attributions=False)
    shared = score_corpus(corpus, attributions=False, intervals=False)
    share = IntervalShare(shared)
    assert len(share.groups) > 2
    assert sorted(o for group in share.groups for o in group) == sorted(corpus["outlet"].unique())
    first = share.work()  # this process takes every group; reversed, as if another had taken some
    add_summary_intervals(shared, parts=first[::-1])
    pd.testing.assert_frame_equal(shared.summary, whole.summary)
    assert shared.provenance == whole.provenance
    assert share.work() == []  # nothing left to take
