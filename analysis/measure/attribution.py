"""Attribution records: who says what. One row per attribution: the cue ("said", "told", "according
to"), the source as written ("one official", "Gen. Smith", "the Pentagon", "he"), the attributed
content, all with character offsets, and the type of the source.

How an attribution is found (docs/attribution.md has the rules and the measured accuracy):

1. **Cue candidates.** One regular-expression pass over the lower-cased document finds every word of
   the model's cue vocabulary (the words that head a cue in PolNeAR train). A document without one
   costs that pass only; sentences are split and tokenized only where a candidate sits.
2. **Learned cue decision.** Each candidate is kept when a logistic-regression model (trained on
   PolNeAR train, threshold chosen on PolNeAR dev; :mod:`analysis.validate.attribution`) says it is
   a cue. Its features are the word and its neighbours, the shapes of the neighbouring tokens, quotes
   and the candidate's position in the sentence: a dictionary lookup per feature, no per-token model.
   The model ships as checksummed JSON (``analysis/models/attribution.json``), never a pickle.
3. **Source and content by rule.** "according to X": the source follows the cue. A cue after a comma
   or closing quote and before a name ("..., said Gen. Smith"): the source follows, the content is
   what precedes. Otherwise the source is the noun phrase left of the cue (auxiliaries and adverbs
   such as "has", "also" skipped) and the content follows it (after "that", and after the addressee
   of "told", "warned", "asked" ...), or precedes it when nothing follows ("..., officials said.").
4. **Source type** (:func:`source_type`): ``named_person``, ``named_organisation``, ``anonymous``,
   ``vague``, ``document``, ``pronoun``, ``outlet``; a pronoun source is resolved to the nearest
   earlier non-pronoun source of the same paragraph, else of the previous paragraph (``resolved_*``
   columns), and left unresolved otherwise. The rules are listed in docs/codebook.md.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, pairwise, repeat
from pathlib import Path

import numpy as np
import pandas as pd

from ..modelfile import read_model_json_and_bytes
from ..text.tokenize import ABBREVIATIONS, sentence_paragraph_spans

__all__ = [
    "ATTRIBUTION_COLUMNS",
    "FUNCTION_WORDS",
    "MODEL_FORMAT",
    "QUOTE_TOKENS",
    "SOURCE_TYPES",
    "TOKEN_RE",
    "AttributionModel",
    "attributions_frame",
    "cue_features",
    "default_model",
    "engine_of",
    "extract",
    "extract_python",
    "link_matches",
    "load_attribution_model",
    "quote_mask",
    "source_type",
    "write_attributions",
]

MODEL_FORMAT = "media-framing-analysis/attribution-cues"
SCHEMA_VERSION = 1
MAX_MODEL_BYTES = 20 * 1024 * 1024
MAX_ABS_WEIGHT = 1e4
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "attribution.json"

SOURCE_TYPES = ("named_person", "named_organisation", "anonymous", "vague", "document", "pronoun", "outlet")

ATTRIBUTION_COLUMNS = [
    "doc_id", "outlet", "attribution", "sentence", "paragraph", "cue", "cue_start", "cue_end",
    "source", "source_start", "source_end", "source_type", "resolved_source", "resolved_type",
    "content", "content_start", "content_end", "cue_score",
]

# -- tokens -------------------------------------------------------------------------------------------

_PUNCT_TO_SPACE = str.maketrans({c: " " for c in ",.;:!?\"“”„«»()[]{}—–…/"})
_QUOTE_CHARS = frozenset("\"“”„«»`'")
_NO_QUOTES = [False]
_ZEROS = repeat(0.0)
_TOKEN_PATTERN = r"(?:[^\W\d_]\.){2,}|\w+(?:[-'’]\w+)*|[^\w\s]"
TOKEN_RE = re.compile(_TOKEN_PATTERN)
_SPACED_TOKEN_RE = re.compile(r"\s*(?:" + _TOKEN_PATTERN + ")")


class _Offsets:
    """``toks[k]`` -> ``(start, end)`` of token k, from the words and their end offsets (made on demand)."""

    __slots__ = ("ends", "words")

    def __init__(self, words, ends):
        self.words, self.ends = words, ends

    def __getitem__(self, k):
        e = self.ends[k]
        return (e - len(self.words[k]), e)
QUOTE_TOKENS = frozenset("\"“”„«»``''")
_OPEN_Q = frozenset("“„«")
_CLOSE_Q = frozenset("”»")
_PUNCT_STOP = frozenset(",;:()[]—–-")
# the one-character tokens a source or a phrase stops at (A_STOP_PUNCT in the core)
_STOP_PUNCT = frozenset(",;:()[]—–!?")


def _shape(tok: str) -> str:
    c = tok[0]
    if c in QUOTE_TOKENS:
        return "Q"
    if not (c.isalnum() or c == "_"):
        return tok if tok in ",.:;?!—-()" else "P"
    if c.isdigit():
        return "9"
    if tok.isupper() and len(tok) > 1:
        return "AA"
    return "Aa" if c.isupper() else "a"


# -- features of one cue candidate (the same function at training and at prediction time) -------------


def cue_features(words: list[str], lows: list[str], i: int, in_quote: bool, has_quote: bool) -> list[str]:
    """Feature names of candidate token ``i`` of a sentence (``words``: tokens, ``lows``: lower-cased).

    Used by :func:`extract` and by the training code, so a model sees the same features at both times.
    """
    w = lows[i]
    n = len(lows)
    p1 = lows[i - 1] if i else "<s>"
    p2 = lows[i - 2] if i > 1 else "<s>"
    n1 = lows[i + 1] if i + 1 < n else "</s>"
    n2 = lows[i + 2] if i + 2 < n else "</s>"
    s_p1 = _shape(words[i - 1]) if i else "<s>"
    s_n1 = _shape(words[i + 1]) if i + 1 < n else "</s>"
    pos = "first" if i == 0 else ("last" if i >= n - 2 else "mid")
    return [
        "w=" + w, "p1=" + p1, "n1=" + n1, "p2=" + p2, "n2=" + n2,
        "w_p1=" + w + "|" + p1, "w_n1=" + w + "|" + n1, "w_n2=" + w + "|" + n2,
        "sp1=" + s_p1, "sn1=" + s_n1, "w_sp1=" + w + "|" + s_p1, "w_sn1=" + w + "|" + s_n1,
        "pos=" + pos, "w_pos=" + w + "|" + pos,
        "inq=" + str(in_quote), "w_inq=" + w + "|" + str(in_quote), "hasq=" + str(has_quote),
        "w_hasq=" + w + "|" + str(has_quote), "cap=" + str(words[i][0].isupper()),
    ]


# -- sentences ----------------------------------------------------------------------------------------

_SPLITTER = []


def split_sentences(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, paragraph)`` of every sentence: :func:`analysis.text.tokenize.sentence_paragraph_spans`,
    computed by the compiled core when it is installed (the same spans, some twenty times faster)."""
    if not _SPLITTER:
        from .core import AVAILABLE, sentence_scanner

        scanner = sentence_scanner() if AVAILABLE else None
        _SPLITTER.extend([scanner.split if scanner is not None else None, scanner])
    split = _SPLITTER[0]
    return split(text) if split is not None else sentence_paragraph_spans(text)


# -- the model ----------------------------------------------------------------------------------------


@dataclass
class AttributionModel:
    """A cue vocabulary and the weights of a linear cue classifier (see the module docstring).

    ``vocabulary``: words that can head a cue; ``weights``: feature name -> weight; ``bias``;
    ``threshold``: on the probability; ``training``: what it was trained on (data hash, counts, dev
    scores used to choose it).
    """

    vocabulary: list
    weights: dict
    bias: float
    threshold: float
    training: dict

    def __post_init__(self):
        self._vocab = frozenset(self.vocabulary)
        self._logit_threshold = math.log(self.threshold / (1 - self.threshold)) if 0 < self.threshold < 1 else (
            -math.inf if self.threshold <= 0 else math.inf)

    def score(self, feats: list[str]) -> float:
        """The linear score (log-odds) of a candidate's features."""
        get = self.weights.get
        return self.bias + sum(get(f, 0.0) for f in feats)

    def to_dict(self) -> dict:
        body = {
            "format": MODEL_FORMAT, "schema_version": SCHEMA_VERSION, "vocabulary": sorted(self._vocab),
            "weights": {k: float(v) for k, v in sorted(self.weights.items())}, "bias": float(self.bias),
            "threshold": float(self.threshold), "training": self.training,
        }
        body["checksum"] = _checksum(body)
        return body

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, allow_nan=False, indent=0) + "\n"

    def save(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)
        return path

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()


