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
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Token",
    "Sentence",
    "Document",
    "tokenize",
    "word_tokens",
    "sentence_spans",
    "paragraph_spans",
    "token_norm",
    "token_kind",
    "fix_negation",
    "TOKEN_PATTERN",
    "QUOTE_CHARS",
    "ABBREVIATIONS",
]

QUOTE_CHARS = frozenset("\"'“”„‟‘’‚‛«»‹›()[]{}")

# One alternation, no capturing groups, so ``findall`` returns plain strings (fast path in matching).
TOKEN_PATTERN = (
    r"(?:[A-Za-z]\.){2,}(?![A-Za-z])"  # initialisms: U.S., a.m.
    r"|\d+(?:[.,:]\d+)*%?"  # numbers
    r"|\w+?(?=[nN]['’][tT]\b)"  # could|n't
    r"|[nN]['’][tT]\b"  # n't
    r"|['’](?:[sS]|[rR][eE]|[lL][lL]|[dD]|[vV][eE]|[mM])\b(?<=\w)"  # clitics 's 're 'll 'd 've 'm
    r"|\w+(?:-\w+)*(?:['’](?!(?:[sS]|[rR][eE]|[lL][lL]|[dD]|[vV][eE]|[mM]|[tT])\b)\w+(?:-\w+)*)*"
    r"|\.\.\.|…"
    r"|[^\w\s]"
)
TOKEN_RE = re.compile(TOKEN_PATTERN)

_NEG_STEMS = {"ca": "can", "wo": "will", "sha": "shall"}
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds "
    "thousand thousands million millions billion billions dozen dozens".split()
)

# Abbreviations after which a full stop does not end a sentence (compared lower-case, without the stop).
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen rep gov gen lt col maj capt cmdr adm sgt cpl pvt rev st jr sr esq
    pres supt insp det hon amb atty
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri sat sun
    inc corp co ltd llc bros dept univ assn ave blvd rd mt ft no nos vol vs etc approx est fig
    al calif colo conn fla ga ill ind kan ky la mass md mich minn miss mo mont neb nev okla ore pa tenn
    tex va vt wash wis wyo ariz ark del""".split()
)
# Words that usually open a sentence; after an initialism ("the U.S. The ...") they signal a boundary.
_SENTENCE_STARTERS = frozenset(
    """the a an but and he she it they we i in on at this that these those there however meanwhile
    after before when while if his her its their our one two some many most officials""".split()
)

_PARA_RE = re.compile(r"(?:\r\n|\r|\n)[ \t\f\v]*(?:\r\n|\r|\n)\s*")
_BOUNDARY_RE = re.compile(r"(?:[.!?]+|…)[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]*[A-Z0-9])")
_PREV_WORD_RE = re.compile(r"([\w.'’-]+)$")
_INITIALISM_RE = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]$")
_NEXT_WORD_RE = re.compile(r"\s+[\"'“‘«(\[]*(\w+)")


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
    spans = []
    pos = 0
    for m in _PARA_RE.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def _is_boundary(text: str, m: re.Match, para_start: int) -> bool:
    punct_start = m.start()
    if text[punct_start] != ".":
        return True  # ! ? and ellipses followed by a capital end a sentence
    prev = _PREV_WORD_RE.search(text, max(para_start, punct_start - 40), punct_start)
    if prev is None:
        return True
    word = prev.group(1).lstrip("'’")
    if len(word) == 1 and word.isalpha() and word.isupper():
        return False  # an initial: "J. R. Smith"
    if word.lower().rstrip(".") in ABBREVIATIONS and text[m.end() - 1] == ".":
        return False
    if _INITIALISM_RE.search(word) or word.endswith("."):
        # "U.S." followed by a capital: a boundary only before a typical sentence opener.
        nxt = _NEXT_WORD_RE.match(text, m.end())
        return bool(nxt) and nxt.group(1).lower() in _SENTENCE_STARTERS
    return True


def _sentence_spans_in(text: str, a: int, b: int) -> list[tuple[int, int]]:
    spans = []
    start = a
    for m in _BOUNDARY_RE.finditer(text, a, b):
        if _is_boundary(text, m, a):
            spans.append((start, m.end()))
            nxt = m.end()
            while nxt < b and text[nxt].isspace():
                nxt += 1
            start = nxt
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
        out.extend(_sentence_spans_in(text, a, b))
    return out


def sentence_paragraph_spans(text: str) -> list[tuple[int, int, int]]:
    """Like :func:`sentence_spans` with the paragraph index as a third element."""
    out = []
    for p, (a, b) in enumerate(paragraph_spans(text)):
        out.extend((s, e, p) for s, e in _sentence_spans_in(text, a, b))
    return out


def _tokens_in(text: str, a: int, b: int) -> tuple[Token, ...]:
    toks = []
    for m in TOKEN_RE.finditer(text, a, b):
        surface = m.group()
        norm = token_norm(surface)
        if norm in _NEG_STEMS and text.startswith(("n't", "n’t", "N'T", "N’T"), m.end()):
            norm = _NEG_STEMS[norm]
        toks.append(Token(m.start(), m.end(), norm, token_kind(norm)))
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
    norms = fix_negation([t.lower().replace("’", "'") for t in TOKEN_RE.findall(text)])
    return [n for n in norms if token_kind(n) in ("word", "num")]


def fix_negation(norms: list[str]) -> list[str]:
    """In place on lower-cased tokens: ``n't`` -> ``not`` and the stems of can't/won't/shan't -> can/will/shall."""
    for i, t in enumerate(norms):
        if t == "n't":
            norms[i] = "not"
            if i and norms[i - 1] in _NEG_STEMS:
                norms[i - 1] = _NEG_STEMS[norms[i - 1]]
    return norms


def is_number_token(norm: str) -> bool:
    """True for numerals ("200", "3.5") and number words ("dozen", "thousands")."""
    return norm[:1].isdigit() or norm in _NUMBER_WORDS
