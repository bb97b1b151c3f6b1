"""Paragraphs -> sentences -> tokens, every piece with character offsets into the original text.

The tokenizer is written for news text as it is: curly quotes and apostrophes, em-dashes, initialisms
("U.S."), titles and month abbreviations ("Gen.", "Sen.", "Jan."), initials ("J. R. Smith"), datelines and
headlines separated from the body by a blank line (a headline is always its own sentence). It needs no
NLTK data.

Token rules (pinned in ``tests/text/test_tokenize.py``):

* a word is ``\\w+`` joined by hyphens ("Iranian-backed", "B-52") or by an apostrophe that is not a
  clitic ("O'Brien");
* clitics are split off as in the Penn Treebank: "Iran's" -> ``iran`` + ``'s``; negation "couldn't" ->
  ``could`` + ``n't``. The normalised form of ``n't`` is ``not``, so the pattern ``not yet clear`` matches
  "isn't yet clear" and ``could not`` matches "couldn't". "can't", "won't" and "shan't" normalise to
  ``can not``, ``will not`` and ``shall not``;
* initialisms keep their periods ("U.S." -> ``u.s.``); numbers keep their inner separators ("1,000", "3.5");
* quotation marks and brackets are tokens of kind ``quote``: they are transparent to lexicon patterns;
* everything else that is not a space is a one-character ``punct`` token (dashes, commas, full stops).

Only ``word`` and ``num`` tokens count as tokens in rates.

Mirrored in C by analysis/_core_src/characters.h, token_cache.h, tokenizer.h and sentences.h
(docs/core.md): a change to these rules needs the same change there;
tests/measure/test_core_parity.py fails until both agree.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import chain

__all__ = [
    "ABBREVIATIONS",
    "COMMON_WORDS",
    "EXPANSION",
    "NUMBER_WORDS",
    "QUOTE_CHARS",
    "SENTENCE_STARTERS",
    "TOKEN_PATTERN",
    "Document",
    "PreparedText",
    "Sentence",
    "Token",
    "norm_tokens",
    "paragraph_spans",
    "sentence_spans",
    "token_kind",
    "token_norm",
    "token_spans",
    "tokenize",
    "word_tokens",
]

QUOTE_CHARS = frozenset("\"'`“”„‟‘’‚‛«»‹›()[]{}")

# Raw tokens: words joined by hyphens or apostrophes, initialisms, numbers with separators, and single
# non-space characters. No capturing groups, so ``findall`` returns plain strings (the fast path).
TOKEN_PATTERN = r"(?:[^\W\d_]\.){2,}(?!\w)|\d+(?:[.,:]\d+)+%?|\w+(?:[-'’]\w+)*|[^\w\s]"
TOKEN_RE = re.compile(TOKEN_PATTERN)
# Without the initialism and number alternatives: identical tokens for any text that has neither
# "X.Y." nor a digit-separator-digit sequence, and about twice as fast.
_FAST_RE = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")
# A cheap test that finds every place where TOKEN_RE and _FAST_RE could differ (and a few more).
_NEEDS_FULL_RE = re.compile(r"[.,:](?:\d|[^\W\d_]\.)")
_NEEDS_EXPANSION_RE = re.compile(r"[\"'`“”„‟‘’‚‛«»‹›()\[\]{}]")
_CLITIC_RE = re.compile(r"^(.+?)('(?:s|re|ll|d|ve|m))$")

_NEG_STEMS = {"ca": "can", "wo": "will", "sha": "shall"}
_NUMBER_WORDS = frozenset(
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "hundreds", "thousand", "thousands", "million", "millions", "billion", "billions", "dozen", "dozens"]
)

# Abbreviations after which a full stop does not end a sentence (compared lower-case, without the stop).
ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "lt", "col", "maj", "capt", "cmdr", "adm", "sgt", "cpl", "pvt", "rev", "st", "jr", "sr", "esq", "pres", "supt", "insp", "det", "hon", "amb", "atty", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "inc", "corp", "co", "ltd", "llc", "bros", "dept", "univ", "assn", "ave", "blvd", "rd", "mt", "ft", "no", "nos", "vol", "vs", "etc", "approx", "est", "fig", "al", "calif", "colo", "conn", "fla", "ga", "ill", "ind", "kan", "ky", "la", "mass", "md", "mich", "minn", "miss", "mo", "mont", "neb", "nev", "okla", "ore", "pa", "tenn", "tex", "va", "vt", "wash", "wis", "wyo", "ariz", "ark", "del"]
)
# Very frequent words: a pattern is anchored on its rarest required element, never on these if it can help it.
COMMON_WORDS = frozenset(
    ["the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "with", "from", "as", "that", "this", "these", "those", "it", "its", "is", "are", "was", "were", "be", "been", "has", "have", "had", "he", "she", "they", "we", "i", "you", "his", "her", "their", "our", "one", "two", "some", "any", "no", "not", "said", "says", "say", "told", "more", "most", "other", "many", "all", "also", "than", "then", "there", "which", "who", "whom", "what", "when", "where", "while", "if", "so", "up", "out", "about", "into", "over", "after", "before", "new", "will", "would", "can", "could", "may", "might"]
)
# Words that usually open a sentence; after an initialism ("the U.S. The ...") they signal a boundary.
_SENTENCE_STARTERS = frozenset(
    ["the", "a", "an", "but", "and", "he", "she", "it", "they", "we", "i", "in", "on", "at", "this", "that", "these", "those", "there", "however", "meanwhile", "after", "before", "when", "while", "if", "his", "her", "its", "their", "our", "one", "two", "some", "many", "most", "officials"]
)

# a blank line; the atomic groups keep one "\r\n" from counting as two line ends
_PARA_RE = re.compile(r"(?>\r\n|\r|\n)[ \t\f\v]*(?>\r\n|\r|\n)\s*")
# Quotation marks of every style (English, German „…“ and ‚…‘, French and Danish «…» and »…«, ‹…›,
# Swedish ”…”, LaTeX ``…'', French « … » spaced) close a sentence after its stop and open the next; so do brackets. The
# next sentence starts with an upper-case or title-case letter of any script ("Émile", "Łukasz") or a
# digit 0-9. (Until 2026-12-07 only " ' “ ” ‘ ’ « » and A-Z counted: "said. „The" and "said. Émile"
# were not split.) Mirrored by is_closer, is_opener and starts_sentence in _core_src/characters.h.
SENTENCE_CLOSERS = "\"'`”“’‘»«›‹‟‛)]}"
SENTENCE_OPENERS = "\"'`“„‟”‘‚‛’«»‹›([{"
# French spacing: a space, no-break space or narrow no-break space before a closing » › and after an
# opening « ‹ ("« Le port ne tiendra pas. » Un officiel"; a spaced » closes only when a space follows it:
# "attacks. »The" is Danish, an opener); the closers are taken possessively, as the core takes them
_SPACE_FR = " \u00a0\u202f"
_BOUNDARY_RE = re.compile(r"((?:[.!?]+|…)(?:[" + re.escape(SENTENCE_CLOSERS) + r"]|[" + _SPACE_FR + r"][»›](?=\s|$))*+)\s+"
                          r"(?=(?:[" + re.escape(SENTENCE_OPENERS) + r"]|[«‹][" + _SPACE_FR + r"])*(\w))")
_INITIALISM_RE = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]$")
_NEXT_WORD_RE = re.compile(r"\s+[" + re.escape(SENTENCE_OPENERS) + r"]*(\w+)")


def _starts_sentence(c: str) -> bool:
    """Whether a sentence can start with character ``c`` (after any opening marks)."""
    return c.isupper() or c.istitle() or "0" <= c <= "9"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: ``text[start:end]`` is its surface form; ``norm`` its normalised form."""

    start: int
    end: int
    norm: str
    kind: str  # "word", "num", "punct" or "quote"


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: character span, paragraph index and its tokens."""

    start: int
    end: int
    paragraph: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True, slots=True)
class Document:
    """A tokenized text: ``text`` is kept so every span can be sliced back."""

    text: str
    sentences: tuple[Sentence, ...]

    @property
    def tokens(self) -> list[Token]:
        return [t for s in self.sentences for t in s.tokens]

    @property
    def n_words(self) -> int:
        return sum(t.kind in ("word", "num") for s in self.sentences for t in s.tokens)


def token_norm(surface: str) -> str:
    """Normalise one token: lower case, straight apostrophes, ``n't`` -> ``not``, ``ca`` (of can't) -> ``can``.

    >>> [token_norm(t) for t in ["Officials", "n’t", "U.S."]]
    ['officials', 'not', 'u.s.']
    """
    norm = surface.lower().replace("’", "'")
    if norm == "n't":
        return "not"
    return norm


def token_kind(norm: str) -> str:
    """Classify a normalised token as ``word``, ``num``, ``punct`` or ``quote``."""
    first = norm[0]
    if first.isdigit():
        return "num"
    if first.isalnum() or first == "_":
        return "word"
    if norm in QUOTE_CHARS:
        return "quote"
    if first == "'" and len(norm) > 1:
        return "word"  # clitic 's, 're ...
    return "punct"


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Spans of paragraphs: blocks separated by one or more blank lines (any line-ending style).

    >>> paragraph_spans("Headline\\n\\nBody one. Body two.")
    [(0, 8), (10, 29)]
    """
    out = []
    pos = 0
    n = len(text)
    for m in chain(_PARA_RE.finditer(text), (None,)):
        a, b = pos, (m.start() if m is not None else n)
        if m is not None:
            pos = m.end()
        seg = text[a:b]
        stripped = seg.strip()
        if stripped:
            a += len(seg) - len(seg.lstrip())
            out.append((a, a + len(stripped)))
    return out