def _checksum(body: dict) -> str:
    blob = json.dumps({k: v for k, v in body.items() if k != "checksum"}, sort_keys=True, ensure_ascii=False,
                      allow_nan=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _checksum_and_text(data: dict, raw: bytes | None = None) -> tuple[str, str | None]:
    """(:func:`_checksum` of a decoded model file, its text as :meth:`AttributionModel.to_json` writes it
    without the final newline, or None), the floats formatted once: ``indent=0`` puts a newline only
    between items (after the comma) and inside non-empty brackets, never in a string (JSON escapes it),
    so the text the checksum hashes (``", "`` between items, nothing inside brackets) is the ``indent=0``
    text with ``",\n"`` read as ``", "`` and the other newlines left out, once the top-level
    ``"checksum"`` member, which follows ``"bias"`` (keys sorted), is cut. Anything else: the text is
    None and the checksum made by :func:`_checksum`.

    With ``raw``, the bytes ``data`` was decoded from, their text is tried first in place of the one
    made from ``data`` (no float formatted): when the checksum made from it is the file's own, the
    file is the text ``to_json()`` wrote for those contents (a saved file is; a changed one, whose
    checksum then differs, is checked from ``data`` as before)."""
    bias, cs = data.get("bias"), data.get("checksum")
    if type(bias) is float and type(cs) is str and raw is not None and raw.endswith(b"}\n"):
        try:
            text = raw.decode("utf-8")[:-1]
        except UnicodeDecodeError:
            text = None
        found = _checksum_of_text(text, bias, cs) if text is not None else None
        if found == cs:
            return found, text
    if type(bias) is float and type(cs) is str:
        text = _json_indent0(data)
        found = _checksum_of_text(text, bias, cs)
        if found is not None:
            return found, text
    return _checksum(data), None


def _checksum_of_text(text: str, bias: float, cs: str) -> str | None:
    """The checksum of the model whose ``to_json()`` text (without its final newline) is ``text``, as
    :func:`_checksum_and_text` makes it; None when ``text`` does not start with the ``"bias"`` and
    ``"checksum"`` members."""
    head = '{\n"bias": ' + json.dumps(bias, allow_nan=False) + ",\n"
    piece = '"checksum": ' + json.dumps(cs, ensure_ascii=False) + ",\n"
    if not text.startswith(head + piece):
        return None
    blob = (head + text[len(head) + len(piece):]).replace(",\n", ", ").replace("\n", "")
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def load_attribution_model(path) -> AttributionModel:
    """Load a model saved by :meth:`AttributionModel.save`: JSON only, at most 20 MB, schema, types,
    finite weights within +-1e4 and checksum checked; anything else is a one-line ``ValueError`` that
    names the file. The checksum detects corruption, not tampering (anyone can recompute it)."""
    data, raw = read_model_json_and_bytes(path, max_bytes=MAX_MODEL_BYTES, kind="attribution model")
    return model_from_dict(data, str(path), raw=raw)


def model_from_dict(data, where: str = "<model>", *, raw: bytes | None = None) -> AttributionModel:
    """Validate a decoded model (see :func:`load_attribution_model`) and build it; ``raw``: the bytes
    it was decoded from, when known (see :func:`_checksum_and_text`)."""
    keys = {"format", "schema_version", "vocabulary", "weights", "bias", "threshold", "training", "checksum"}
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        raise ValueError(f"{where}: not a {MODEL_FORMAT} file")
    if set(data) != keys:
        raise ValueError(f"{where}: keys must be {sorted(keys)}, got {sorted(data)}")
    if data["schema_version"] != SCHEMA_VERSION:
        raise ValueError(f"{where}: schema_version {data['schema_version']!r} is not supported")
    checksum, text = _checksum_and_text(data, raw)
    if data["checksum"] != checksum:
        raise ValueError(f"{where}: checksum mismatch: the file was modified after it was saved")
    vocab, weights = data["vocabulary"], data["weights"]
    if not (isinstance(vocab, list) and all(isinstance(w, str) and 0 < len(w) <= 40 for w in vocab)):
        raise ValueError(f"{where}: vocabulary must be a list of words (1 to 40 characters)")
    if not (isinstance(weights, dict) and (_all_float_weights(weights) or all(
            isinstance(k, str) and _finite(v) for k, v in weights.items()))):
        raise ValueError(f"{where}: weights must map feature names to finite numbers within +-{MAX_ABS_WEIGHT:g}")
    if not _finite(data["bias"]) or not (_finite(data["threshold"]) and 0 <= data["threshold"] <= 1):
        raise ValueError(f"{where}: bias must be finite and threshold within 0..1")
    if not isinstance(data["training"], dict):
        raise ValueError(f"{where}: training must be an object")  # noqa: TRY004 (a bad file is a value error)
    model = AttributionModel(vocab, weights, float(data["bias"]), float(data["threshold"]), data["training"])
    if (type(data["schema_version"]) is int and all(type(data[k]) is float for k in ("bias", "threshold"))
            and vocab == sorted(set(vocab)) and all(type(v) is float for v in weights.values())):
        # the file is what to_dict() writes (JSON sorts the keys): its text gives to_json() without
        # making the dict again, see _sha256 (made above with the checksum)
        model._loaded = data
        model._loaded_text = text
    return model


def _all_float_weights(weights: dict) -> bool:
    """Every key a str and every value a float that :func:`_finite` accepts (checked at once with numpy;
    False also when some value is not a float: the caller then checks each)."""
    if not all(type(v) is float for v in weights.values()) or not all(type(k) is str for k in weights):
        return False
    values = np.fromiter(weights.values(), dtype=np.float64, count=len(weights))
    return bool(np.isfinite(values).all() and (np.abs(values) <= MAX_ABS_WEIGHT).all())


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= MAX_ABS_WEIGHT


@lru_cache(maxsize=1)
def default_model() -> AttributionModel:
    """The bundled model (``analysis/models/attribution.json``, trained on PolNeAR train)."""
    return load_attribution_model(DEFAULT_MODEL_PATH)


# -- source and content rules --------------------------------------------------------------------------

_SKIP_LEFT = frozenset(
    ["also", "has", "have", "had", "was", "were", "is", "are", "would", "will", "could", "might", "may", "later", "previously", "repeatedly", "recently", "then", "again", "once", "further", "publicly", "privately", "reportedly", "did", "does", "do", "not", "n't", "never", "still", "already", "often", "frequently", "allegedly", "earlier", "separately", "simply", "just", "flatly", "strongly", "quickly", "first", "initially", "been", "being", "openly", "subsequently", "explicitly", "directly", "specifically", "famously", "memorably", "last", "finally"]
)
_NP_STOP = frozenset(
    ["that", "who", "which", "whom", "whose", "but", "while", "when", "because", "as", "if", "after", "before", "so", "since", "though", "although", "where", "whether", "than", "or", "nor", "yet"]
)
_AUX = frozenset(["will", "would", "be", "is", "are", "was", "were", "has", "have", "had", "can", "could", "may", "might", "should", "must", "shall"])
_ADDRESSEE_VERBS = frozenset(
    ["told", "tell", "tells", "telling", "asked", "ask", "asks", "asking", "warned", "warn", "warns", "warning", "assured", "assure", "assures", "informed", "inform", "informs", "reminded", "remind", "reminds", "urged", "urge", "urges", "briefed", "brief"]
)
_OBJECT_PRONOUNS = frozenset(["him", "her", "them", "me", "us", "you", "reporters", "journalists", "lawmakers", "supporters", "it"])
_FORWARD_SOURCE = frozenset({"according"})
_DETERMINERS = frozenset(["the", "a", "an", "one", "two", "three", "several", "some", "many"])
_MAX_SOURCE_TOKENS = 12


def _trim(words, starts, ends, a, b):
    """Token range [a, b) without leading and trailing punctuation, quotes and "that"; None when empty."""
    while a < b and (words[a] in QUOTE_TOKENS or words[a] in ",.;:—–-" or words[a].lower() == "that"):
        a += 1
    while b > a and (words[b - 1] in QUOTE_TOKENS or words[b - 1] in ",.;:—–-?!"):
        b -= 1
    return (a, b) if a < b else None


def _abbrev_dot(words, k) -> bool:
    """Token ``k`` is the full stop of an abbreviation or initial ("Gen.", "J.")."""
    prev = words[k - 1] if k > 0 else ""
    return prev.lower() in ABBREVIATIONS or (len(prev) == 1 and prev.isupper())


def _source_left(words, lows, i):
    """Source tokens left of cue token ``i``: (start, end) token range, or None."""
    j = i - 1
    while j >= 0 and (lows[j] in _SKIP_LEFT or (lows[j].endswith("ly") and len(lows[j]) > 4 and words[j].islower())):
        j -= 1
    paren_end = None
    if j > 0 and words[j] == ")":  # "Rep. Gwen Moore (D-Wis.) said": the parenthesis is part of the source
        for k in range(j - 1, max(0, j - 8), -1):
            if words[k] == "(":
                paren_end, j = j + 1, k - 1
                break
            if words[k] in QUOTE_TOKENS or words[k] in ",;:)":
                break
    if paren_end is None and j > 0 and words[j] == ",":
        # "Officials, speaking on condition of anonymity, said": the noun phrase before a stretch
        # between two commas (at most _MAX_SOURCE_TOKENS tokens, no other punctuation)
        k = j - 1
        while k > 0 and j - k <= _MAX_SOURCE_TOKENS and not (
                words[k] in QUOTE_TOKENS or words[k] in _STOP_PUNCT or words[k] == "."):
            k -= 1
        if k > 0 and k < j - 1 and words[k] == ",":
            if lows[k + 1] in _DETERMINERS:  # an apposition: "Smith, the commander, said"
                src = _source_left(words, lows, k)
                return (src[0], j) if src else None
            j = k - 1
    end = j + 1 if paren_end is None else paren_end
    k = j
    while k >= 0 and end - k <= _MAX_SOURCE_TOKENS:
        w = words[k]
        if w in QUOTE_TOKENS or w in _STOP_PUNCT or lows[k] in _NP_STOP or lows[k] in _AUX:
            break
        if w == "." and not _abbrev_dot(words, k):
            break
        k -= 1
    start = k + 1
    while start < end and lows[start] in ("and", "but", "or", "then", "so"):
        start += 1
    return (start, end) if start < end else None


def _source_right(words, lows, i, stop_at):
    """Source tokens right of cue token ``i`` (inverted "said X", or "according to X")."""
    a = i + 1
    if lows[i] == "according" and a < stop_at and lows[a] == "to":
        a += 1
    b = a
    while b < stop_at and b - a < _MAX_SOURCE_TOKENS:
        w = words[b]
        if w in QUOTE_TOKENS or w in _STOP_PUNCT or lows[b] in _NP_STOP:
            break
        if w == "." and not _abbrev_dot(words, b):
            break
        b += 1
    return (a, b) if a < b else None


def _apposition_after(words, lows, b, stop_at):
    """The end of a source that stops at ``b`` extended over what describes it: an apposition after a
    comma that starts with a determiner ("said Charlie King, a prominent New York Democrat"), up to the
    next comma or the end; a parenthesis of at most 6 tokens ("Rep. Gwen Moore (D-Wis.)")."""
    if b + 1 < stop_at and words[b] == "(":
        for k in range(b + 1, min(stop_at, b + 8)):
            if words[k] == ")":
                return k + 1
            if words[k] in QUOTE_TOKENS or words[k] in ",;:(":
                break
        return b
    if b + 1 < stop_at and words[b] == "," and lows[b + 1] in _DETERMINERS:
        k = b + 1
        while k < stop_at and k - b <= _MAX_SOURCE_TOKENS and not (words[k] in QUOTE_TOKENS or words[k] in _STOP_PUNCT
                                                                   or (words[k] == "." and not _abbrev_dot(words, k))):
            k += 1
        return k
    return b


def _after_addressee(words, lows, a, n):
    """Skip the addressee after "told" / "warned" / "asked" (up to "that" when it comes soon)."""
    for k in range(a, min(n, a + 8)):
        if lows[k] == "that":
            return k + 1
        if words[k] in QUOTE_TOKENS or words[k] in ",:;":
            return k
    if a < n and lows[a] in _OBJECT_PRONOUNS:
        return a + 1
    k = a
    if k < n and lows[k] in ("the", "a", "an"):
        k += 1
    while k < n and words[k][:1].isupper():
        k += 1
    return k


def _rules(words, lows, i, j, head, nxt):
    """(source range, content range) token ranges for the cue of tokens [i, j) (``head``: its main word;
    ``nxt``: where the next cue of the sentence starts) of a sentence."""
    n = len(words)
    prev_tok = words[i - 1] if i else ""
    if lows[head] in _FORWARD_SOURCE:
        src = _source_right(words, lows, j - 1, n)
        after = src[1] if src else j
        if i <= 1 or words[i - 1] in _OPEN_Q:
            content = _trim(words, None, None, after, n)
        else:
            content = _trim(words, None, None, 0, i)
        return src, content
    next_shape = _shape(words[j]) if j < n else "</s>"
    inverted = (prev_tok == "," or prev_tok in QUOTE_TOKENS) and j < n and (
        next_shape in ("Aa", "AA") or lows[j] in _DETERMINERS or lows[j] in ("he", "she", "they", "it", "we", "i"))
    if inverted:
        src = _source_right(words, lows, j - 1, nxt)
        # "Officials, speaking on condition of anonymity, said the attack was imminent": what follows
        # the cue holds an auxiliary, so it is a clause (the content), not the source
        if src is None or not any(lows[k] in _AUX for k in range(src[0], src[1])):
            content = _trim(words, None, None, 0, i)
            return (src[0], _apposition_after(words, lows, src[1], nxt)) if src else None, content
    src = _source_left(words, lows, i)
    a = j
    if lows[head] in _ADDRESSEE_VERBS:
        a = _after_addressee(words, lows, a, nxt)
    a = _after_adjunct(words, lows, a, nxt)
    content = _trim(words, None, None, a, nxt)
    stop = src[0] if src else i
    if content is None or (content[1] - content[0] <= 1 and content[0] >= n - 2) or _adjunct_only(
            words, lows, content, nxt, stop):
        content = _trim(words, None, None, 0, stop)
    return src, content


def _after_adjunct(words, lows, a, end) -> int:
    """Where the content starts after a phrase of time, place or manner between the cue and "that" ("said
    in a statement that ...", "said on Monday that ..."): after that "that" when it comes within
    ``_MAX_ADJUNCT_TOKENS + 4`` tokens with no punctuation or quotation mark before it; else ``a``."""
    if a < end and lows[a] in _ADJUNCT_START:
        for k in range(a + 1, min(end, a + _MAX_ADJUNCT_TOKENS + 4)):
            if lows[k] == "that":
                return k + 1
            if words[k] in QUOTE_TOKENS or words[k] in _STOP_PUNCT or words[k] == ".":
                break
    return a


def _adjunct_only(words, lows, content, end, stop) -> bool:
    """Whether the content found after a cue is only a short phrase of time, place or manner that closes
    the sentence (or the clause before the next cue, ``end``) while the words before the source
    (``stop``) end with a comma or a quotation mark: "“We will not back down,” the minister said on
    Tuesday.", "The US may impose sanctions, two officials told Reuters on Monday." The content is then
    what precedes the source, as when nothing follows the cue."""
    a, b = content
    return (b - a <= _MAX_ADJUNCT_TOKENS and b >= end - 1 and lows[a] in _ADJUNCT_START and stop >= 2
            and (words[stop - 1] == "," or words[stop - 1] in QUOTE_TOKENS))


# the words that open such a phrase after a cue ("on Tuesday", "in a statement", "to reporters", "last
# week", "yesterday"), and its length at most
_ADJUNCT_START = frozenset([
    "on", "in", "at", "during", "after", "before", "since", "until", "last", "this", "next", "yesterday", "today",
    "tonight", "tomorrow", "earlier", "later", "late", "early", "recently", "previously", "afterwards", "overnight",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "to", "from", "via", "through",
    "over", "outside", "inside", "by", "with", "without", "privately", "publicly", "separately", "again", "when",
    "while", "as", "then"])
_MAX_ADJUNCT_TOKENS = 4


# auxiliaries and adverbs that belong to the cue left of it ("has said", "was asked", "also said")
_VERB_GROUP = frozenset(["has", "have", "had", "also", "will", "would", "is", "are", "was", "were", "be", "been", "being", "not", "n't", "did", "does", "do", "could", "may", "might"])
_PARTICLE_CUES = frozenset(
    tuple(p.split()) for p in (
        "according to", "called for", "calls for", "calling for", "call for", "referring to", "referred to",
        "pointed to", "points to", "pointing to", "talking about", "talked about", "talks about", "asked about",
        "called on", "calls on", "pointed out", "points out", "spoke about", "speaking about", "said of",
        "wrote about", "writes about", "warned of", "warns of", "warned against", "complained about",
        "commented on", "insisted on", "argued for", "agreed with", "responded to", "reacted to",
        "spoke of", "in favor", "opposition to", "support for"))

# words that join a cue ("has said", "called for", "talking about") but are never a cue alone
FUNCTION_WORDS = frozenset(
    ["to", "about", "of", "for", "on", "in", "a", "an", "the", "with", "by", "as", "against", "is", "was", "are", "were", "has", "have", "had", "also", "not", "did", "do", "does", "be", "been", "that", "at", "from", "into", "over", "out", "up", "it", "its", "this"]
)


# the words a source cannot end with: the function words (FUNCTION_WORDS) that are not pronouns, and the
# other prepositions and conjunctions ("without doubt": no source "without")
_NOT_SOURCE_HEADS = frozenset(w for w in FUNCTION_WORDS if w not in ("it", "this")) | frozenset(
    ["without", "within", "beyond", "among", "between", "under", "after", "before", "during", "through",
     "toward", "towards", "upon", "across", "despite", "since", "until", "than", "and", "or", "but", "nor",
     "if", "because", "whether", "though", "although", "unless", "whereas"])


# -- source type ---------------------------------------------------------------------------------------

_PRONOUNS = frozenset(["he", "she", "they", "it", "we", "i", "you", "who", "this", "someone", "somebody",
                       # possessives and contractions ("his insistence that", "he’s not saying")
                       "his", "her", "their", "its", "our", "my", "your"]
                      + [p + a + e for p in ("he", "she", "it") for a in "'’" for e in ("s", "d")]
                      + [p + a + e for p in ("they", "we", "you") for a in "'’" for e in ("re", "d")]
                      + ["i" + a + e for a in "'’" for e in ("m", "d")])
_OUTLETS = frozenset(
    [
        "cnn", "reuters", "associated press", "the associated press", "ap", "afp", "bloomberg", "politico",
        "the new york times", "new york times", "the times", "the washington post", "washington post", "the post",
        "fox news", "fox", "nbc", "nbc news", "abc", "abc news", "cbs", "cbs news", "msnbc", "npr", "bbc",
        "the wall street journal", "wall street journal", "the journal", "usa today", "axios", "breitbart",
        "breitbart news", "the huffington post", "huffington post", "huffpost", "the hill", "the guardian",
        "the atlantic", "buzzfeed", "buzzfeed news", "vox", "the daily beast", "time", "newsweek", "the economist",
        "the los angeles times", "los angeles times", "the boston globe", "the western journal", "western journal",
        "al jazeera", "sky news", "the telegraph", "the independent", "the financial times", "financial times",
        "the intercept", "mother jones", "the new yorker", "national review", "the daily caller", "daily mail",
    ]
)
_DOCUMENT_HEADS = frozenset(
    ["report", "reports", "statement", "statements", "poll", "polls", "survey", "surveys", "study", "studies", "letter", "letters", "memo", "memos", "document", "documents", "filing", "filings", "complaint", "lawsuit", "indictment", "tweet", "tweets", "post", "posts", "email", "emails", "data", "analysis", "records", "record", "transcript", "transcripts", "release", "website", "ad", "ads", "advertisement", "video", "videos", "book", "article", "articles", "paper", "papers", "findings", "assessment", "assessments", "cable", "cables", "ruling", "order", "bill", "law", "platform", "proposal", "plan", "note", "notes", "page", "message", "messages", "speech", "interview", "op-ed", "editorial", "column", "blog", "account", "release", "statistics", "figures", "numbers", "estimate", "estimates", "census", "audit", "review", "investigation", "testimony", "footage", "photo", "photos", "map", "chart", "graph", "brief", "motion", "petition", "resolution", "guidance", "guidelines"]
)
_ANON_HEADS = frozenset(
    ["official", "officials", "source", "sources", "aide", "aides", "spokesman", "spokeswoman", "spokesperson", "spokespeople", "person", "people", "diplomat", "diplomats", "adviser", "advisers", "advisor", "advisors", "insider", "insiders", "staffer", "staffers", "officer", "officers", "operative", "operatives", "strategist", "strategists", "employee", "employees", "representative", "representatives", "member", "members", "lawyer", "lawyers", "attorney", "attorneys", "investigator", "investigators", "agent", "agents", "confidant", "confidants", "associate", "associates", "friend", "friends", "ally", "allies", "donor", "donors", "worker", "workers", "leader", "leaders", "commander", "commanders", "general", "generals", "minister", "ministers", "lawmaker", "lawmakers", "legislator", "legislators", "executive", "executives", "director", "directors", "chief", "officer", "negotiator", "negotiators", "envoy", "envoys", "administrator", "authorities", "authority"]
)
# unnamed people with a role: anonymous even after a vague quantifier ("some officials")
_CORE_ANON = frozenset(["official", "officials", "source", "sources", "aide", "aides", "spokesman", "spokeswoman", "spokesperson", "diplomat", "diplomats", "insider", "insiders", "staffer", "staffers"])
_ANON_MARKER_PHRASES = (
    "familiar with", "close to", "anonymity", "anonymous", "unnamed", "unidentified", "not authorised",
    "not authorized", "who spoke", "who asked", "declined to be named", "requested anonymity", "knowledgeable",
    "briefed on", "with knowledge")
_ANON_MARKERS = re.compile("|".join(map(re.escape, _ANON_MARKER_PHRASES)), re.IGNORECASE)
# the same phrases on lower-cased ASCII text (what IGNORECASE matches there; three times faster)
_ANON_MARKERS_LOW = re.compile(_ANON_MARKERS.pattern)
_VAGUE_FIRST = frozenset(["some", "many", "most", "several", "few", "others", "critics", "experts", "observers", "analysts", "everyone", "nobody", "all", "numerous", "various"])
_VAGUE_HEADS = frozenset(
    ["critics", "experts", "observers", "analysts", "others", "people", "supporters", "opponents", "skeptics", "detractors", "voters", "americans", "residents", "scientists", "economists", "observers", "pundits", "commentators", "democrats", "republicans", "conservatives", "liberals", "progressives", "activists", "advocates", "researchers", "historians", "scholars", "polls", "many", "some"]
)
_ORG_WORDS = frozenset(
    ["department", "ministry", "pentagon", "house", "congress", "senate", "committee", "party", "campaign", "council", "agency", "administration", "commission", "court", "police", "army", "military", "government", "university", "institute", "foundation", "center", "centre", "bureau", "office", "association", "union", "group", "company", "corp", "corporation", "inc", "co.", "ltd", "bank", "fund", "organization", "organisation", "network", "board", "authority", "service", "services", "forces", "navy", "command", "coalition", "alliance", "caucus", "league", "club", "church", "school", "college", "hospital", "clinic", "agency", "fbi", "cia", "nsa", "nato", "un", "eu", "gop", "dnc", "rnc", "kremlin", "state", "pac", "super", "secretariat", "embassy", "consulate", "legislature", "parliament", "assembly", "cabinet", "firm"]
)
# countries (states speaking through their governments: "Iran said", "Russia warned", "the United States
# said"), as the whole source after an optional "the" (lower-cased and stripped as in source_type, so "U.S."
# is "u.s"); names that are also common first names or US states (Jordan, Chad, Georgia) are left out
_COUNTRIES = frozenset(
    ["afghanistan", "albania", "algeria", "andorra", "angola", "argentina", "armenia", "australia", "austria",
     "azerbaijan", "bahrain", "bangladesh", "belarus", "belgium", "bolivia", "bosnia", "botswana", "brazil",
     "britain", "great britain", "bulgaria", "burma", "cambodia", "cameroon", "canada", "chile", "china",
     "colombia", "congo", "costa rica", "croatia", "cuba", "cyprus", "czech republic", "czechia", "denmark",
     "ecuador", "egypt", "el salvador", "eritrea", "estonia", "ethiopia", "finland", "france", "germany", "ghana",
     "greece", "guatemala", "haiti", "honduras", "hungary", "iceland", "india", "indonesia", "iran", "iraq",
     "ireland", "israel", "italy", "ivory coast", "japan", "kazakhstan", "kenya", "kosovo", "kuwait",
     "kyrgyzstan", "laos", "latvia", "lebanon", "libya", "lithuania", "luxembourg", "malaysia", "mali", "malta",
     "mexico", "moldova", "mongolia", "montenegro", "morocco", "mozambique", "myanmar", "nepal", "netherlands",
     "new zealand", "nicaragua", "niger", "nigeria", "north korea", "north macedonia", "norway", "oman",
     "pakistan", "palestine", "panama", "paraguay", "peru", "philippines", "poland", "portugal", "qatar",
     "romania", "russia", "rwanda", "saudi arabia", "senegal", "serbia", "singapore", "slovakia", "slovenia",
     "somalia", "south africa", "south korea", "south sudan", "spain", "sri lanka", "sudan", "sweden",
     "switzerland", "syria", "taiwan", "tajikistan", "tanzania", "thailand", "tunisia", "turkey", "turkmenistan",
     "uganda", "ukraine", "united arab emirates", "united kingdom", "united states", "united states of america",
     "america", "u.s", "u.s.a", "u.k", "uruguay", "uzbekistan", "venezuela", "vietnam", "yemen", "zambia",
     "zimbabwe", "european union", "the european union"]
)
_NOT_NAMES = frozenset(
    ["u.s.", "us", "american", "americans", "iranian", "iraqi", "israeli", "russian", "chinese", "british", "french", "german", "european", "western", "republican", "democratic", "democrat", "republicans", "democrats", "gop", "white", "senior", "top", "former", "current", "state", "defense", "administration", "federal", "national", "local"]
)


# the words after which a role word is followed by whom it serves, or a document by whom it is from: "a
# spokesman for the ministry", "a report by the UN"
_ROLE_LINKS = frozenset(["for", "with", "at", "of", "from", "in", "by", "on"])


def _name_like(toks, lows, k) -> bool:
    """Token k of a source could be part of a name: capitalised, not an organisation word, not a word
    that makes no name ("US", "senior")."""
    return toks[k][0].isupper() and lows[k] not in _ORG_WORDS and lows[k] not in _NOT_NAMES


def _role_before_of(toks, lows):
    """The head of a source like "a spokesman for the ministry", "an official with the State Department",
    "critics of the plan", "a statement from the ministry": the word right before the first of "for with
    at of from in by on" when it is a role, group or document word (``_ANON_HEADS``, ``_VAGUE_HEADS``,
    ``_DOCUMENT_HEADS``), and the source does not end with a name (two
    capitalised words: "the director of the FBI, Christopher Wray"); None otherwise. The source is then
    typed by that word, not by its last ("ministry", "plan")."""
    for k in range(1, len(lows) - 1):
        if lows[k] in _ROLE_LINKS:
            if lows[k - 1] not in _ANON_HEADS and lows[k - 1] not in _VAGUE_HEADS and lows[k - 1] not in _DOCUMENT_HEADS:
                return None
            if len(toks) >= 2 and _name_like(toks, lows, -1) and _name_like(toks, lows, -2):
                return None
            return lows[k - 1]
    return None


@lru_cache(maxsize=65536)
def source_type(source: str) -> str:
    """The type of a source as written (rules in docs/codebook.md).

    Cached: the same sources ("he", "officials", a name) recur through a corpus.

    >>> [source_type(s) for s in ["one official", "anonymous US officials", "Gen. Smith", "the Pentagon",
    ...                          "he", "CNN", "a Pentagon statement", "some experts", "people familiar with the matter",
    ...                          "Iran", "the United States"]]
    ['anonymous', 'anonymous', 'named_person', 'named_organisation', 'pronoun', 'outlet', 'document', 'vague', 'anonymous', 'named_organisation', 'named_organisation']
    """
    text = " ".join(source.split())
    low = text.lower().strip(" ,.;:\"“”'")
    toks = [t for t in TOKEN_RE.findall(text) if t[0].isalnum() or t[0] == "_"]
    if not toks:
        return "vague"
    lows = [t.lower() for t in toks]
    if len(toks) == 1 and lows[0] in _PRONOUNS:
        return "pronoun"
    if low in _OUTLETS or (low.startswith("the ") and low[4:] in _OUTLETS):
        return "outlet"
    if low in _COUNTRIES or (low.startswith("the ") and low[4:] in _COUNTRIES):
        return "named_organisation"  # a state speaking: "Iran said", "the United States warned"
    comma = text.find(",")
    if comma > 0:  # "Smith, the commander of the base" (an apposition, docs/attribution.md): the name decides
        after = [t for t in TOKEN_RE.findall(text, comma) if t[0].isalnum() or t[0] == "_"]
        if after and after[0].lower() in _DETERMINERS and source_type(text[:comma]) == "named_person":
            return "named_person"
    head = lows[-1]
    role = _role_before_of(toks, lows)
    if (role in _DOCUMENT_HEADS) if role is not None else (head in _DOCUMENT_HEADS or (
            len(lows) > 2 and lows[-2] in _DOCUMENT_HEADS and lows[-1] in ("says", "shows"))):
        return "document"  # "a statement from the ministry", "the poll"
    if (_ANON_MARKERS_LOW.search(text.lower()) if text.isascii() else _ANON_MARKERS.search(text)):
        return "anonymous"
    if role is not None:
        head = role  # "a spokesman for the ministry", "an official with the State Department"
    if head in _ANON_HEADS:
        if lows[0] in _VAGUE_FIRST and lows[0] != "several" and head not in _CORE_ANON:
            return "vague"
        return "anonymous"
    if lows[0] in _VAGUE_FIRST or head in _VAGUE_HEADS:
        return "vague"
    caps = [t for t, lw in zip(toks, lows) if t[0].isupper() and lw not in _NOT_NAMES and lw not in ("the", "a", "an")]
    if caps or any(t.isupper() and len(t) > 1 for t in toks):
        if len(toks) >= 2 and _name_like(toks, lows, -1) and _name_like(toks, lows, -2) and not toks[-1].isupper():
            return "named_person"  # a first and last name at the end: "Pentagon spokesman John Kirby"
        if any(lw in _ORG_WORDS for lw in lows) or (len(toks) == 1 and toks[0].isupper()):
            return "named_organisation"
        return "named_person"
    if any(lw in _ORG_WORDS for lw in lows):
        return "named_organisation" if caps else "vague"
    return "vague"


# -- extraction ----------------------------------------------------------------------------------------


def single_quotes_quote(text: str) -> bool:
    """Whether the single curly quotation marks of ``text`` are its outer quotation marks (British
    usage: "‘We will not back down,’ the minister said."): it holds more ``‘`` than ``“``. In American
    usage they are the nested marks, inside “...”, and the text has at least as many ``“``."""
    return "‘" in text and text.count("‘") > text.count("“")


# the tokens after which a ’ closes a quotation, not an apostrophe ("...down,’ the minister said")
_BEFORE_CLOSE = frozenset(",.?!;:")


def _doubled(words: list, lows: list) -> tuple[list, list]:
    """The tokens of a sentence (piece) of a text whose single marks quote (:func:`single_quotes_quote`)
    with those marks read as the double ones, which the rules and the cue model know quotations by: a
    ``‘`` token as ``“``; a ``’`` token as ``”`` after a ``‘`` not yet closed or right after one of
    ``, . ? ! ; :``. The apostrophes within words ("Clinton’s", "don’t") are parts of word tokens, and a
    ``’`` after a word with no ``‘`` open ("the officials’ claims") stays as it is. ``words`` and
    ``lows`` themselves when nothing changes."""
    out = None
    opened = False
    for k, w in enumerate(words):
        if w == "‘":
            new, opened = "“", True
        elif w == "’" and (opened or (k and words[k - 1] in _BEFORE_CLOSE)):
            new, opened = "”", False
        else:
            continue
        if out is None:
            out, low = list(words), list(lows)
        out[k] = low[k] = new
    return (out, low) if out is not None else (words, lows)


def quote_mask(words) -> list[bool]:
    """Whether each token sits inside a double-quoted stretch of the sentence."""
    inside, out = False, []
    for w in words:
        if w in _OPEN_Q:
            inside = True
            out.append(True)
        elif w in _CLOSE_Q:
            out.append(True)
            inside = False
        elif w in ('"', "``", "''"):
            inside = not inside
            out.append(True)
        else:
            out.append(inside)
    return out


def _lower(text: str) -> str:
    """The lower case of ``text`` with one character per character of the text (offsets are shared)."""
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two: fall back to case-folding matching
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low


def _cut(model: AttributionModel, threshold: float | None) -> float:
    """The log-odds a candidate's score must reach: the model's threshold, or ``threshold`` when given."""
    if threshold is None:
        return model._logit_threshold
    return math.log(threshold / (1 - threshold)) if 0 < threshold < 1 else (-math.inf if threshold <= 0 else math.inf)


def extract(text: str, model: AttributionModel | None = None, *, threshold: float | None = None,
            engine: str = "auto") -> list[tuple]:
    """Attributions of one text, in order.

    Returns tuples ``(sentence, paragraph, cue_start, cue_end, source_start, source_end, content_start,
    content_end, score, source_type)``; absent spans are ``-1``. ``sentence`` indexes
    :func:`analysis.text.tokenize.sentence_spans` of the text (the ``sentence`` of the match table).
    ``engine``: ``"auto"`` (the compiled core when :func:`engine_of` says it can run), ``"c"`` or
    ``"python"`` (:func:`extract_python`, the definition; both give identical records).

    >>> recs = extract("One official told CNN that attacks may be possible.")
    >>> t = "One official told CNN that attacks may be possible."
    >>> [(t[r[2]:r[3]], t[r[4]:r[5]], t[r[6]:r[7]], r[9]) for r in recs]
    [('told', 'One official', 'attacks may be possible', 'anonymous')]
    """
    model = model or default_model()
    core = _core_model(model, engine)
    if core is None:
        return extract_python(text, model, threshold=threshold)
    if not isinstance(text, str) or not text:
        return []
    cols = _core_columns(core, [text], model, threshold)
    ints = np.frombuffer(cols[0], dtype=np.int64).reshape(-1, 10).tolist()
    scores = np.frombuffer(cols[1], dtype=np.float64)[0::2].tolist()
    types = cols[8]
    stypes = [types[c] for c in np.frombuffer(cols[5], dtype=np.int32).tolist()]
    return [(r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], sc, st) for r, sc, st in zip(ints, scores, stypes)]


