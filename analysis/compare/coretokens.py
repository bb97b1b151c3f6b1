"""The compiled core's tokenizer for the comparisons that tokenize whole texts (word keyness, concordance lines).

:mod:`analysis.text.tokenize` is the definition of the project's tokens; the compiled core
(:mod:`analysis.measure.core`) tokenizes the same way in C, and ``tests/measure/test_core_parity.py``
pins its sentences (``split``) to :func:`~analysis.text.tokenize.sentence_paragraph_spans` and its
tokens to :func:`~analysis.text.tokenize.token_spans`. The functions below hand out that tokenizer, or
None when the core is not built or ``MFA_ENGINE=python`` asks for the Python path; a text whose lower
case has another length always goes to the Python functions, as in the matcher.

Examples
--------
>>> norms = norms_function()
>>> from analysis.text.tokenize import norm_tokens
>>> text = "Iran’s allies “couldn’t” go."
>>> norms is None or norms(text) == norm_tokens(text)
True
"""
from __future__ import annotations

import os
import types
from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["document_function", "ids_function", "norms_function"]


def _scanner():
    from analysis.measure import core

    if not core.AVAILABLE or os.environ.get("MFA_ENGINE", "").lower() == "python":
        return None
    # a scanner without lexicon entries: only its paragraph, sentence and token rules are used
    return core.CoreScanner(types.SimpleNamespace(entries=(), detectors=())).scanner


def _lowered(prepare, text: str) -> str | None:
    """The text lower-cased with straight apostrophes, as the core reads it; None when its lower case
    has another length (the Python path then)."""
    fast = prepare(text)
    if fast is not None:
        return fast[0]
    low = text.lower()
    if len(low) != len(text):
        return None
    return low.replace("\u2019", "'")


def norms_function() -> Callable[[str], list[str]] | None:
    """``text -> list of norms``, what :func:`analysis.text.tokenize.norm_tokens` returns, in C; or None.

    About four times faster than ``norm_tokens`` on news text (``docs/comparing.md``, "At scale").
    """
    scanner = _scanner()
    if scanner is None:
        return None
    from analysis.text.tokenize import norm_tokens

    tokens, prepare, third = scanner.tokens, scanner.prepare, itemgetter(2)

    def norms(text: str) -> list[str]:
        low = _lowered(prepare, text)
        if low is None:
            return norm_tokens(text)
        return list(map(third, tokens(low, 0, len(low))))

    return norms


def ids_function() -> tuple[Callable[[str], np.ndarray], Callable[[int], str], Callable[[], int]] | None:
    """``(ids, norm, size)`` or None: ``ids(text)`` is an int32 array with one id per norm of
    :func:`analysis.text.tokenize.norm_tokens` (``[norm(i) for i in ids(text)] == norm_tokens(text)``),
    ``norm(id)`` the norm of an id, ``size()`` one more than the largest id given out so far. The
    compiled core's ``token_ids`` hands the ids out as one buffer per text, without a Python object
    per token, so word counts can be made with numpy (:func:`analysis.compare.keyness.term_counts`); a
    text whose lower case has another length is tokenized by ``norm_tokens`` and its norms interned.
    """
    scanner = _scanner()
    if scanner is None:
        return None
    import numpy as np

    from analysis.text.tokenize import norm_tokens

    token_ids, prepare, intern, stats = scanner.token_ids, scanner.prepare, scanner.intern, scanner.stats

    def ids(text: str) -> np.ndarray:
        low = _lowered(prepare, text)
        if low is None:
            return np.fromiter(map(intern, norm_tokens(text)), dtype=np.int32)
        return np.frombuffer(token_ids(low, 0, len(low)), dtype=np.int32)

    def size() -> int:
        return int(stats()["norms"])

    return ids, scanner.norm, size


def document_function(words: bool = True) -> Callable | None:
    """``text -> Document`` with the sentences and the word and number tokens of
    :func:`analysis.text.tokenize.tokenize`, in C; or None. Quotation marks and brackets are left out of
    the tokens (``tokenize`` lists them with kind ``quote``): for readers of words and sentences, such as
    :func:`analysis.compare.kwic.kwic`. With ``words=False`` the sentences have no tokens (for
    concordance lines whose window is the sentence, which read the sentence spans only)."""
    scanner = _scanner()
    if scanner is None:
        return None
    from analysis.text.tokenize import Document, Sentence, Token, token_kind, tokenize

    tokens, prepare, split = scanner.tokens, scanner.prepare, scanner.split
    kinds: dict = {}

    def kind(norm: str) -> str:
        got = kinds.get(norm)
        if got is None:
            got = kinds[norm] = token_kind(norm)
        return got

    def document(text: str) -> Document:
        low = _lowered(prepare, text)
        if low is None:
            return tokenize(text)
        if not words:
            return Document(text, tuple(Sentence(a, b, p, ()) for a, b, p in split(text)))
        sents = tuple(
            Sentence(a, b, p, tuple(Token(s, e, n, kind(n)) for s, e, n in tokens(low, a, b)))
            for a, b, p in split(text)
        )
        return Document(text, sents)

    return document