def _is_boundary(text: str, m: re.Match, para_start: int) -> bool:
    punct_start = m.start()
    if m.end(1) - punct_start > 1 or text[punct_start] != ".":
        return True  # "?", "!", "..." or a stop followed by a closing quote
    window = text[max(para_start, punct_start - 40):punct_start]
    if not window or window[-1].isspace():
        return True
    word = window.rsplit(None, 1)[-1].lstrip(SENTENCE_OPENERS)
    if len(word) == 1 and word.isalpha() and word.isupper():
        return False  # an initial: "J. R. Smith"
    if word.lower().rstrip(".") in ABBREVIATIONS:
        return False
    if _INITIALISM_RE.search(word) or word.endswith("."):
        # "U.S." followed by a capital: a boundary only before a typical sentence opener.
        nxt = _NEXT_WORD_RE.match(text, m.end(1))
        return bool(nxt) and nxt.group(1).lower() in _SENTENCE_STARTERS
    return True


def sentence_spans_in(text: str, a: int, b: int) -> list[tuple[int, int]]:
    spans = []
    start = a
    for m in _BOUNDARY_RE.finditer(text, a, b):
        if _starts_sentence(m.group(2)) and _is_boundary(text, m, a):
            spans.append((start, m.end(1)))
            start = m.end()
    if start < b:
        spans.append((start, b))
    return spans


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences; a paragraph (e.g. a headline) always ends a sentence.

    >>> t = "U.S. officials said Gen. Smith may go. He declined."
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ['U.S. officials said Gen. Smith may go.', 'He declined.']
    """
    out: list[tuple[int, int]] = []
    for a, b in paragraph_spans(text):
        out.extend(sentence_spans_in(text, a, b))
    return out


def sentence_paragraph_spans(text: str) -> list[tuple[int, int, int]]:
    """Like :func:`sentence_spans` with the paragraph index as a third element."""
    out = []
    for p, (a, b) in enumerate(paragraph_spans(text)):
        out.extend((s, e, p) for s, e in sentence_spans_in(text, a, b))
    return out


class _Expansion(dict):
    """raw lower-cased token -> tuple of (norm, surface length): clitic and negation splits, quotes dropped."""

    def __missing__(self, raw):
        value = _expand(raw)
        if len(self) < 2_000_000:
            self[raw] = value
        return value


def _expand(raw: str):
    if raw in QUOTE_CHARS:
        return ()
    if "'" not in raw or len(raw) < 2:
        return ((raw, len(raw)),)
    if raw.endswith("n't") and len(raw) > 3 and "'" not in raw[:-3]:
        stem = raw[:-3]
        return ((_NEG_STEMS.get(stem, stem), len(stem)), ("not", 3))
    m = _CLITIC_RE.match(raw)
    if m and not m.group(1).endswith(("'", "-")):
        return ((m.group(1), len(m.group(1))), (m.group(2), len(m.group(2))))
    return ((raw, len(raw)),)


_EXPANSION = _Expansion()

# the tables the compiled core is handed (analysis.measure.core), under public names: the same objects
#: raw token -> its normalised parts with their lengths (clitics split, ``n't`` read as ``not``), cached
EXPANSION = _EXPANSION
#: number words (``two``, ``dozens``) that ``<NUM>`` matches
NUMBER_WORDS = _NUMBER_WORDS
#: words that open a sentence after an initialism ("the U.S. The ...")
SENTENCE_STARTERS = _SENTENCE_STARTERS
class _NormsOnly(dict):
    def __missing__(self, raw):
        value = tuple(n for n, _ in _EXPANSION[raw])
        if len(self) < 2_000_000:
            self[raw] = value
        return value


_NORMS = _NormsOnly()


_SPAN = re.Match.span


class PreparedText:
    """A text lower-cased once, with the places that need the full token pattern found once.

    The matcher tokenizes sentence by sentence from this; offsets index the original text.
    """

    __slots__ = ("full_at", "low", "text")

    def __init__(self, text: str):
        self.text = text
        low = text.lower()
        self.low = low.replace("’", "'") if len(low) == len(text) else None
        self.full_at = [m.start() for m in _NEEDS_FULL_RE.finditer(self.low if self.low is not None else text)]

    def _rx(self, a, b):
        full_at = self.full_at
        if full_at:
            i = bisect_left(full_at, a)
            if i < len(full_at) and full_at[i] < b:
                return TOKEN_RE
        return _FAST_RE

    def norms(self, a: int, b: int) -> list[str]:
        """Normalised tokens of ``text[a:b]``, quotes dropped."""
        low = self.low
        if low is None:  # a character whose lower case has another length
            raws = [t.lower().replace("’", "'") for t in TOKEN_RE.findall(self.text, a, b)]
        else:
            raws = self._rx(a, b).findall(low, a, b)
            if not _NEEDS_EXPANSION_RE.search(low, a, b):
                return raws  # no quote, bracket or apostrophe: every raw token is its own norm
        return list(chain.from_iterable(map(_NORMS.__getitem__, raws)))

    def spans(self, a: int, b: int) -> list[tuple[int, int]]:
        """Character spans of the tokens :meth:`norms` returns (same length, same order)."""
        src = self.low if self.low is not None else self.text
        rx = self._rx(a, b) if self.low is not None else TOKEN_RE
        if not _NEEDS_EXPANSION_RE.search(src, a, b):
            return list(map(_SPAN, rx.finditer(src, a, b)))
        spans = list(map(_SPAN, rx.finditer(src, a, b)))
        starts = [sp[0] for sp in spans]
        special = sorted({bisect_right(starts, m.start()) - 1 for m in _NEEDS_EXPANSION_RE.finditer(src, a, b)})
        out = []
        prev = 0
        for i in special:
            x, y = spans[i]
            expansion = _EXPANSION[src[x:y].lower().replace("’", "'")]
            if len(expansion) == 1:
                continue
            out.extend(spans[prev:i])
            for _norm, length in expansion:
                out.append((x, x + length))
                x += length
            prev = i + 1
        if prev:
            out.extend(spans[prev:])
            spans = out
        return spans


def norm_tokens(text: str, start: int = 0, end: int | None = None) -> list[str]:
    """Normalised tokens of ``text[start:end]`` with quotes dropped (the matcher's fast path).

    >>> norm_tokens("Iran’s allies “couldn’t” go.")
    ['iran', "'s", 'allies', 'could', 'not', 'go', '.']
    """
    end = len(text) if end is None else end
    return PreparedText(text[start:end]).norms(0, end - start)


def token_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, norm)`` of every token of ``text[start:end]``, quotes dropped (same tokens as
    :func:`norm_tokens`)."""
    end = len(text) if end is None else end
    prep = PreparedText(text)
    return [(a, b, n) for (a, b), n in zip(prep.spans(start, end), prep.norms(start, end))]


def _tokens_in(text: str, a: int, b: int) -> tuple[Token, ...]:
    toks = []
    rx = TOKEN_RE if _NEEDS_FULL_RE.search(text, a, b) else _FAST_RE
    for m in rx.finditer(text, a, b):
        raw = m.group().lower().replace("’", "'")
        if raw in QUOTE_CHARS:
            toks.append(Token(m.start(), m.end(), raw, "quote"))
            continue
        pos = m.start()
        for norm, length in _EXPANSION[raw]:
            toks.append(Token(pos, pos + length, norm, token_kind(norm)))
            pos += length
    return tuple(toks)


def tokenize(text: str) -> Document:
    """Split ``text`` into sentences and tokens with character offsets.

    Parameters
    ----------
    text : str
        Raw article text. Offsets always index this exact string.

    Returns
    -------
    Document
        ``sentences`` (each with ``start``, ``end``, ``paragraph`` and ``tokens``).

    Examples
    --------
    >>> doc = tokenize("One official told CNN that there are “indications”.")
    >>> [t.norm for t in doc.sentences[0].tokens][:4]
    ['one', 'official', 'told', 'cnn']
    >>> [t.kind for t in doc.sentences[0].tokens][-4:]
    ['quote', 'word', 'quote', 'punct']
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects a str, got {type(text).__name__}")
    sents = tuple(
        Sentence(a, b, p, _tokens_in(text, a, b)) for a, b, p in sentence_paragraph_spans(text)
    )
    return Document(text, sents)


def word_tokens(text: str) -> list[str]:
    """Normalised word and number tokens of ``text`` (the tokens every rate is computed over).

    >>> word_tokens("Iran’s allies couldn’t — “maybe” — agree.")
    ['iran', "'s", 'allies', 'could', 'not', 'maybe', 'agree']
    """
    return [n for n in norm_tokens(text) if token_kind(n) in ("word", "num")]


def is_number_token(norm: str) -> bool:
    """True for numerals ("200", "3.5") and number words ("dozen", "thousands")."""
    return norm[:1].isdigit() or norm in _NUMBER_WORDS