MAX_SENTENCE_TOKENS = 400
"""Tokens of a sentence read at once; a longer one is read in pieces (:func:`_sentence_pieces`)."""


def _sentence_pieces(low: str, sa: int, sb: int) -> list[tuple[int, int]]:
    """The character spans in which sentence ``low[sa:sb]`` is read: itself when it holds at most
    :data:`MAX_SENTENCE_TOKENS` tokens, else pieces of at most that many, each cut after the last
    ``,`` ``;`` or ``:`` in its second half, else at the limit.

    A text without sentence ends (a transcript, a list, scraped text) would otherwise be one sentence
    in which every cue's content can run to its end: records whose strings grow with the square of the
    text. No PolNeAR sentence comes near the limit (the longest has 220 tokens).

    >>> low = "a, " * 300
    >>> [(a, b, len(TOKEN_RE.findall(low, a, b))) for a, b in _sentence_pieces(low, 0, len(low))]
    [(0, 600, 400), (600, 900, 200)]
    """
    spans = [m.span() for m in TOKEN_RE.finditer(low, sa, sb)]
    n = len(spans)
    if n <= MAX_SENTENCE_TOKENS:
        return [(sa, sb)]
    cuts, s0, half = [sa], 0, MAX_SENTENCE_TOKENS // 2
    while n - s0 > MAX_SENTENCE_TOKENS:
        c = s0 + MAX_SENTENCE_TOKENS
        for k in range(s0 + MAX_SENTENCE_TOKENS, s0 + half, -1):
            a, b = spans[k - 1]
            if b - a == 1 and low[a] in ",;:":
                c = k
                break
        cuts.append(spans[c][0])
        s0 = c
    cuts.append(sb)
    return list(pairwise(cuts))


