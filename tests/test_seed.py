"""The motivating article: the CLI finds its hedges, evidential absence, booster and anonymous sourcing."""
import subprocess
import sys

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def seed_matches(tmp_path_factory, request):
    shared = request.getfixturevalue("shared_dir")
    out = tmp_path_factory.mktemp("seed")
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "score", str(shared / "seed" / "seed-article.txt"), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return pd.read_csv(out / "matches.csv")


@pytest.mark.parametrize(
    "category, matched",
    [
        ("hedging.possibility", "Potential"),
        ("hedging.possibility", "possible"),
        ("hedging.evidential", "indications"),
        ("evidence_absent", "no “specific indications that any decision"),
        ("hedging.epistemic_verb", "seems"),
        ("booster", "almost certainly"),
        ("sourcing.anonymous", "anonymous US officials told CNN"),
        ("sourcing.anonymous", "One official told CNN"),
        ("sourcing.anonymous", "an anonymous official"),
        ("sourcing.anonymous", "The official told Politico"),
        ("distancing.lexical", "what they described as"),
        ("distancing.scare_quote", "“Iranian-backed”"),
    ],
)
def test_seed_article(seed_matches, category, matched):
    rows = seed_matches[(seed_matches.category == category) & (seed_matches.matched == matched)]
    assert len(rows) >= 1, seed_matches[seed_matches.category == category].matched.tolist()


# Every hedge of the article, read by us, in order: the lexicon must find all of them and nothing else
# ("no specific indications" is evidence_absent, not an evidential hedge; "almost certainly" a booster).
SEED_HEDGES = [
    ("hedging.possibility", "Potential"),
    ("hedging.possibility", "possible"),
    ("hedging.evidential", "indications"),
    ("hedging.evidential", "indicators"),
    ("hedging.possibility", "potential"),
    ("hedging.possibility", "apparent"),
    ("hedging.epistemic_verb", "seems"),
    ("hedging.epistemic_verb", "seemed"),
]


def test_seed_article_hedges_all_found(seed_matches):
    hedges = seed_matches[seed_matches.category.str.startswith("hedging.")].sort_values("start")
    assert list(zip(hedges.category, hedges.matched)) == SEED_HEDGES
    assert set(hedges.lexicon_version.astype(str)) == {"1.1.0"}
