"""Peer-compatible counting: the word counts and dictionary rules of LIWC (as liwc-python applies them) and quanteda.

The project's own rules (``docs/patterns.md``) are built for framing devices: Penn Treebank contractions
(``isn't`` is ``is`` + ``n't``, and ``n't`` counts as ``not``), hyphenated words kept whole, sentence-bounded
phrases with gaps and contexts, the most specific entry naming a match. A researcher replicating a LIWC or
quanteda study needs *their* counts instead. :func:`score_compat` scores a corpus with a dictionary under a
peer's rules (the table "same dictionary, three tools" in ``docs/patterns.md`` lists every difference):

``liwc`` (liwc-python 0.5 over LIWC-style tokens)
    Tokens are runs of letters and digits, with inner apostrophes kept (``isn't``, ``trump's`` are one
    word), split at hyphens (``US-led`` is ``us`` + ``led``), lower-cased; common emoticons (``:)``, ``:-(``,
    ``;)``, ``:D``) are tokens of their own. The word count is the number of tokens. A token counts in the
    categories of the *first* entry on its character path: a wildcard entry ``abandon*`` takes every word
    that starts with it, including an exact entry ``abandoned`` listed in other categories (liwc-python's
    trie; pinned in the tests). Multi-word entries never match, as in liwc-python (a token holds no
    space); the result's ``notes`` say how many there are (the project's own mode matches them).
``quanteda`` (``tokens(x, remove_punct = TRUE)`` then ``dfm_lookup``/``tokens_lookup``)
    Tokens keep hyphens and apostrophes inside words (``US-led``, ``isn't`` one token each), punctuation
    removed, lower-cased; globs match whole tokens (``us*`` matches ``us-led``); multi-word values match
    consecutive tokens, longest first, and a token counts once per key (category) at most.

Entries that use what the peers do not have (gaps, slots, alternations, contexts, case-sensitivity) are
refused with a one-line error naming the entry. The default mode of every command stays the project's own.

Examples
--------
>>> from analysis.lexicons.model import parse_lexicon
>>> lex = parse_lexicon('[meta]\\nname = "t"\\nversion = "1.0.0"\\n[categories.neg]\\nentries = ["isn\\'t", "us*"]\\n')
>>> [t for _, _, t in compat_tokens("It isn't US-led.", "liwc")]
['it', "isn't", 'us', 'led']
>>> res = score_compat(["It isn't US-led."], lex, "liwc")
>>> int(res.documents.loc[0, "neg:count"]), int(res.documents.loc[0, "n_tokens"])
(2, 4)
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["COMPAT_MODES", "CompatResult", "compat_tokens", "score_compat"]

COMPAT_MODES = ("liwc", "quanteda")

_APOS = "'\u2019\u02bc"
_EMOTICON = r"(?<![\w:;=])[:;=8][\-o^']?[)\](\[dDpP/\\|3*@](?![\w)\](\[])"
_LIWC_RE = re.compile(rf"{_EMOTICON}|[^\W_]+(?:[{_APOS}][^\W_]+)*")
_QUANTEDA_RE = re.compile(rf"[^\W_]+(?:(?:[{_APOS}]|[-\u2010\u2011](?=[^\W_]))[^\W_]+)*")
_ALLOWED = re.compile(r"^[^\s*?()|@<>{}]+\*?$")
_EMOTICON_ENTRY = re.compile(rf"^{_EMOTICON}$")


def compat_tokens(text: str, mode: str) -> list[tuple[int, int, str]]:
    """``(start, end, token)`` of every token of ``text`` under a peer's rules (lower-cased, apostrophes straight)."""
    if mode not in COMPAT_MODES:
        raise ValueError(f"unknown compat mode {mode!r}: use one of {', '.join(COMPAT_MODES)}")
    rx = _LIWC_RE if mode == "liwc" else _QUANTEDA_RE
    out = []
    for m in rx.finditer(text):
        tok = m.group()
        if tok[0].isalnum():
            tok = tok.lower()
        for a in _APOS[1:]:
            tok = tok.replace(a, "'")
        out.append((m.start(), m.end(), tok))
    return out


@dataclass
class _Dictionary:
    words: dict = field(default_factory=dict)     # exact word -> {category: entry}
    prefixes: dict = field(default_factory=dict)  # glob prefix -> {category: entry}
    phrases: list = field(default_factory=list)   # (tuple of parts, category, entry), longest first