def extract_python(text: str, model: AttributionModel | None = None, *, threshold: float | None = None) -> list[tuple]:
    """:func:`extract` in Python: the readable definition, which the compiled core follows step by step
    (``analysis/_core_src/attribution.h``; ``tests/measure/test_attribution_core.py`` compares them)."""
    model = model or default_model()
    if not isinstance(text, str) or not text:
        return []
    low = _lower(text)
    single_q = single_quotes_quote(text)
    vocab = model._vocab
    cut = _cut(model, threshold)
    weights_get = model.weights.get
    bias = model.bias
    out = []
    findall = TOKEN_RE.findall
    for si, (s_a, s_b, p) in enumerate(split_sentences(text)):
        # C-level steps only until a sentence holds a word of the cue vocabulary (most of the text ends
        # here): its lower-cased tokens, then a set test
        lows = findall(low, s_a, s_b)
        if vocab.isdisjoint(lows):
            continue
        spans = [(s_a, s_b)] if len(lows) <= MAX_SENTENCE_TOKENS else _sentence_pieces(low, s_a, s_b)
        for sa, sb in spans:
            if len(spans) > 1:
                lows = findall(low, sa, sb)
                if vocab.isdisjoint(lows):
                    continue
            # tokens with the spaces before them: their offsets are running sums of lengths (no match objects)
            pieces = _SPACED_TOKEN_RE.findall(text, sa, sb)
            words = list(map(str.lstrip, pieces))
            ends = list(accumulate(map(len, pieces), initial=sa))[1:]
            toks = _Offsets(words, ends)
            if single_q:
                words, lows = _doubled(words, lows)
            if _QUOTE_CHARS.isdisjoint(words if single_q else text[sa:sb]):
                has_q = False
                qmask = _NO_QUOTES * len(words)
            else:
                qmask = quote_mask(words)
                has_q = any(w in QUOTE_TOKENS for w in words)
            kept = []
            for i, lw in enumerate(lows):
                if lw in vocab:
                    s = bias + sum(map(weights_get, cue_features(words, lows, i, qmask[i], has_q), _ZEROS))
                    if s >= cut:
                        kept.append((i, s))
            if not kept:
                continue
            # adjacent kept tokens make one cue ("has said", "said in a statement", "according to")
            runs, cur = [], [kept[0]]
            for item in kept[1:]:
                if item[0] == cur[-1][0] + 1:
                    cur.append(item)
                else:
                    runs.append(cur)
                    cur = [item]
            runs.append(cur)
            title_case = sum(w[:1].isupper() for w in words) > 0.6 * len(words)
            cues = []
            for run in runs:
                head, s = max(run, key=lambda x: x[1])
                if head and words[head][:1].isupper() and not title_case and words[head - 1] not in _OPEN_Q:
                    continue  # a name ("CNN") is not a cue, even next to one
                i, j = head, head + 1
                while i > 0 and lows[i - 1] in _VERB_GROUP:
                    i -= 1
                if j < len(lows) and (lows[head], lows[j]) in _PARTICLE_CUES:
                    j += 1
                cues.append((i, j, head, s))
            prev_src = None  # the source of the sentence's record before
            for k, (i, j, head, s) in enumerate(cues):
                nxt = len(words)
                if k + 1 < len(cues):  # the next cue ends this content when it opens a new clause
                    nsrc = _source_left(words, lows, cues[k + 1][0])
                    at = nsrc[0] if nsrc else cues[k + 1][0]
                    if at > j and (words[at - 1] in (",", ";", ":") or lows[at - 1] in ("and", "but", "while")):
                        nxt = at - 1
                src, content = _rules(words, lows, i, j, head, nxt)
                if k and src and src[0] < cues[k - 1][1] and src[1] > cues[k - 1][0] and src[1] <= i:
                    continue  # its source runs over the cue before it ("The ministry said in a statement")
                if src and lows[src[1] - 1] in _NOT_SOURCE_HEADS:
                    src = None  # "the", "to", "by": no noun phrase
                if not src and i and lows[i - 1] in ("and", "but") and prev_src:
                    src = prev_src  # "Trump called it a con and said ...": the verbs share the source
                if src:
                    prev_src = src
                ss, se = (toks[src[0]][0], toks[src[1] - 1][1]) if src else (-1, -1)
                cs, ce = (toks[content[0]][0], toks[content[1] - 1][1]) if content else (-1, -1)
                stype = source_type(text[ss:se]) if src else ""
                out.append((si, p, toks[i][0], toks[j - 1][1], ss, se, cs, ce, 1 / (1 + math.exp(-s)),
                            stype))
    return out


