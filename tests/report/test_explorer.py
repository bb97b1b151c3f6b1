"""The ipywidgets explorer builds and updates without a browser or a kernel."""
from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from analysis.report.explorer import ALL, ANY_ENTRY, Explorer, concordance_html

TEXTS = {
    "a1": "Officials said attacks may come. It may rain <script>x</script>.",
    "a2": "There is no specific indication of a plot, one official said.",
    "b1": "The minister said attacks might come.",
}


def _m(doc, needle, category, entry=None, outlet=None, nth=0):
    text = TEXTS[doc]
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return {"doc_id": doc, "outlet": outlet or ("A" if doc.startswith("a") else "B"), "category": category,
            "entry": entry or needle, "matched": needle, "start": start, "end": start + len(needle)}


@pytest.fixture()
def corpus_matches():
    corpus = pd.DataFrame({"doc_id": list(TEXTS), "outlet": ["A", "A", "B"], "title": ["t1", "t2", "t3"],
                           "text": list(TEXTS.values())})
    matches = pd.DataFrame([
        _m("a1", "may", "hedging.modal"), _m("a1", "may", "hedging.modal", nth=1),
        _m("a2", "no specific indication", "evidence_absent"), _m("a2", "one official said", "sourcing.anonymous"),
        _m("b1", "might", "hedging.modal"),
    ])
    return corpus, matches


def test_explorer_builds_with_defaults(corpus_matches):
    ex = Explorer(*corpus_matches)
    assert ex.outlet.value == ALL and ex.category.value == "evidence_absent"  # first in sorted order
    assert ex.entry.value == ANY_ENTRY and ex.document.value == "a2"
    assert "no specific indication" in ex.concordance.value and "mfa-match" in ex.article.value
    assert len(ex.widget.children) == 5


def test_selecting_outlet_category_entry_updates_concordance_and_article(corpus_matches):
    ex = Explorer(*corpus_matches).select(outlet="A", category="hedging.modal", entry="may")
    assert "2 matches of hedging.modal" in ex.status.value
    assert ex.concordance.value.count("<tr>") == 2 and "might" not in ex.concordance.value
    assert ex.document.options == ("a1",)
    # the article is escaped: the script in the text is shown, not run
    assert "&lt;script&gt;" in ex.article.value and "<script" not in ex.article.value
    ex.select(outlet="B")
    assert ex.category.options == ("hedging.modal",) and ex.document.value == "b1"
    assert "might" in ex.concordance.value


def test_select_refuses_unknown_values(corpus_matches):
    with pytest.raises(ValueError, match="not one of the outlet options"):
        Explorer(*corpus_matches).select(outlet="Nowhere")


def test_explorer_refuses_bad_input(corpus_matches):
    corpus, matches = corpus_matches
    with pytest.raises(ValueError, match="no matches"):
        Explorer(corpus, matches.iloc[0:0])
    with pytest.raises(ValueError, match="needs column"):
        Explorer(corpus.drop(columns="text"), matches)


def test_concordance_html_escapes_and_truncates():
    lines = pd.DataFrame({"doc_id": ["<d>"] * 3, "left": ["<i>"] * 3, "match": ["m"] * 3, "right": ["r"] * 3})
    out = concordance_html(lines, max_lines=2)
    assert "<i>" not in out and "&lt;d&gt;" in out and "1 more lines not shown" in out