def _dictionary(lexicons, mode: str) -> tuple[_Dictionary, list[str], list[dict]]:
    from ..lexicons.model import CONTEXT_KEYS, Lexicon, load_lexicons

    if isinstance(lexicons, (str, Lexicon)) or hasattr(lexicons, "__fspath__"):
        lexicons = [lexicons]
    d = _Dictionary()
    cats: list[str] = []
    prov = []
    # a LIWC .dic is read as LIWC reads it (emoticons such as ':(' included, which our pattern language
    # cannot hold); everything else through the project's readers
    dics = [x for x in lexicons if not isinstance(x, Lexicon) and str(x).lower().endswith(".dic")]
    for path in dics:
        entries, info = _raw_dic(path)
        prov.append(info)
        for pattern, cname in entries:
            if cname not in cats:
                cats.append(cname)
            _add(d, pattern, cname, pattern, f"{path}", mode)
    lexs = load_lexicons([x for x in lexicons if x not in dics]) if len(dics) < len(lexicons) else []
    for lex in lexs:
        prov.append(lex.provenance())
        for cname, cat in lex.categories.items():
            if cname not in cats:
                cats.append(cname)
            for e in cat.entries:
                where = f"{lex.path or lex.name}: line {e.line}" if e.line else (lex.path or lex.name)
                if e.case_sensitive or any(getattr(e, k) for k in CONTEXT_KEYS):
                    raise ValueError(f"{where}: entry {e.pattern!r} has case or context options, which "
                                     f"--compat {mode} does not have")
                _add(d, e.pattern, cname, e.pattern, where, mode)
    d.phrases.sort(key=lambda p: -len(p[0]))
    return d, cats, prov


def _add(d: _Dictionary, pattern: str, cname: str, entry: str, where: str, mode: str) -> None:
    parts = pattern.lower().split()
    if len(parts) == 1 and _EMOTICON_ENTRY.match(pattern):
        d.words.setdefault(pattern, {}).setdefault(cname, entry)  # an emoticon token, as written
        return
    if not parts or not all(_ALLOWED.match(p) for p in parts):
        raise ValueError(f"{where}: entry {pattern!r} uses pattern syntax (gaps, slots, alternation) "
                         f"that --compat {mode} does not have; only words, word* and phrases of them")
    parts = [p.replace("\u2019", "'") for p in parts]
    if len(parts) > 1:
        d.phrases.append((tuple(parts), cname, entry))
    elif parts[0].endswith("*"):
        d.prefixes.setdefault(parts[0][:-1], {}).setdefault(cname, entry)
    else:
        d.words.setdefault(parts[0], {}).setdefault(cname, entry)


def _raw_dic(path) -> tuple[list[tuple[str, str]], dict]:
    """``(pattern, category)`` pairs of a LIWC ``.dic`` as LIWC reads it, and its provenance."""
    import hashlib
    from pathlib import Path

    p = Path(path)
    data = p.read_bytes()
    text = data.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    marks = [i for i, ln in enumerate(lines) if ln.strip() == "%"]
    if len(marks) < 2:
        raise ValueError(f"{p}:1: not a LIWC .dic file (expected a category block between two '%' lines)")
    ids = {}
    for i in range(marks[0] + 1, marks[1]):
        parts = lines[i].split()
        if len(parts) >= 2:
            ids[parts[0]] = parts[1]
    out = []
    for i in range(marks[1] + 1, len(lines)):
        parts = lines[i].rstrip("\n").split("\t")
        if len(parts) < 2 or not parts[0].strip():
            continue
        pattern = parts[0].strip()
        for cid in parts[1:]:
            cid = cid.strip()
            if not cid:
                continue
            if cid not in ids:
                raise ValueError(f"{p}:{i + 1}: category id {cid!r} is not declared in the header")
            out.append((pattern, ids[cid]))
    info = {"name": p.stem, "version": "", "sha256": hashlib.sha256(data).hexdigest(), "path": str(p),
            "read_as": "LIWC .dic (raw)"}
    return out, info


def _part_matches(part: str, tok: str) -> bool:
    return tok.startswith(part[:-1]) if part.endswith("*") else tok == part


def _liwc_lookup(d: _Dictionary, tok: str) -> dict:
    """liwc-python's trie: the shortest wildcard prefix on the token's path wins; else the exact word."""
    for i in range(len(tok) + 1):
        hit = d.prefixes.get(tok[:i])
        if hit is not None:
            return hit
    return d.words.get(tok, {})


def _quanteda_lookup(d: _Dictionary, tok: str) -> dict:
    """quanteda: every value that matches the token counts (a key at most once per token)."""
    out = dict(d.words.get(tok, {}))
    for i in range(len(tok) + 1):
        for cat, entry in d.prefixes.get(tok[:i], {}).items():
            out.setdefault(cat, entry)
    return out