def _resolve(recs, text):
    """Resolved source (text, type) of each record: pronouns to the nearest earlier non-pronoun source of
    the same paragraph, else of the previous one; others to themselves."""
    out = []
    last_by_para: dict[int, tuple] = {}
    for r in recs:
        p, ss, se, stype = r[1], r[4], r[5], r[9]
        if stype == "pronoun":
            ref = last_by_para.get(p) or last_by_para.get(p - 1)
            out.append(ref if ref else ("", ""))
        elif ss >= 0:
            ref = (text[ss:se], stype)
            last_by_para[p] = ref
            out.append(ref)
        else:
            out.append(("", ""))
    return out


def attributions_frame(corpus: pd.DataFrame, model: AttributionModel | None = None, *,
                       engine: str = "auto") -> pd.DataFrame:
    """The attribution table of a corpus (``doc_id``, ``text``, optionally ``outlet``): one row per
    attribution, columns :data:`ATTRIBUTION_COLUMNS` (offsets into the document text; ``-1`` and ``""``
    where a source or content was not found). ``engine`` as in :func:`extract`: the compiled core builds
    the columns directly; the Python path (the definition) builds rows; the tables are identical."""
    model = model or default_model()
    ids = corpus["doc_id"].tolist()
    outlets = corpus["outlet"].tolist() if "outlet" in corpus.columns else ["unknown"] * len(corpus)
    core = _core_model(model, engine)
    if core is not None:
        return _core_frame(core, model, ids, outlets, _core_texts(corpus["text"]), corpus)
    rows = []
    for doc_id, outlet, text in zip(ids, outlets, corpus["text"].tolist()):
        if not isinstance(text, str):
            continue
        recs = extract_python(text, model)
        if not recs:
            continue
        resolved = _resolve(recs, text)
        for k, (r, (rs, rt)) in enumerate(zip(recs, resolved)):
            sent, para, cs, ce, ss, se, ts, te, sc, stype = r
            rows.append((doc_id, outlet, k, sent, para, text[cs:ce], cs, ce, text[ss:se] if ss >= 0 else "", ss, se,
                         stype, rs, rt, text[ts:te] if ts >= 0 else "", ts, te, round(sc, 4)))
    return _typed(pd.DataFrame(rows, columns=ATTRIBUTION_COLUMNS))


