"""PolNeAR as published: the articles and ``metadata.tsv`` of its root, one split or all.

The corpus (Political News Attribution Relations, v1.0.0) is a root folder holding ``metadata.tsv``
(one row per article: ``compartment``, ``filename``, ``publisher``, ``publication_date``, ``author``,
``title``, ``wire`` and counts) and one folder per split (``train/``, ``dev/``, ``test/`` as published),
each with ``text/*.txt`` and ``attributions/*.ann``. This module reads the articles with their
metadata; :mod:`analysis.validate.corpora` reads the attributions and labels sentences from them.
:func:`analysis.text.corpus.load_corpus` reads PolNeAR through :func:`load_polnear_articles`.
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

__all__ = ["load_polnear_articles", "polnear_root", "polnear_splits"]

PathLike = str | os.PathLike

_POLNEAR_SPLITS = ("train", "dev", "test")  # the published splits, in this order
_WIRES = {"ap": "AP", "afp": "AFP", "reuters": "Reuters", "upi": "UPI"}


def polnear_splits(root: PathLike) -> list[str]:
    """The splits of a PolNeAR root: its sub-folders holding ``text/``, published ones first.

    The published corpus has ``train/``, ``dev/`` and ``test/``; a copy may hold fewer (the shared copy
    here has train and dev) or more. Order: train, dev, test, then any other by name.
    """
    root = Path(root)
    found = [p.name for p in root.iterdir() if p.is_dir() and (p / "text").is_dir()] if root.is_dir() else []
    order = {name: i for i, name in enumerate(_POLNEAR_SPLITS)}
    return sorted(found, key=lambda n: (order.get(n, len(order)), n))


def _polnear_splits(root: Path, split: str | None) -> tuple[str, ...]:
    present = polnear_splits(root)
    if split is None or split == "all":
        if not present:
            raise FileNotFoundError(f"{root}: no split folder (train/, dev/, test/ with text/ inside)")
        return tuple(present)
    if not isinstance(split, str) or split not in present:
        raise ValueError(f"{root}: no PolNeAR split {split!r} (splits found: {', '.join(present) or 'none'}; "
                         "or 'all')")
    return (split,)


def polnear_root(path: PathLike) -> tuple[Path, str | None] | None:
    """``(root, split)`` when ``path`` is a PolNeAR root (``split`` None), one of its split folders or a
    split's ``text/`` folder; None when it is none of these.

    A root holds ``metadata.tsv`` and at least one split folder with ``text/`` inside.
    """
    path = Path(path)
    if not path.is_dir():
        return None
    if (path / "metadata.tsv").is_file() and polnear_splits(path):
        return path, None
    if (path / "text").is_dir() and (path.parent / "metadata.tsv").is_file():
        return path.parent, path.name
    if path.name == "text" and (path.parent.parent / "metadata.tsv").is_file():
        return path.parent.parent, path.parent.name
    return None


def _read_metadata(root: Path) -> pd.DataFrame:
    path = root / "metadata.tsv"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: PolNeAR metadata not found (is {root} the corpus root?)")
    meta = pd.read_csv(
        path, sep="\t", dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE, encoding="utf-8"
    )
    needed = {"compartment", "filename", "publisher", "publication_date", "title", "wire"}
    missing = needed - set(meta.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    return meta


def _placeholder_to_none(value: str) -> str | None:
    value = value.strip()
    # metadata.tsv writes "None" for absent values and "NA" for unrecorded ones
    return None if value in ("", "None", "NA") else value


def _normalise_wire(value: str) -> str | None:
    # "None": not syndicated; "NA": not recorded (every West Journal row). Both become missing.
    value = _placeholder_to_none(value)
    return None if value is None else _WIRES.get(value.lower(), value)


def load_polnear_articles(root: PathLike, split: str | None = None, *, parse_dates: bool = True) -> pd.DataFrame:
    """Load PolNeAR articles as a corpus table (one row per article).

    Parameters
    ----------
    root : path
        The PolNeAR root holding ``metadata.tsv`` and its split folders (``train/``, ``dev/``,
        ``test/`` as published, each with ``text/*.txt`` and ``attributions/*.ann``).
    split : str or None
        A split folder's name (``"train"``, ``"dev"``, ``"test"``, or any other found under
        ``root``: :func:`polnear_splits`); ``None`` or ``"all"`` loads every split, in the
        order of :func:`polnear_splits`.
    parse_dates : bool, default True
        False keeps ``date`` as written in ``metadata.tsv`` (for
        :func:`analysis.text.corpus.load_corpus`, which reads and reports dates itself).

    Returns
    -------
    pandas.DataFrame
        The corpus contract of docs/architecture.md: ``doc_id`` (file stem),
        ``outlet`` (``publisher``), ``date`` (datetime64, NaT when unparsable),
        ``title``, ``text`` (read with newline translation off, so brat offsets
        index it), plus ``wire`` (``"AP"``, ``"AFP"``, ``"Reuters"``, ``"UPI"``,
        or missing (test with ``isna()``): the metadata's ``None`` (not
        syndicated) and ``NA`` (not recorded, every West Journal article) both
        become missing; ``reuters`` is capitalised), ``author`` (missing when
        the metadata says ``None``), ``split``, then every other column of
        ``metadata.tsv`` (``level``, ``annotators``, ``trump_count``, ``clinton_count``,
        ``credit`` in the published file) as text, ``None``/``NA`` kept as written.

    Raises
    ------
    FileNotFoundError
        Missing ``metadata.tsv``, or no split folder.
    ValueError
        A split that is not there (the message lists those that are), a text file without a
        metadata row, or an empty text file.
    """
    root = Path(root)
    meta = _read_metadata(root)
    used = {"compartment", "filename", "publisher", "publication_date", "title", "wire", "author"}
    extra = [c for c in meta.columns if c not in used and c not in ("doc_id", "outlet", "date", "text", "split")]
    rows = []
    for sp in _polnear_splits(root, split):
        text_dir = root / sp / "text"
        if not text_dir.is_dir():
            raise FileNotFoundError(f"{text_dir}: no such directory")
        by_name = meta[meta["compartment"] == sp].set_index("filename")
        dup = by_name.index[by_name.index.duplicated()]
        if len(dup):
            raise ValueError(f"{root / 'metadata.tsv'}: {dup[0]!r} appears more than once in {sp}")
        for txt in sorted(text_dir.glob("*.txt")):
            if txt.stem not in by_name.index:
                raise ValueError(f"{txt}: no row for {txt.stem!r} in {root / 'metadata.tsv'}")
            info = by_name.loc[txt.stem]
            text = _read_text(txt)
            if not text.strip():
                raise ValueError(f"{txt}: empty text file")
            rows.append(
                {
                    "doc_id": txt.stem,
                    "outlet": info["publisher"],
                    "date": info["publication_date"],
                    "title": info["title"],
                    "text": text,
                    "wire": _normalise_wire(info["wire"]),
                    "author": _placeholder_to_none(info.get("author", "")),
                    "split": sp,
                    **{c: info[c] for c in extra},
                }
            )
    columns = ["doc_id", "outlet", "date", "title", "text", "wire", "author", "split"] + extra
    frame = pd.DataFrame(rows, columns=columns)
    if not parse_dates:
        return frame
    frame["date"] = pd.to_datetime(frame["date"], errors="coerce", format="%Y-%m-%d").astype(
        "datetime64[ns]"
    )
    return frame


def _read_text(path: Path) -> str:
    # newline="" keeps "\r\n" as two characters, as brat counts them
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()
