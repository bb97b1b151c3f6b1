"""Readable names for lexicon entries: what a figure or a table shows instead of the raw pattern.

An entry may carry a ``label`` in the lexicon file (``{ pattern = "(appear|appears|appeared) to", label =
"appear to" }``); :func:`entry_label` returns it, and otherwise the shortest form the pattern matches:
the shortest alternative of every ``( | )`` group, optional elements (``?``) left out, a glob's fixed
part followed by ``…`` (``suggest*`` -> ``suggest…``), a slot named in angle brackets kept as it is.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = ["entry_label", "entry_labels"]

_MAX = 40


def _split_top(text: str, sep: str) -> list[str]:
    out, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        if depth == 0 and (ch == sep or (sep == " " and ch.isspace())):
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [p for p in (x.strip() for x in out) if p or sep == "|"]


def _shortest(element: str) -> str:
    element = element.strip()
    m = re.fullmatch(r"\((.*)\)(\?|\*|\+|\{\d*,?\d*\})?", element, flags=re.DOTALL)
    if m:
        if m.group(2) in ("?", "*") or (m.group(2) or "").startswith("{0"):
            return ""
        alts = [_form(a) for a in _split_top(m.group(1), "|")]
        alts = [a for a in alts if a] or [""]
        return min(alts, key=lambda a: (len(a), a))
    if element.startswith("<") and element.endswith(">"):
        return element
    if element.endswith("?") and element[:-1].endswith((">", ")")):
        return ""
    if any(ch in element for ch in "*?[]"):
        fixed = re.split(r"[*?\[]", element, maxsplit=1)[0]
        return f"{fixed}…" if fixed else "…"
    return element


def _form(pattern: str) -> str:
    return " ".join(w for w in (_shortest(e) for e in _split_top(pattern, " ")) if w)


def entry_label(pattern: str, label: str | None = None, width: int = _MAX) -> str:
    """The name to show for a lexicon entry.

    Parameters
    ----------
    pattern : str
        The entry's pattern as written in the lexicon.
    label : str, optional
        The entry's ``label`` from the lexicon file; used as it is when given.
    width : int
        Longer names are cut with a trailing ``…``.

    Examples
    --------
    >>> entry_label("(appear|appears|appeared|appearing) to")
    'appear to'
    >>> entry_label("suggest*")
    'suggest…'
    >>> entry_label("(could|can) not be ruled out", label="not ruled out")
    'not ruled out'
    """
    text = (label or "").strip() or _form(str(pattern)) or str(pattern)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def entry_labels(patterns: Iterable[str], lexicons: Iterable | None = None,
                 labels: Mapping[str, str] | None = None) -> list[str]:
    """:func:`entry_label` of every pattern, taking ``label`` from the lexicons' entries when they have one.

    Two different patterns that would get the same name are numbered (``may be (1)``, ``may be (2)``,
    in pattern order), so a figure never shows two rows with one name; give them a ``label`` to say more.
    """
    known = dict(labels or {})
    for lex in lexicons or ():
        for e in getattr(lex, "entries", ()):
            if getattr(e, "label", ""):
                known.setdefault(e.pattern, e.label)
    patterns = [str(p) for p in patterns]
    names = [entry_label(p, known.get(p)) for p in patterns]
    seen: dict[str, set] = {}
    for p, n in zip(patterns, names):
        seen.setdefault(n, set()).add(p)
    number = {n: {p: i + 1 for i, p in enumerate(sorted(ps))} for n, ps in seen.items() if len(ps) > 1}
    return [f"{n} ({number[n][p]})" if n in number else n for p, n in zip(patterns, names)]