_INT_COLUMNS = ("attribution", "sentence", "paragraph", "cue_start", "cue_end", "source_start", "source_end",
                "content_start", "content_end")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for c in _INT_COLUMNS:
        frame[c] = frame[c].astype(np.int64)
    return frame


# -- the compiled core (analysis/_core_src/attribution.h) ----------------------------------------------

def engine_of(model: AttributionModel | None = None, engine: str = "auto") -> tuple[str, str | None]:
    """``(engine, reason)``: ``"c"`` when the compiled core extracts with ``model``, else ``"python"`` and
    why (``engine="python"`` or ``MFA_ENGINE=python`` asked for it, the core is not installed, or the
    model has a weight that is not a float). ``engine="c"`` raises ``ValueError`` instead of falling back."""
    model = model or default_model()
    if engine not in ("auto", "c", "python"):
        raise ValueError(f"engine must be 'auto', 'c' or 'python', got {engine!r}")
    reason = None
    if engine == "python":
        reason = "engine='python' was asked for"
    elif engine == "auto" and os.environ.get("MFA_ENGINE", "").lower() == "python":
        reason = "the environment variable MFA_ENGINE=python asks for the Python path"
    else:
        try:
            _core_model(model, "c")
        except ValueError as exc:
            if engine == "c":
                raise
            reason = str(exc)
    return ("python", reason) if reason else ("c", None)