@dataclass
class CompatResult:
    """``matches`` (one row per counted token or phrase) and ``documents`` (``n_tokens`` = the peer's word
    count, ``c:count``, ``c:rate`` per 1,000 words and ``c:pct`` percent of words, as LIWC reports)."""

    matches: pd.DataFrame
    documents: pd.DataFrame
    categories: list
    provenance: dict
    notes: list = field(default_factory=list)


def score_compat(corpus, lexicons, mode: str) -> CompatResult:
    """Count dictionary categories in every document under a peer's tokenization and matching rules.

    Parameters
    ----------
    corpus : DataFrame or sequence of str
        A Corpus table (``doc_id``, ``outlet``, ``text`` ...) or plain texts.
    lexicons : lexicon name, path, Lexicon or a list of them
        Dictionaries with words, ``word*`` globs and multi-word phrases only.
    mode : {"liwc", "quanteda"}

    Returns
    -------
    CompatResult
    """
    if mode not in COMPAT_MODES:
        raise ValueError(f"unknown compat mode {mode!r}: use one of {', '.join(COMPAT_MODES)}")
    if not isinstance(corpus, pd.DataFrame):
        texts = list(corpus)
        corpus = pd.DataFrame({"doc_id": [f"doc{i}" for i in range(len(texts))], "outlet": "unknown",
                               "text": texts})
    d, cats, prov = _dictionary(lexicons, mode)
    notes = []
    if mode == "liwc" and d.phrases:
        notes.append(f"{len(d.phrases)} multi-word entr{'y' if len(d.phrases) == 1 else 'ies'} never match under "
                     "--compat liwc (liwc-python matches one token at a time)")
        d.phrases = []
    lookup = _liwc_lookup if mode == "liwc" else _quanteda_lookup
    idx = {c: k for k, c in enumerate(cats)}
    counts = np.zeros((len(corpus), len(cats)), dtype=np.int64)
    n_tokens = np.zeros(len(corpus), dtype=np.int64)
    rows = []
    for r, (doc_id, outlet, text) in enumerate(zip(corpus["doc_id"], corpus["outlet"], corpus["text"])):
        toks = compat_tokens(str(text), mode)
        n_tokens[r] = len(toks)
        taken = [set() for _ in cats]  # token positions used by a phrase match, per category
        if d.phrases:
            words = [t for _, _, t in toks]
            for parts, cat, entry in d.phrases:
                k, n = idx[cat], len(parts)
                i = 0
                while i + n <= len(words):
                    if all(_part_matches(p, words[i + j]) for j, p in enumerate(parts)) and \
                            not any(i + j in taken[k] for j in range(n)):
                        taken[k].update(range(i, i + n))
                        counts[r, k] += 1
                        s, e = toks[i][0], toks[i + n - 1][1]
                        rows.append((doc_id, outlet, cat, entry, text[s:e], s, e, i, i + n))
                        i += n
                    else:
                        i += 1
        for i, (s, e, tok) in enumerate(toks):
            for cat, entry in lookup(d, tok).items():
                k = idx[cat]
                if i in taken[k]:
                    continue
                counts[r, k] += 1
                rows.append((doc_id, outlet, cat, entry, text[s:e], s, e, i, i + 1))
    matches = pd.DataFrame(rows, columns=["doc_id", "outlet", "category", "entry", "matched", "start", "end",
                                          "token_start", "token_end"])
    matches = matches.sort_values(["doc_id", "start", "category"], kind="stable").reset_index(drop=True)
    keep = [c for c in corpus.columns if c != "text"]
    docs = corpus[keep].reset_index(drop=True).copy()
    docs["n_tokens"] = n_tokens
    with np.errstate(invalid="ignore", divide="ignore"):
        for k, c in enumerate(cats):
            docs[f"{c}:count"] = counts[:, k]
            docs[f"{c}:rate"] = np.where(n_tokens > 0, counts[:, k] / np.maximum(n_tokens, 1) * 1000, 0.0)
            docs[f"{c}:pct"] = np.where(n_tokens > 0, counts[:, k] / np.maximum(n_tokens, 1) * 100, 0.0)
    from ..provenance import provenance as make_provenance

    rules = __doc__.split(f"``{mode}``", 1)[1].split("\n``", 1)[0].strip().split("\n")[0]
    provenance = make_provenance(prov, corpus if "text" in corpus.columns else None, compat=mode,
                                 compat_rules=rules)
    provenance["notes"] = notes
    return CompatResult(matches, docs, cats, provenance, notes)


def compat_counts(texts: Sequence[str], lexicons, mode: str) -> pd.DataFrame:
    """Per-text category counts (rows) under ``mode``: a small convenience for comparisons with the peers."""
    res = score_compat(list(texts), lexicons, mode)
    return res.documents[[f"{c}:count" for c in res.categories]].rename(columns=lambda c: c[:-6])
