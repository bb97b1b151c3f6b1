"""Issue 13's done-when on the command line: a generated long-tailed corpus (40 outlets, about a third
with one article, three lean groups, planted stories) through score, compare with and without --by,
--cluster and --stories, and figures, with no error and every group kept."""
from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest
from realshaped import write_corpus

from analysis.cli import main
from analysis.csvsafe import unescape_frame


def _cli(*argv):
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    assert rc == 0, f"{argv[0]} failed: {err.getvalue()[-2000:]}"


def _read(path):
    return unescape_frame(pd.read_csv(path, dtype={"outlet": str}, keep_default_na=False, na_values=[""]))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("longtail_cli")
    facts = write_corpus(root / "corpus.csv", n_outlets=40, seed=5, max_docs=12, sentences=(3, 5))
    _cli("score", facts["path"], "--out", root / "scored", "--quiet")
    return root, facts


def test_the_corpus_is_long_tailed(world):
    _, facts = world
    sizes = facts["outlet_docs"]
    assert len(sizes) == 40 and sum(1 for n in sizes.values() if n == 1) >= 10


@pytest.mark.parametrize("extra", [[], ["--stories"], ["--by", "lean"], ["--by", "lean", "--cluster", "outlet"],
                                   ["--by", "lean", "--cluster", "none"]],
                         ids=["outlets", "stories", "by lean", "by lean, cluster outlet", "by lean, no cluster"])
def test_compare_keeps_every_group(world, extra):
    root, facts = world
    out = root / ("cmp_" + "_".join(e.strip("-") for e in extra) if extra else "cmp")
    _cli("compare", root / "scored", "--out", out, "--corpus", facts["path"], "--n-resamples", "20",
         "--categories", "hedging", "--quiet", *extra)
    rates = _read(out / "rates.csv")
    key = "lean" if "lean" in extra else "outlet"
    expected = {"left", "centre", "right"} if key == "lean" else set(facts["outlet_docs"])
    assert set(rates[key]) == expected  # no group dropped, one-article outlets included
    if key == "outlet":
        single = rates[rates["n_docs"] == 1]
        assert len(single) >= 10 and single["rate_low"].isna().all() and single["note"].str.len().gt(0).all()
        assert single["pooled_low"].notna().all()  # the pooled interval is finite for them
    pair = _read(out / "pairwise_hedging.csv")
    assert len(pair) > 0
    if "--cluster" in extra and "outlet" in extra:
        assert {"clusters_a", "clusters_b"} <= set(pair.columns)
    if "--stories" in extra:
        stories = _read(out / "stories.csv")
        assert set(stories["doc_id"].astype(str)) == set(_read(root / "scored" / "documents.csv")["doc_id"].astype(str))
        assert (out / "story_matched.csv").is_file()


def test_figures_on_forty_outlets(world):
    root, facts = world
    _cli("figures", "--corpus", facts["path"], "--out", root / "figs", "--n-resamples", "50", "--quiet",
         "--only", "rates_by_outlet", "--only", "term_decomposition", "--only", "story_matched")
    for fid in ("rates_by_outlet", "term_decomposition", "story_matched"):
        assert (root / "figs" / f"{fid}.png").stat().st_size > 0