def _core_model(model: AttributionModel, engine: str):
    """The compiled model and scanner for ``model`` (made once per model and kept on it), or None for
    the Python path. The weights are read when it is made: a model changed afterwards is a new model
    (``dataclasses.replace``)."""
    if engine == "python" or (engine == "auto" and os.environ.get("MFA_ENGINE", "").lower() == "python"):
        return None
    cached = model.__dict__.get("_core")
    if cached is None:
        cached = model._core = _compile(model)
    if cached[0] is None:
        if engine == "c":
            raise ValueError(f"engine='c' is not possible: {cached[1]}")
        return None
    return cached


def _compile(model: AttributionModel) -> tuple:
    """(compiled model, scanner), or (None, why not)."""
    from .core import AVAILABLE, MISSING_REASON, compiled_cue_model

    if not AVAILABLE:
        return (None, MISSING_REASON)
    sets = (_SKIP_LEFT, _NP_STOP, _AUX, _ADDRESSEE_VERBS, _OBJECT_PRONOUNS, _DETERMINERS, _VERB_GROUP,
            [" ".join(p) for p in _PARTICLE_CUES], _FORWARD_SOURCE, _ADJUNCT_START, _NOT_SOURCE_HEADS)
    # source_type's sets: the core types a source written in ASCII by its rules, and calls source_type
    # for any other
    source_sets = (SOURCE_TYPES, _PRONOUNS, _OUTLETS, _DOCUMENT_HEADS, _ANON_HEADS, _CORE_ANON, _VAGUE_FIRST,
                   _VAGUE_HEADS, _ORG_WORDS, _NOT_NAMES, _ANON_MARKER_PHRASES, _COUNTRIES, _ROLE_LINKS)
    split_sentences("")  # makes the scanner
    try:
        return (compiled_cue_model(list(model._vocab), model.weights, float(model.bias), sets, source_sets),
                _SPLITTER[1])
    except TypeError as exc:  # a weight that is not a float: the core's sum would not be the Python one
        return (None, f"the compiled core cannot run this model ({exc})")


def _core_texts(column: pd.Series):
    """The texts as the core's ``attributions`` takes them: the buffers of the column's Arrow chunks
    when pandas keeps it as Arrow text (the core makes each text a str only while it works on it), else
    a list of str."""
    from .core import is_arrow_text

    array = column.array
    if not is_arrow_text(array):
        return column.tolist()
    chunks = []
    for chunk in array._pa_array.chunks:
        validity, offsets, data = chunk.buffers()
        if data is None:  # every text missing or empty: no data buffer
            data = b""
        chunks.append((len(chunk), chunk.offset, validity, offsets, data))
    return ("arrow", chunks)


def _core_columns(core, texts, model, threshold=None):
    # the core lower-cases the texts as _lower does, and calls it for the few it cannot
    return core[1].attributions(core[0], texts, _lower, _cut(model, threshold), source_type)


def _core_frame(core, model, ids, outlets, texts, corpus=None) -> pd.DataFrame:
    """The table from the core's columns: the text columns straight from its UTF-8 buffers when pandas
    keeps text in Arrow (no str object per cell), else from lists of str (the same table)."""
    from .batch import arrow_strings
    from .core import StringTable

    ib, sb, cue, source, content, stype, ref, rtype, types, surrogates = _core_columns(core, texts, model)
    n = len(ib) // 80
    if not n:
        return _typed(pd.DataFrame([], columns=ATTRIBUTION_COLUMNS))
    ints = np.frombuffer(ib, dtype=np.int64).reshape(-1, 10)
    doc = ints[:, 0]
    ref = np.frombuffer(ref, dtype=np.int32)
    stype, rtype = np.frombuffer(stype, dtype=np.int32), np.frombuffer(rtype, dtype=np.int32)
    like = arrow_strings() if not surrogates else None
    if like is not None:
        import pyarrow as pa

        def strings(pair, extra=0):
            off = pair[1] if not extra else np.append(np.frombuffer(pair[1], dtype=np.int64), [len(pair[0])])
            return pa.LargeStringArray.from_buffers(n + extra, pa.py_buffer(off), pa.py_buffer(pair[0]))

        def typed(arr):
            return type(like)(arr, dtype=like.dtype)

        # the resolved source: the source of record ref; string n, after the last, is "" (no source)
        rsource = typed(strings(source, 1).take(pa.array(np.where(ref >= 0, ref, n).astype(np.int32))))
        cue, source, content = typed(strings(cue)), typed(strings(source)), typed(strings(content))
        table = StringTable(pd.Series(types).array)
        stype, rtype = table.take(stype), table.take(rtype)
        id_col, out_col = _take_column(corpus, "doc_id", doc, like), _take_column(corpus, "outlet", doc, like)
    else:
        def strings(pair):
            data, off = pair[0], np.frombuffer(pair[1], dtype=np.int64).tolist()
            return [data[a:b].decode("utf-8", "surrogatepass") for a, b in pairwise(off)]

        cue, source, content = strings(cue), strings(source), strings(content)
        rsource = [source[r] if r >= 0 else "" for r in ref.tolist()]
        stype, rtype = [types[c] for c in stype.tolist()], [types[c] for c in rtype.tolist()]
        id_col = out_col = None
    if id_col is None or out_col is None:
        id_arr = np.empty(len(ids), dtype=object)
        id_arr[:] = ids
        out_arr = np.empty(len(outlets), dtype=object)
        out_arr[:] = outlets
        id_col, out_col = id_arr[doc].tolist(), out_arr[doc].tolist()
    cols = {"doc_id": id_col, "outlet": out_col}
    for k, c in enumerate(("attribution", "sentence", "paragraph", "cue_start", "cue_end", "source_start",
                           "source_end", "content_start", "content_end"), start=1):
        cols[c] = ints[:, k]  # (the DataFrame copies the columns into one block: no copy here)
    cols.update(cue=cue, source=source, source_type=stype, resolved_source=rsource, resolved_type=rtype,
                content=content, cue_score=np.frombuffer(sb, dtype=np.float64)[1::2].copy())
    return pd.DataFrame({c: cols[c] for c in ATTRIBUTION_COLUMNS})


def _take_column(corpus, name, doc, like):
    """``corpus[name]`` at the rows ``doc``, when the corpus keeps that column as Arrow text of the
    dtype pandas gives a list of str (``like``): then the same column as from the list of its values;
    None otherwise."""
    from .core import is_arrow_text

    if corpus is None or name not in corpus.columns:
        return None
    column = corpus[name].array
    if not is_arrow_text(column) or column.dtype != like.dtype:
        return None
    return column.take(doc)


def link_matches(matches: pd.DataFrame, attributions: pd.DataFrame) -> pd.DataFrame:
    """For every match, the attribution whose content holds it: columns ``attribution`` (-1: none,
    the match is in narration or unattributed), ``source_type`` and ``resolved_type`` ("" for none).
    Where contents nest, the one starting last before the match is taken. Rows in the order of
    ``matches``."""
    n = len(matches)
    att = np.full(n, -1, dtype=np.int64)
    stype = np.full(n, "", dtype=object)
    rtype = np.full(n, "", dtype=object)
    hit, rows = _content_rows(matches, attributions)
    if hit is not None:
        att[hit] = attributions["attribution"].to_numpy()[rows]
        stype[hit] = attributions["source_type"].to_numpy()[rows]
        rtype[hit] = attributions["resolved_type"].to_numpy()[rows]
    return pd.DataFrame({"attribution": att, "source_type": stype, "resolved_type": rtype}, index=matches.index)


def _content_rows(matches: pd.DataFrame, attributions: pd.DataFrame):
    """(mask over ``matches``, positions in ``attributions``) of the matches that start inside an
    attribution's content (see :func:`link_matches`); (None, None) when there are none to link."""
    if not len(matches) or not len(attributions):
        return None, None
    starts = attributions["content_start"].to_numpy(dtype=np.int64)
    pos = np.flatnonzero(starts >= 0)
    if not len(pos):
        return None, None
    # one sorted key per (document, offset): a search over every document at once
    codes = _doc_codes(attributions["doc_id"], pos, matches["doc_id"])
    big = np.int64(1) << np.int64(40)
    a_doc = codes[:len(pos)].astype(np.int64)
    key = a_doc * big + starts[pos]
    order = np.argsort(key, kind="stable")
    key = key[order]
    end = (a_doc * big + attributions["content_end"].to_numpy(dtype=np.int64)[pos])[order]
    m_key = codes[len(pos):].astype(np.int64) * big + matches["start"].to_numpy(dtype=np.int64)
    k = np.searchsorted(key, m_key, side="right") - 1
    kk = np.maximum(k, 0)
    hit = (k >= 0) & (m_key < end[kk]) & (key[kk] <= m_key)
    return hit, pos[order[k[hit]]]


