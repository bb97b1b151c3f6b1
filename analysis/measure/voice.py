"""Voice: is a match in the outlet's own narration, inside a direct quotation, or attributed to a source?

Rules (pinned in ``tests/measure/test_voice.py``):

* ``quote``: the match starts inside a double-quoted span (“...”, "..." or ``...'') of at least
  ``MIN_QUOTE_WORDS`` words. Shorter quoted spans are partial quotes or scare quotes (“indications”):
  they do not make a quotation of their own, and single quotes (‘...’) are never treated as quotations,
  since US newsrooms use them for quotes inside quotes and for headlines.
* ``attributed``: otherwise, the sentence contains a reporting cue (said, told, according to, ...).
* ``narration``: everything else.

A double quote that opens in one paragraph and is not closed ends with the paragraph (news style
re-opens a quote at each paragraph of a long quotation).

Mirrored in C by analysis/_core_src/voice.h and scan.h (docs/core.md): a change to these rules needs
the same change there; tests/measure/test_core_parity.py fails until both agree.
"""
from __future__ import annotations

import re

__all__ = ["MIN_QUOTE_WORDS", "REPORTING_CUES", "VOICES", "quote_regions"]

MIN_QUOTE_WORDS = 4
VOICES = ("narration", "quote", "attributed")
REPORTING_CUES = frozenset(
    [
        "said", "says", "say", "saying", "told", "tells", "tell", "according", "stated", "states",
        "added", "adds", "noted", "notes", "warned", "warns", "claimed", "claims", "insisted",
        "insists", "denied", "denies", "announced", "announces", "acknowledged", "acknowledges",
        "argued", "argues", "asserted", "asserts", "explained", "explains", "reported", "reports",
        "wrote", "writes", "testified", "testifies", "cautioned", "cautions", "confirmed",
        "confirms", "suggested", "suggests", "believes", "believed",
    ]
)
# double quotation marks, including the Penn Treebank / LaTeX style ``...'' found in some archives
_DQ_RE = re.compile(r"[\"“”„]|``|''")
_WORD_RE = re.compile(r"\w+")


def quote_regions(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Double-quoted spans of at least ``MIN_QUOTE_WORDS`` words inside ``text[start:end]``.

    >>> t = 'He said “we may see more attacks soon” and “indications”.'
    >>> [t[a:b] for a, b in quote_regions(t)]
    ['“we may see more attacks soon”']
    """
    end = len(text) if end is None else end
    regions = []
    open_at = None
    for m in _DQ_RE.finditer(text, start, end):
        ch = m.group()
        if open_at is None:
            if ch != "”":
                open_at = m.start()
        elif ch not in ("“", "``"):
            regions.append((open_at, m.end()))
            open_at = None
        else:  # “ inside an open quote: treat the earlier one as unclosed, restart
            open_at = m.start()
    if open_at is not None:
        regions.append((open_at, end))
    return [(a, b) for a, b in regions if len(_WORD_RE.findall(text, a, b)) >= MIN_QUOTE_WORDS]
