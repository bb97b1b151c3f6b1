"""Scare quotes: a short quoted term the writer holds at arm's length (what they described as “Iranian-backed” militias).

The pattern language treats quotation marks as transparent, so lexicon entries cannot see scare quotes; this
module finds them directly in the text, for the category ``distancing.scare_quote``. A double-quoted span
counts when:

* it holds 1 to ``max_words`` word tokens (default 3: “Iranian-backed”, “heightened level”);
* it is not an utterance: the quoted text does not end with sentence or clause punctuation inside the marks
  (“No,” he said / “We will not listen.”) and does not hold a full stop, question or exclamation mark;
* it does not follow a reporting verb with a colon or comma (``said: “Absolutely.”``, ``told CNN, “Never”``);
* both marks are in the same paragraph.

Single quotes (‘...’) are not considered: US newsrooms use them for quotes inside quotes and in headlines,
and the right single quote is also the apostrophe. Known false positives: titles of works and nicknames in
quotation marks (“Hamilton”, “The Apprentice”); short partial quotes that are plain attribution
(a “heightened level” of preparation, when the writer only quotes the source's words).

Mirrored in C by analysis/_core_src/scare_quotes.h (docs/core.md): a change to these rules needs the
same change there; tests/measure/test_core_parity.py fails until both agree.
"""
from __future__ import annotations

import re

from ..text.tokenize import paragraph_spans, word_tokens

__all__ = ["MAX_SCARE_WORDS", "after_reporting", "scare_quotes"]

MAX_SCARE_WORDS = 3
_OPENERS = "“„\""
_CLOSERS = "”\""
_QUOTE_RE = re.compile(r"[“”„\"]")
_REPORTING = (
    r"said|says|say|saying|told|tells|tell|telling|added|adds|wrote|writes|asked|asks|replied|replies|"
    r"stated|states|declared|declares|tweeted|tweets|posted|announced|explained|insisted|warned|noted|"
    r"argued|continued|responded|answered|shouted|yelled|read|reads|reading|statement|message|words|quote"
)
# a reporting verb (optionally followed by up to four words such as "CNN" or "in a statement") and a colon or comma
_AFTER_REPORTING_RE = re.compile(r"\b(?:" + _REPORTING + r")\b(?:[\s\w.’'-]{0,40})?[:,]\s*$", re.IGNORECASE)
_AFTER_COLON_RE = re.compile(r":\s*$")
_UTTERANCE_END_RE = re.compile(r"[,.!?;:…]\s*$")
_UTTERANCE_INSIDE_RE = re.compile(r"[.!?](?:\s|$)")


def _pairs(text: str, start: int, end: int):
    """Pair double quotation marks inside one paragraph: yields (open, close) offsets of the marks."""
    open_at = None
    for m in _QUOTE_RE.finditer(text, start, end):
        ch = m.group()
        if open_at is None:
            if ch in _OPENERS:
                open_at = m.start()
        elif ch in _CLOSERS:
            yield open_at, m.start()
            open_at = None
        else:  # a second opener: the first one was never closed
            open_at = m.start()


def scare_quotes(text: str, max_words: int = MAX_SCARE_WORDS) -> list[tuple[int, int, str]]:
    """Find scare quotes in ``text``.

    Parameters
    ----------
    text : str
        Raw article text.
    max_words : int
        Longest quoted span (in word tokens) that can be a scare quote.

    Returns
    -------
    list of (start, end, quoted)
        Offsets of each scare quote including its quotation marks, so ``text[start:end] == quoted``;
        in text order.

    Examples
    --------
    >>> t = 'Officials described as “Iranian-backed” militias have moved. He said: “Never.” A “full quote of many words here.”'
    >>> [q for _, _, q in scare_quotes(t)]
    ['“Iranian-backed”']
    """
    if not isinstance(text, str):
        raise TypeError(f"scare_quotes expects a str, got {type(text).__name__}")
    if not isinstance(max_words, int) or max_words < 1:
        raise ValueError(f"max_words must be a positive integer, got {max_words!r}")
    out = []
    if not any(ch in text for ch in _OPENERS):
        return out
    for pa, pb in paragraph_spans(text):
        for qa, qb in _pairs(text, pa, pb):
            inner = text[qa + 1 : qb]
            n = len(word_tokens(inner))
            if not 1 <= n <= max_words:
                continue
            if _UTTERANCE_END_RE.search(inner) or _UTTERANCE_INSIDE_RE.search(inner):
                continue
            if after_reporting(text, pa, qa):
                continue
            out.append((qa, qb + 1, text[qa : qb + 1]))
    return out


def after_reporting(text: str, para_start: int, quote_start: int) -> bool:
    """Does the quote opening at ``quote_start`` follow a colon, or a reporting verb and a comma or colon
    (``said: “...”``, ``told CNN, “...”``)? Looks back at most 60 characters, within the paragraph.
    (The compiled core calls this only when the text before the quote ends with ``:`` or ``,``.)

    >>> t = 'He told CNN, “Never” and “Iranian-backed”'
    >>> after_reporting(t, 0, t.index("“N")), after_reporting(t, 0, t.index("“I"))
    (True, False)
    """
    before = text[max(para_start, quote_start - 60) : quote_start]
    return bool(_AFTER_COLON_RE.search(before) or _AFTER_REPORTING_RE.search(before))