def _doc_codes(a_ids: pd.Series, pos, m_ids: pd.Series) -> np.ndarray:
    """One integer per document id of ``a_ids[pos]`` followed by ``m_ids`` (the same id, the same
    integer; ids compared as text): through Arrow when both columns are Arrow text of one dtype (no str
    object per row), else through Python strings."""
    from .core import is_arrow_text

    if is_arrow_text(a_ids.array) and is_arrow_text(m_ids.array) and a_ids.dtype == m_ids.dtype:
        import pyarrow as pa

        from ..csvwrite import one_array

        both = pa.concat_arrays([one_array(pa.array(a_ids.array.take(pos))), one_array(pa.array(m_ids.array))])
        if not both.null_count:  # a missing id is "nan" below, as str() makes it
            return np.asarray(both.dictionary_encode().indices, dtype=np.int64)
    a_ids, m_ids = a_ids.to_numpy()[pos], m_ids.to_numpy()
    codes, _ = pd.factorize(np.concatenate([pd.Series(a_ids, dtype=object).astype(str).to_numpy(dtype=object),
                                            pd.Series(m_ids, dtype=object).astype(str).to_numpy(dtype=object)]))
    return codes


#: top-level categories counted inside each attribution's content
CONTENT_CATEGORIES = ("hedging", "booster", "evidence_absent", "distancing")


def with_match_counts(attributions: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """``attributions`` with, per row, the number of matches of each top-level category of
    :data:`CONTENT_CATEGORIES` that start inside its content (``content_hedging`` ...), and
    ``hedged_content`` (a hedging or evidence-absent match in the content)."""
    out = attributions.copy(deep=False)  # columns are added, none changed: the data is shared
    cols = {c: np.zeros(len(out), dtype=np.int64) for c in CONTENT_CATEGORIES}
    if len(out) and len(matches):
        hit, rows = _content_rows(matches, attributions)
        if hit is not None and hit.any():
            # the top-level category of each distinct category once, not of every match (the column
            # factorised as it is stored: no str per match; a missing category, code -1, counts nowhere)
            codes, cats = pd.factorize(matches["category"])
            names = [str(c).split(".", 1)[0] for c in cats] + [""]
            tops = np.array(names, dtype=object)[codes[hit]]
            for c in CONTENT_CATEGORIES:
                np.add.at(cols[c], rows[tops == c], 1)
    for c in CONTENT_CATEGORIES:
        out[f"content_{c}"] = cols[c]
    out["hedged_content"] = (out["content_hedging"] + out["content_evidence_absent"]) > 0
    return out


def write_attributions(table: pd.DataFrame, path, *, csv_escape: bool = True):
    """Write the attribution table as :func:`analysis.outputs.write_table` writes it (the same bytes),
    a CSV file in one pass of the compiled core when it can (:func:`attributions_csv_bytes`), else
    through ``write_table``. Returns the path."""
    from ..outputs import atomic_write_bytes, write_table

    path = Path(path)
    # the row blocks made one after the other in one reused buffer: atomic_write_bytes writes each
    # before it asks for the next (fresh memory for each block cost page faults)
    blocks = _csv_blocks(table, csv_escape, bytearray()) if path.suffix == ".csv" else None
    if blocks is None:
        return write_table(table, path, csv_escape=csv_escape)
    return atomic_write_bytes(path, blocks)


def attributions_csv_bytes(table: pd.DataFrame, *, csv_escape: bool = True, into: bytearray | None = None):
    """The bytes of ``table`` as a CSV file (an iterator: the header, then the row blocks of
    :data:`CSV_BLOCK_ROWS` rows, each made when it is written): what
    :func:`analysis.outputs.write_table` writes (``DataFrame.to_csv(index=False, lineterminator="\\n")``
    after :func:`analysis.csvsafe.escape_frame` when ``csv_escape``), made by the compiled core in one
    pass over the rows, from the columns :func:`analysis.csvwrite.core_columns` makes (the writer of every
    other table). None when the core is not built or a column is not one it takes; the caller then writes
    the table the usual way. With ``into``, each block of rows is made in that buffer and given as a
    memoryview of it, valid until the next block is asked for."""
    return _csv_blocks(table, csv_escape, into)


def _csv_blocks(table: pd.DataFrame, csv_escape: bool, into: bytearray | None):
    """:func:`attributions_csv_bytes`; with ``into``, each block of rows is made in that buffer and
    given as a memoryview of it, released when the next block is asked for (the consumer must be done
    with a block before it asks for the next)."""
    from ..csvwrite import core_columns
    from .core import AVAILABLE, csv_rows

    if not AVAILABLE or table.columns.duplicated().any():
        return None
    n = len(table)
    cols = core_columns(table)
    if cols is None:
        return None
    head = pd.DataFrame(columns=table.columns).to_csv(index=False, lineterminator="\n").encode("utf-8")
    return itertools.chain([head], _csv_row_blocks(n, cols, csv_escape, csv_rows, into))


CSV_BLOCK_ROWS = 100_000  # rows per block of bytes: 2.4M attributions made one 600 MB block at 40M words


def _csv_row_blocks(n: int, cols, csv_escape: bool, csv_rows, into=None):
    """The CSV rows in blocks of :data:`CSV_BLOCK_ROWS`, made one at a time as the file is written (a
    generator: only one block is held; with ``into``, in that one buffer, see :func:`_csv_blocks`). A
    text column's offsets are sliced, its data buffer shared."""
    for a in range(0, max(n, 1), CSV_BLOCK_ROWS):
        b = min(n, a + CSV_BLOCK_ROWS)
        part = [(k, np.ascontiguousarray(x[a:b + 1]), y) if k <= 1 else (k, np.ascontiguousarray(x[a:b]), y)
                for k, x, y in cols]
        if into is None:
            yield csv_rows(b - a, part, csv_escape)
            continue
        size = csv_rows(b - a, part, csv_escape, into)
        with memoryview(into) as view, view[:size] as block:
            yield block


def _sha256(model: AttributionModel) -> str:
    """:attr:`AttributionModel.sha256`, computed once per model (like the compiled model, see _core_model:
    the hash of the weights the extraction used); for a model loaded from a file written by
    :meth:`AttributionModel.save`, from the file's content (the same text as ``to_json()``, a third of
    the time)."""
    sha = model.__dict__.get("_sha256")
    if sha is None:
        data = model.__dict__.get("_loaded")
        if data is not None and data["weights"] is model.weights and data["training"] is model.training and (
                data["vocabulary"] == sorted(model._vocab) and (data["bias"], data["threshold"]) == (
                model.bias, model.threshold)):
            text = model.__dict__.get("_loaded_text") or _json_indent0(data)
            sha = hashlib.sha256((text + "\n").encode("utf-8")).hexdigest()
        else:
            sha = model.sha256
        model._sha256 = sha
    return sha


def _json_indent0(data: dict) -> str:
    """``json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False, indent=0)`` of a model's
    dict, the same text in a third of the time: with ``indent=0`` nothing is indented, so every value is
    written as it would be alone; a flat list of str or dict of str -> float (the vocabulary, the
    weights) is written by the json module's C encoder with ``",\\n"`` between items and its brackets
    put on lines of their own, which is what the slow pure-Python path (taken for any ``indent``) writes."""
    def flat(v):
        if isinstance(v, list) and v and all(type(x) is str for x in v):
            return True
        return isinstance(v, dict) and v and all(type(k) is str and type(x) is float for k, x in v.items())

    def value(v):
        if flat(v):
            text = json.dumps(v, ensure_ascii=False, sort_keys=True, allow_nan=False, separators=(",\n", ": "))
            return text[0] + "\n" + text[1:-1] + "\n" + text[-1]
        return json.dumps(v, ensure_ascii=False, sort_keys=True, allow_nan=False, indent=0)

    if not data or not all(type(k) is str for k in data):
        return json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False, indent=0)
    items = [json.dumps(k, ensure_ascii=False) + ": " + value(data[k]) for k in sorted(data)]
    return "{\n" + ",\n".join(items) + "\n}"


def attribution_provenance(attributions: pd.DataFrame | None = None, model: AttributionModel | None = None) -> dict:
    """What ``provenance.json`` records about the attribution table: the model's hash, threshold and
    training, and the row counts by source type."""
    model = model or default_model()
    out = {"model": "analysis/models/attribution.json" if model is default_model() else "custom",
           "model_sha256": _sha256(model), "threshold": model.threshold, "training": model.training,
           "rules": "docs/attribution.md"}
    if attributions is not None:
        out["rows"] = len(attributions)
        out["by_source_type"] = {k: int(v) for k, v in attributions["source_type"].value_counts().sort_index().items()}
    return out



def as_coding_rows(attributions: pd.DataFrame) -> pd.DataFrame:
    """The attribution table shaped like a match table, for the hand-coding loop (``code sample --task
    attribution``): one row per attribution, ``category`` ``attribution.<source type>`` (``no_source``
    when none was found), ``entry`` the source type, and the span from the first to the last character
    of cue and source (the words a coder judges)."""
    a = attributions
    has_src = a["source_start"].to_numpy() >= 0
    start = np.where(has_src, np.minimum(a["cue_start"], a["source_start"]), a["cue_start"])
    end = np.where(has_src, np.maximum(a["cue_end"], a["source_end"]), a["cue_end"])
    stype = a["source_type"].fillna("").astype(str).replace("", "no_source")
    return pd.DataFrame({"doc_id": a["doc_id"], "outlet": a["outlet"], "sentence": a["sentence"],
                         "category": "attribution." + stype, "entry": stype, "start": start.astype(np.int64),
                         "end": end.astype(np.int64)})
