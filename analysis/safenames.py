"""File names made from group labels (outlets, categories): unique, length-bounded and portable.

Output files named after a group (``keyness_words_<outlet>.csv``, ``kwic_<category>.csv``, ...) take the
label through :func:`safe_names`, which maps every label of one run to a distinct name that is valid on
Linux, macOS and Windows:

* only ASCII letters, digits, ``_``, ``-`` and ``.`` are kept; accented letters lose their accent
  (``Le Monde Diplomatique`` -> ``Le_Monde_Diplomatique``, ``Süddeutsche`` -> ``Suddeutsche``), every
  other run of characters (slashes, colons, spaces, other scripts, emoji) becomes one ``_``;
* leading and trailing dots and underscores are dropped (no hidden files, no ``..``);
* Windows device names (``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM1``-``COM9``, ``LPT1``-``LPT9``, with any
  extension) get a ``_`` before the extension (``CON`` -> ``CON_``, ``con.txt`` -> ``con_.txt``);
* names are at most :data:`MAX_STEM` characters;
* whenever that changed the label, or two labels of the run would give the same name on a
  case-insensitive file system, the name ends in ``-`` plus the first 8 hex digits of the label's
  SHA-256 (more if still needed), so ``A/B``, ``A B``, ``A:B`` and ``A_B`` give four files, and a name
  depends only on its own label, not on which other groups exist (unless they collide).

The mapping is recorded in the output's provenance (``file_names``: label -> name) so a reader can
find the file of a group. :func:`safe_name` is the one-label form.

Examples
--------
>>> safe_names(["alpha", "A/B", "A_B", "CON", "x" * 300])["alpha"]
'alpha'
>>> sorted(set(safe_names(["A/B", "A B", "A:B", "A_B"]).values()))
['A_B', 'A_B-5a33e15d', 'A_B-998d3ed8', 'A_B-fea4c5ce']
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["MAX_STEM", "safe_name", "safe_names"]

MAX_STEM = 80  # characters of the label part; prefixes such as "keyness_words_" come on top
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _digest(label: str, n: int = 8) -> str:
    return hashlib.sha256(label.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def _clean(label: str) -> str:
    text = unicodedata.normalize("NFKD", label)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    stem = _UNSAFE.sub("_", text).strip("._")
    stem = re.sub(r"_{2,}", "_", stem)
    if not stem:
        stem = "group"
    base, dot, rest = stem.partition(".")
    if base.upper() in _RESERVED:  # CON, con.txt: reserved with any extension
        stem = f"{base}_{dot}{rest}"
    return stem


def safe_name(label) -> str:
    """The file name part for one label (see :func:`safe_names` for a set of labels)."""
    return safe_names([label])[str(label)]


def safe_names(labels) -> dict:
    """Map every label (converted with ``str``) to a distinct portable file-name part.

    Parameters
    ----------
    labels : iterable
        Group labels of one run (duplicates are ignored).

    Returns
    -------
    dict of str -> str
        Label -> name, distinct even when compared case-insensitively.
    """
    labels = list(dict.fromkeys(str(x) for x in labels))
    names = {}
    for label in labels:
        stem = _clean(label)
        lossy = stem != label or len(stem) > MAX_STEM
        stem = stem[: MAX_STEM - 9].rstrip("._") if len(stem) > MAX_STEM - 9 and lossy else stem
        names[label] = f"{stem}-{_digest(label)}" if lossy else stem
    # case-insensitive collisions (also a plain label equal to another's hashed name): add digests
    for width in (8, 16, 64):
        groups: dict = {}
        for label, name in names.items():
            groups.setdefault(name.casefold(), []).append(label)
        clashes = [ls for ls in groups.values() if len(ls) > 1]
        if not clashes:
            break
        for ls in clashes:
            for label in ls:
                base = _clean(label)[: MAX_STEM - 1 - width].rstrip("._") or "group"
                names[label] = f"{base}-{_digest(label, width)}"
    return names
