"""Highlighted-article HTML: escaping of everything from the data, overlaps, structure."""
from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
import pytest

from analysis.report.highlight import highlight_article, highlight_document, html_page, legend_html

HOSTILE_TEXT = (
    "Officials said attacks may come. <script>alert('x')</script>\n\n"
    "A photo <img src=x onerror=alert(1)> was shared & \"quoted\"."
)


def _match(text, needle, category="hedging.modal", entry=None, **extra):
    start = text.index(needle)
    row = {"start": start, "end": start + len(needle), "category": category, "entry": entry or needle,
           "matched": needle}
    row.update(extra)
    return row


class _Tags(HTMLParser):
    """Collects start tags and checks that every opened element is closed in order."""

    VOID = frozenset({"br", "img", "meta"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.tags, self.text, self.errors = [], [], [], []
        self.in_sup = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "sup":
            self.in_sup += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "sup":
            self.in_sup -= 1
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)

    def handle_data(self, data):
        self.text.append((data, self.in_sup > 0))


def parse(html_text: str) -> _Tags:
    p = _Tags()
    p.feed(html_text)
    p.close()
    assert not p.errors and not p.stack, f"unbalanced markup: {p.errors} {p.stack}"
    return p


def test_article_text_is_escaped():
    m = pd.DataFrame([_match(HOSTILE_TEXT, "may")])
    out = highlight_article(HOSTILE_TEXT, m)
    # the hostile markup appears as characters, never as elements
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    tags = [t for t, _ in parse(out).tags]
    assert "script" not in tags and "img" not in tags
    assert "&amp; &quot;quoted&quot;" in out


def test_hostile_entry_category_and_title_are_escaped():
    text = "It may rain."
    evil = '<img src=x onerror=alert(1)>"'
    m = pd.DataFrame([_match(text, "may", category='x"><script>alert(1)</script>', entry=evil,
                             voice="<b>quote</b>")])
    out = highlight_article(text, m, title="<script>alert('t')</script>", meta="<i>meta</i>")
    assert "<script" not in out and "<img" not in out and "<i>" not in out and "<b>" not in out
    p = parse(out)
    assert {t for t, _ in p.tags} <= {"div", "h3", "span", "p", "mark", "sup", "a", "ol", "li", "code", "br"}
    mark = next(a for t, a in p.tags if t == "mark")
    # the parser un-escapes attribute values: the hover text holds the raw strings, safely quoted
    assert mark["title"] == f'x"><script>alert(1)</script>: {evil} (<b>quote</b>)'
    assert "onerror" not in {k for _, a in p.tags for k in a}


def test_legend_escapes_category_names():
    out = legend_html(["<svg onload=alert(1)>"])
    assert "<svg" not in out and "&lt;svg onload=alert(1)&gt;" in out


def test_every_match_is_highlighted_with_hover_and_footnote():
    text = "Officials said it may be possible, sources familiar with the matter told us."
    m = pd.DataFrame([
        _match(text, "may"),
        _match(text, "possible", category="hedging.possibility"),
        _match(text, "sources familiar with the matter", category="sourcing.anonymous"),
    ])
    out = highlight_article(text, m)
    p = parse(out)
    marks = [a for t, a in p.tags if t == "mark"]
    assert [a["title"] for a in marks] == [
        "hedging.modal: may", "hedging.possibility: possible",
        "sourcing.anonymous: sources familiar with the matter"]
    assert [a["href"] for t, a in p.tags if t == "a"] == ["#mfa-article-fn-1", "#mfa-article-fn-2",
                                                          "#mfa-article-fn-3"]
    assert len([t for t, _ in p.tags if t == "li"]) == 3
    # both hedging sub-categories share the hedging colour; sourcing has its own
    assert marks[0]["style"].split(";")[0] == marks[1]["style"].split(";")[0] != marks[2]["style"].split(";")[0]
    # the article text survives intact (footnote numbers aside)
    body = "".join(d for d, in_sup in p.text if not in_sup)
    assert text in body


def test_overlapping_matches_are_split_not_nested():
    text = "There is no specific indication of an attack."
    m = pd.DataFrame([
        _match(text, "no specific indication", category="evidence_absent"),
        _match(text, "indication", category="hedging.evidential"),
    ])
    out = highlight_article(text, m)
    p = parse(out)
    marks = [a for t, a in p.tags if t == "mark"]
    # "no specific " belongs to one category; "indication" to both: two flat pieces, no nesting
    assert [a["title"] for a in marks] == [
        "evidence_absent: no specific indication",
        "evidence_absent: no specific indication\nhedging.evidential: indication"]
    assert "mfa-overlap" in marks[1]["class"] and "repeating-linear-gradient" in marks[1]["style"]
    assert "<mark" not in out.split("</mark>")[0].split("<mark", 1)[1]  # no mark inside a mark
    # both footnote markers follow the last piece, in match order
    assert out.index('href="#mfa-article-fn-1"') < out.index('href="#mfa-article-fn-2"')
    assert out.index("</mark>", out.index("mfa-overlap")) < out.index('href="#mfa-article-fn-1"')


def test_paragraphs_and_line_breaks():
    text = "First may.\n\nSecond\nline."
    out = highlight_article(text, pd.DataFrame([_match(text, "may")]), legend=False, footnotes=False)
    assert out.count("<p ") == 2 and "Second<br>line." in out


def test_no_matches_renders_plain_text():
    out = highlight_article("Nothing <here>.", pd.DataFrame(columns=["start", "end", "category", "entry"]))
    assert "mfa-match" not in out and "&lt;here&gt;" in out and "no matches" in out


@pytest.mark.parametrize(
    "rows, message",
    [
        ([{"start": 0, "end": 99, "category": "c", "entry": "e"}], "outside the text"),
        ([{"start": 0, "end": 2, "category": "c", "entry": "e", "matched": "zz"}], "another version"),
        ([{"start": 0, "end": 2, "category": "c"}], "needs column"),
    ],
)
def test_bad_matches_are_refused(rows, message):
    with pytest.raises(ValueError, match=message):
        highlight_article("It may rain.", pd.DataFrame(rows))


def test_bad_element_id_is_refused():
    with pytest.raises(ValueError, match="element_id"):
        highlight_article("x", pd.DataFrame(columns=["start", "end", "category", "entry"]),
                          element_id='a" onclick="x')


def test_highlight_document_picks_text_title_and_matches():
    corpus = pd.DataFrame({"doc_id": ["a", "b"], "outlet": ["X <Times>", "Y"], "title": ["T1", "T2"],
                           "date": pd.to_datetime(["2026-01-05", None]),
                           "text": ["It may rain.", "It might snow."]})
    m = pd.DataFrame([dict(_match("It may rain.", "may"), doc_id="a"),
                      dict(_match("It might snow.", "might"), doc_id="b")])
    out = highlight_document("a", corpus, m)
    assert "T1" in out and "X &lt;Times&gt; · 2026-01-05 · a" in out
    assert out.count("<mark") == 1 and "might" not in out
    with pytest.raises(ValueError, match="not in the corpus"):
        highlight_document("zzz", corpus, m)


def test_html_page_is_a_complete_document():
    page = html_page("<div>x</div>", title="<t>")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<title>&lt;t&gt;</title>" in page


class _Pieces(HTMLParser):
    """The article's characters, each with the hover lines of the mark it is in (empty: not marked)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.chars = None, []

    def handle_starttag(self, tag, attrs):
        if tag == "mark":
            self.title = dict(attrs)["title"]

    def handle_endtag(self, tag):
        if tag == "mark":
            self.title = None

    def handle_data(self, data):
        self.chars += [(c, tuple(self.title.split("\n")) if self.title else ()) for c in data]


@pytest.mark.parametrize("seed", range(6))
def test_every_piece_is_marked_by_exactly_the_matches_covering_it(seed):
    """Many overlapping, nested and adjacent matches on one long line: each character is inside a mark whose
    hover lists the matches covering it, in the order of the footnotes (start, end, category, entry), and no
    others, whatever the row order of the table."""
    import random

    rng = random.Random(seed)
    text = " ".join(rng.choice(["may", "said", "officials", "no", "sign", "of", "it"]) for _ in range(400))
    rows = []
    for i in range(150):
        a = rng.randrange(len(text) - 1)
        b = min(len(text), a + rng.choice([1, 2, 5, 20, 200]))
        rows.append({"start": a, "end": b, "category": rng.choice(["hedging", "booster", "sourcing"]),
                     "entry": f"e{i}", "matched": text[a:b]})
    m = pd.DataFrame(rows).sample(frac=1, random_state=seed).reset_index(drop=True)
    p = _Pieces()
    p.feed(highlight_article(text, m, legend=False, footnotes=False))
    assert "".join(c for c, _ in p.chars) == text
    ordered = m.sort_values(["start", "end", "category", "entry"], kind="mergesort")
    for pos, (_, hover) in enumerate(p.chars):
        want = tuple(f"{r.category}: {r.entry}" for r in ordered.itertuples() if r.start <= pos < r.end)
        assert hover == want, pos
