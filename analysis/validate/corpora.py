"""Loaders for gold-standard corpora used to validate the framing measures.

Each sentence-level loader returns one row per sentence with the columns
``doc_id, sentence_id, text, label, cues`` (plus a few source-specific extras).
``label`` is a bool (the sentence is uncertain / attributed) and ``cues`` is a
list of ``(start, end, cue_text, cue_type)`` tuples whose character offsets index
``text``, so ``text[start:end] == cue_text`` always holds. Supported sources are
the CoNLL-2010 shared task / BioScope XML, the Szeged Uncertainty Corpus
(WikiWeasel) XML, the PolNeAR attribution corpus (brat standoff) and plain
labelled CSV files. The data sets themselves are not shipped: pass paths to
your own copies (for developers, ``../shared/data``). Every loader refuses bad
input with a ``ValueError`` or ``FileNotFoundError`` that names the file, and
the line where one is known.
"""

from __future__ import annotations

import csv
import glob
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pandas as pd

from ..text.polnear import load_polnear_articles, polnear_root, polnear_splits

__all__ = [
    "SENTENCE_COLUMNS",
    "SZEGED_CUE_ALIASES",
    "load_conll2010",
    "load_labelled_csv",
    "load_polnear",
    "load_polnear_articles",
    "load_polnear_attributions",
    "load_szeged",
    "polnear_root",
    "polnear_splits",
    "simple_sentence_spans",
]

#: Columns every sentence-level loader returns first, in this order.
SENTENCE_COLUMNS = ["doc_id", "sentence_id", "text", "label", "cues"]

#: Short names for the Szeged WikiWeasel cue types (after normalisation, see ``load_szeged``).
SZEGED_CUE_ALIASES = {
    "epistemic": "speculation_modal_probable",
    "doxastic": "speculation_hypo_doxastic",
    "condition": "speculation_hypo_condition",
    "investigation": "speculation_hypo_investigation",
}

PathLike = str | os.PathLike
SentenceSplitter = Callable[[str], Sequence[tuple[int, int]]]


# --------------------------------------------------------------------------- XML


_DOCTYPE_RE = re.compile(rb"<!DOCTYPE\b[^>\[]*(\[)?", re.IGNORECASE)
_ENTITY_RE = re.compile(rb"<!ENTITY\b", re.IGNORECASE)


def _parse_xml_safely(path: Path) -> ET.Element:
    """Parse an XML file with ElementTree after refusing entity declarations.

    A DOCTYPE that only names an external DTD (as the CoNLL-2010 and Szeged
    files do: ``<!DOCTYPE Annotation PUBLIC ... "Uncertainty.dtd">``) is
    accepted, because ElementTree never fetches external DTDs. A DOCTYPE with
    an internal subset (``[...]``) or any ``<!ENTITY`` declaration is refused,
    which rules out entity-expansion attacks ("billion laughs") and external
    entities.
    """
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    data = path.read_bytes()
    probe = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: check the decoded text
        probe = data.decode("utf-16").encode("utf-8")
    doctype = _DOCTYPE_RE.search(probe)
    bad = doctype if (doctype and doctype.group(1)) else _ENTITY_RE.search(probe)
    if bad:
        line = probe[: bad.start()].count(b"\n") + 1
        raise ValueError(
            f"{path}: line {line}: refusing XML with an internal DTD subset or ENTITY "
            "declaration (entities are not needed by any supported corpus and are unsafe)"
        )
    try:
        return ET.fromstring(data)
    except ET.ParseError as err:
        line, column = err.position
        raise ValueError(
            f"{path}: line {line}, column {column + 1}: malformed XML ({err})"
        ) from None


def _flatten(elem: ET.Element, cue_tag: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Return the text of ``elem`` with all tags removed and the cue spans in it.

    Text is collected in document order: an element's ``.text``, then each child
    (recursively) followed by that child's ``.tail``. The element's own tail is
    not part of it. Cue spans are ``(start, end, raw_type)``.
    """
    parts: list[str] = []
    pos = 0
    spans: list[tuple[int, int, str]] = []

    def walk(el: ET.Element) -> None:
        nonlocal pos
        if el.text:
            parts.append(el.text)
            pos += len(el.text)
        for child in el:
            start = pos
            walk(child)
            if child.tag == cue_tag:
                spans.append((start, pos, child.get("type", "")))
            if child.tail:
                parts.append(child.tail)
                pos += len(child.tail)

    walk(elem)
    return "".join(parts), spans


def _xml_files(path_or_paths: PathLike | Iterable[PathLike], pattern: str) -> list[Path]:
    if isinstance(path_or_paths, (str, os.PathLike)):
        path = Path(path_or_paths)
        if path.is_dir():
            files = sorted(path.glob(pattern))
            if not files:
                raise FileNotFoundError(f"{path}: no files matching {pattern!r} in this directory")
            return files
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file or directory")
        return [path]
    files = [Path(p) for p in path_or_paths]
    if not files:
        raise ValueError("no files given: pass a file, a directory or a non-empty list of files")
    for f in files:
        if not f.is_file():
            raise FileNotFoundError(f"{f}: no such file")
    return files


def _load_scope_xml(
    files: list[Path],
    *,
    sentence_tag: str,
    cue_tag: str,
    keep_type: Callable[[str], bool],
    normalise_type: Callable[[str], str],
    format_name: str,
) -> pd.DataFrame:
    rows = []
    for path in files:
        root = _parse_xml_safely(path)
        n_before = len(rows)
        for doc in root.iter("Document"):
            doc_id = (doc.findtext("DocID") or "").strip()
            if not doc_id:
                raise ValueError(f"{path}: a <Document> has no <DocID>")
            part = None
            for el in doc.iter():
                if el.tag == "DocumentPart":
                    part = el.get("type")
                elif el.tag == sentence_tag:
                    text, raw = _flatten(el, cue_tag)
                    cues = []
                    for start, end, raw_type in raw:
                        cue_type = normalise_type(raw_type)
                        if keep_type(cue_type) and end > start:
                            cues.append((start, end, text[start:end], cue_type))
                    cues.sort()
                    rows.append(
                        {
                            "doc_id": doc_id,
                            "sentence_id": el.get("id"),
                            "text": text,
                            "label": bool(cues),
                            "cues": cues,
                            "part": part,
                        }
                    )
        if len(rows) == n_before:
            raise ValueError(
                f"{path}: no <Document>/<{sentence_tag}> elements found; is this a {format_name} file?"
            )
    return pd.DataFrame(rows, columns=SENTENCE_COLUMNS + ["part"])


def load_conll2010(
    path_or_paths: PathLike | Iterable[PathLike],
    *,
    pattern: str = "*.xml",
    cue_types: Iterable[str] | None = ("speculation",),
) -> pd.DataFrame:
    """Load CoNLL-2010 shared task / BioScope XML as one row per sentence.

    Parameters
    ----------
    path_or_paths : path or iterable of paths
        One XML file, a directory (every file matching ``pattern``, in sorted
        order) or a list of files.
    pattern : str, default "*.xml"
        Glob used when a directory is given. A directory that also holds other
        XML (the Szeged file sits beside the CoNLL files in ``../shared``) needs
        a narrower pattern such as ``"task2_*.xml"``: a file without
        ``<sentence>`` elements raises ``ValueError``.
    cue_types : iterable of str or None, default ("speculation",)
        Which ``<cue type=...>`` values to keep; ``None`` keeps all (BioScope
        also has ``negation``). A sentence is positive (``label=True``) when it
        holds at least one kept cue.

    Returns
    -------
    pandas.DataFrame
        ``doc_id`` (the ``<DocID>`` text), ``sentence_id`` (the ``id``
        attribute, unique within a file), ``text`` (the sentence with all
        ``<xcope>``/``<cue>`` tags removed, whitespace untouched), ``label``,
        ``cues`` (``(start, end, cue_text, cue_type)``, offsets into ``text``,
        sorted), ``part`` (the ``DocumentPart`` type, e.g. ``"Title"``).

    Raises
    ------
    FileNotFoundError
        A path does not exist, or a directory has no matching file.
    ValueError
        Malformed XML (the message names the file, line and column), entity
        declarations, or a file that holds no ``<sentence>``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> xml = ('<Annotation><DocumentSet><Document><DocID>d1</DocID><DocumentPart>'
    ...        '<sentence id="S1.1">It <xcope id="X1"><cue ref="X1" type="speculation">may'
    ...        '</cue> rain</xcope>.</sentence></DocumentPart></Document></DocumentSet></Annotation>')
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "tiny.xml"
    >>> _ = f.write_text(xml)
    >>> row = load_conll2010(f).iloc[0]
    >>> row.text, bool(row.label), row.cues
    ('It may rain.', True, [(3, 6, 'may', 'speculation')])
    """
    wanted = None if cue_types is None else set(cue_types)
    return _load_scope_xml(
        _xml_files(path_or_paths, pattern),
        sentence_tag="sentence",
        cue_tag="cue",
        keep_type=lambda t: wanted is None or t in wanted,
        normalise_type=str.strip,
        format_name="CoNLL-2010/BioScope (Szeged WikiWeasel files use <Sentence>: see load_szeged)",
    )


def _normalise_szeged_type(raw: str) -> str:
    # the file writes e.g. "speculation_hypo_condition _" and "speculation_modal_probable_"
    return re.sub(r"[\s_]+$", "", raw.strip())


def load_szeged(path: PathLike, *, cue_types: Iterable[str] | None = None) -> pd.DataFrame:
    """Load the Szeged Uncertainty Corpus (WikiWeasel XML) as one row per sentence.

    Parameters
    ----------
    path : path
        The XML file (``<Document><DocID/><DocumentPart><Sentence>`` with
        ``<ccue type=...>`` cues).
    cue_types : iterable of str or None
        Keep only these cue types (``None``: all). Types are normalised by
        dropping the trailing ``" _"``/``"_"`` the file carries, giving
        ``speculation_modal_probable``, ``speculation_hypo_doxastic``,
        ``speculation_hypo_condition`` and ``speculation_hypo_investigation``;
        the short names in :data:`SZEGED_CUE_ALIASES` (``"epistemic"``,
        ``"doxastic"``, ``"condition"``, ``"investigation"``) are accepted too.
        A requested type that never occurs in the file raises ``ValueError``
        (it is almost certainly a typo).

    Returns
    -------
    pandas.DataFrame
        ``doc_id`` (the Wikipedia article id: split train/test by it, never by
        sentence), ``sentence_id`` (``id`` attribute; it restarts in every
        document, so ``(doc_id, sentence_id)`` is the key), ``text``, ``label``
        (at least one kept ``ccue``), ``cues``, ``part`` (``Title``/``Text``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> xml = ('<Annotation><DocumentSet><Document><DocID>A_1</DocID><DocumentPart type="Text">'
    ...        '<Sentence id="S1.1">It is <ccue type="speculation_modal_probable_">probably</ccue>'
    ...        ' true.</Sentence></DocumentPart></Document></DocumentSet></Annotation>')
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "tiny.xml"
    >>> _ = f.write_text(xml)
    >>> load_szeged(f, cue_types=["epistemic"]).cues[0]
    [(6, 14, 'probably', 'speculation_modal_probable')]
    """
    path = Path(path)
    wanted = None
    if cue_types is not None:
        if isinstance(cue_types, str):
            cue_types = [cue_types]
        wanted = {SZEGED_CUE_ALIASES.get(t, _normalise_szeged_type(t)) for t in cue_types}
    frame = _load_scope_xml(
        _xml_files(path, "*.xml"),
        sentence_tag="Sentence",
        cue_tag="ccue",
        keep_type=lambda t: True,
        normalise_type=_normalise_szeged_type,
        format_name="Szeged WikiWeasel (CoNLL-2010 files use <sentence>: see load_conll2010)",
    )
    if wanted is not None:
        present = {c[3] for cues in frame["cues"] for c in cues}
        unknown = wanted - present
        if unknown:
            raise ValueError(
                f"{path}: cue type(s) {sorted(unknown)} do not occur in this file; "
                f"types present: {sorted(present)} (aliases: {sorted(SZEGED_CUE_ALIASES)})"
            )
        frame["cues"] = [[c for c in cues if c[3] in wanted] for cues in frame["cues"]]
        frame["label"] = frame["cues"].map(bool)
    return frame


# --------------------------------------------------------------------------- sentences

# lower-cased, without the final period; "no" is handled separately ("No. 2" vs "said no.")
_ABBREVIATIONS = frozenset(
    {
        *("mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "lt", "col", "maj"),
        *("capt", "sgt", "adm", "cmdr", "st", "jr", "sr", "rev", "hon", "pres", "sec", "atty"),
        *("supt", "dept", "univ", "corp", "inc", "ltd", "co", "bros", "vs", "ft", "mt", "ave"),
        *("blvd", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov"),
        *("dec", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"),
    }
)
_BOUNDARY_RE = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")


def simple_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences with a small regex rule; return ``(start, end)`` spans.

    This is the fallback splitter for :func:`load_polnear`. Pass the library's
    tokenizer instead when it is available
    (``analysis.text.tokenize.sentence_spans`` has the same signature), so that
    gold labels and scores use the same sentences.

    Rules: every line break ends a sentence (headlines and paragraphs sit on
    their own lines in news text); ``.``, ``!`` or ``?`` (plus closing quotes or
    brackets) ends one when followed by white space and a capital letter,
    digit, or opening quote, except after a known abbreviation (``Sen.``,
    ``Gov.``, ``Jan.``, ...), a single initial (``J.``), dotted initials
    (``U.S.``) or ``No.`` before a number. Spans are stripped of surrounding white space; empty ones are
    dropped, so ``text[start:end]`` is never blank.

    Examples
    --------
    >>> t = "Officials warn of attacks.\\nSen. Smith said it was U.S. policy. Nothing more."
    >>> [t[s:e] for s, e in simple_sentence_spans(t)]
    ['Officials warn of attacks.', 'Sen. Smith said it was U.S. policy.', 'Nothing more.']
    """
    if not isinstance(text, str):
        raise ValueError(  # noqa: TRY004 - the project refuses bad input with ValueError
            f"simple_sentence_spans expects a str, got {type(text).__name__}"
        )
    spans: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        seg = text[start:end]
        stripped = seg.strip()
        if stripped:
            lead = len(seg) - len(seg.lstrip())
            spans.append((start + lead, start + lead + len(stripped)))

    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for m in _BOUNDARY_RE.finditer(line.group()):
            cut = line.start() + m.end()
            if text[line.start() + m.start()] == ".":
                before = text[start : line.start() + m.start()].split()
                word = before[-1].lstrip("\"'“‘([").lower() if before else ""
                if (
                    word in _ABBREVIATIONS
                    or re.fullmatch(r"[a-z]", word)
                    or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word)
                    or (word == "no" and re.match(r"\s+\d", text[cut:]))  # "No. 2"
                ):
                    continue
            add(start, cut)
            start = cut
        add(start, line.end())
    return spans


# --------------------------------------------------------------------------- PolNeAR

_T_LINE = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$")
_E_LINE = re.compile(r"^(E\d+)\t(.*)$")


def _choose_annotation(attr_dir: Path, stem: str) -> tuple[Path, str] | None:
    """Return ``(file, annotator)`` for the first annotator in sorted order, or None."""
    pattern = re.compile(re.escape(stem) + r"_([A-Za-z0-9]+)\.ann")
    found = []
    for f in attr_dir.glob(glob.escape(stem) + "_*.ann"):
        m = pattern.fullmatch(f.name)
        if m:
            found.append((m.group(1), f))
    if not found:
        return None
    annotator, path = min(found)
    return path, annotator


def _parse_brat(path: Path, text: str) -> list[dict]:
    """Parse the T and E lines of a brat file into events with resolved spans.

    Each event is ``{"attribution_id", "kind", "roles": {role: [(start, end), ...]}}``
    where roles are ``Source``, ``Cue``, ``Content`` (``Content2`` is merged into
    ``Content``). Lines other than T and E (notes, attributes, continuation lines
    of multi-line notes) are skipped.
    """
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    events_raw: list[tuple[int, str, str]] = []
    with open(path, encoding="utf-8", newline="") as fh:
        content = fh.read()
    for lineno, line in enumerate(content.split("\n"), start=1):
        line = line.rstrip("\r")
        if re.match(r"T\d+\t", line):
            m = _T_LINE.match(line)
            if not m:
                raise ValueError(f"{path}: line {lineno}: malformed brat text-bound line {line!r}")
            tid, label, offsets, ann_text = m.groups()
            frags = sorted(tuple(map(int, f.split())) for f in offsets.split(";"))
            for s, e in frags:
                if not 0 <= s <= e <= len(text):
                    raise ValueError(
                        f"{path}: line {lineno}: span {s}-{e} lies outside the text "
                        f"({len(text)} characters)"
                    )
            if len(frags) == 1:
                s, e = frags[0]
                got = text[s:e]
                if got != ann_text and not ("\n" in got and got.startswith(ann_text)):
                    raise ValueError(
                        f"{path}: line {lineno}: span {s}-{e} reads {got!r} in the text file "
                        f"but {ann_text!r} in the annotation (wrong text file or encoding?)"
                    )
            spans[tid] = (label, frags)
        elif line.startswith("E"):
            m = _E_LINE.match(line)
            if m:
                events_raw.append((lineno, m.group(1), m.group(2)))
    events = []
    for lineno, eid, body in events_raw:
        parts = body.split()
        roles: dict[str, list[tuple[int, int]]] = {"Source": [], "Cue": [], "Content": []}
        kind = None
        for i, part in enumerate(parts):
            m = re.fullmatch(r"([^:\s]+):([TE]\d+)", part)
            if not m:
                raise ValueError(f"{path}: line {lineno}: malformed brat event argument {part!r}")
            role, ref = m.groups()
            if ref not in spans:
                raise ValueError(f"{path}: line {lineno}: event {eid} refers to unknown {ref}")
            if i == 0:
                kind = role
                continue
            role = re.sub(r"\d+$", "", role)
            roles.setdefault(role, []).extend(spans[ref][1])
        events.append(
            {"attribution_id": eid, "kind": kind, "roles": {k: sorted(v) for k, v in roles.items()}}
        )
    return events


def _annotation_for(root: Path, sp: str, doc_id: str) -> tuple[Path, str]:
    attr_dir = root / sp / "attributions"
    chosen = _choose_annotation(attr_dir, doc_id)
    if chosen is None:
        raise FileNotFoundError(f"{attr_dir / (doc_id + '_<annotator>.ann')}: no annotation file")
    return chosen


def load_polnear_attributions(root: PathLike, split: str | None = None) -> pd.DataFrame:
    """Load PolNeAR gold attributions, one row per attribution event.

    Where an article has several annotator files (``<doc_id>_<annotator>.ann``),
    the first annotator in sorted order is used, so the choice is deterministic;
    the ``annotator`` column says which.

    Returns
    -------
    pandas.DataFrame
        ``doc_id``, ``split``, ``annotator``, ``attribution_id`` (brat ``E`` id),
        ``kind`` (``"Attribution"`` or ``"Attribution-no-source"``), and
        ``source``, ``cue``, ``content``: each a list of ``(start, end, text)``
        spans with offsets into the article text (several spans when the
        annotation is discontinuous or has a second content; empty when absent).
    """
    root = Path(root)
    articles = load_polnear_articles(root, split)
    rows = []
    for doc in articles.itertuples(index=False):
        ann, annotator = _annotation_for(root, doc.split, doc.doc_id)
        for ev in _parse_brat(ann, doc.text):
            row = {
                "doc_id": doc.doc_id,
                "split": doc.split,
                "annotator": annotator,
                "attribution_id": ev["attribution_id"],
                "kind": ev["kind"],
            }
            for role in ("Source", "Cue", "Content"):
                row[role.lower()] = [(s, e, doc.text[s:e]) for s, e in ev["roles"].get(role, [])]
            rows.append(row)
    columns = ["doc_id", "split", "annotator", "attribution_id", "kind", "source", "cue", "content"]
    return pd.DataFrame(rows, columns=columns)


def _checked_span(span, doc_id, n_chars: int) -> tuple[int, int]:
    """``(start, end)`` of one sentence from a user's sentence splitter, refused unless inside the article."""
    try:
        s0, e0 = (int(x) for x in span)
    except (TypeError, ValueError):
        raise ValueError(f"sentence_splitter returned {span!r} for {doc_id}; expected (start, end)") from None
    if not 0 <= s0 <= e0 <= n_chars:
        raise ValueError(f"sentence_splitter returned span {s0}-{e0} outside {doc_id} ({n_chars} characters)")
    return s0, e0


def load_polnear(
    root: PathLike,
    split: str | None = "train",
    *,
    sentence_splitter: SentenceSplitter | None = None,
) -> pd.DataFrame:
    """Load PolNeAR as sentences labelled by whether they hold an attribution cue.

    A sentence is positive when it overlaps the Cue span of at least one gold
    attribution (the word(s) that introduce a source, e.g. "said",
    "according to"). Where an article has several annotator files, the first
    annotator in sorted order is used (see :func:`load_polnear_attributions`).

    Parameters
    ----------
    root : path
        PolNeAR root (``metadata.tsv``, ``train/``, ``dev/``).
    split : str or None, default "train"
        As for :func:`load_polnear_articles` (``"test"`` and any other split folder found;
        ``None`` or ``"all"``: every split).
    sentence_splitter : callable ``(text) -> list[(start, end)]``, optional
        Character spans of the sentences of an article. Defaults to
        :func:`simple_sentence_spans`; pass
        ``analysis.text.tokenize.sentence_spans`` so gold sentences are the
        sentences the library scores.

    Returns
    -------
    pandas.DataFrame
        ``doc_id``, ``sentence_id`` (0-based index within the article),
        ``text``, ``label``, ``cues`` (``(start, end, cue_text, kind)`` relative
        to the sentence; a cue crossing a sentence boundary is clipped to the
        sentence and counted in both), plus ``outlet``, ``split``, ``annotator``
        and ``start``/``end`` (the sentence's offsets in the article).
    """
    root = Path(root)
    splitter = sentence_splitter or simple_sentence_spans
    articles = load_polnear_articles(root, split)
    rows = []
    for doc in articles.itertuples(index=False):
        ann, annotator = _annotation_for(root, doc.split, doc.doc_id)
        gold = [
            (s, e, ev["kind"])
            for ev in _parse_brat(ann, doc.text)
            for s, e in ev["roles"].get("Cue", [])
            if e > s
        ]
        for i, span in enumerate(splitter(doc.text)):
            s0, e0 = _checked_span(span, doc.doc_id, len(doc.text))
            sentence = doc.text[s0:e0]
            cues = sorted(
                (max(s, s0) - s0, min(e, e0) - s0, sentence[max(s, s0) - s0 : min(e, e0) - s0], k)
                for s, e, k in gold
                if s < e0 and e > s0
            )
            rows.append(
                {
                    "doc_id": doc.doc_id,
                    "sentence_id": i,
                    "text": sentence,
                    "label": bool(cues),
                    "cues": cues,
                    "outlet": doc.outlet,
                    "split": doc.split,
                    "annotator": annotator,
                    "start": s0,
                    "end": e0,
                }
            )
    columns = SENTENCE_COLUMNS + ["outlet", "split", "annotator", "start", "end"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- CSV

_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no"})


def load_labelled_csv(
    path: PathLike,
    text_col: str = "sentence",
    label_col: str = "label",
    *,
    doc_col: str = "doc_id",
    encoding: str = "utf-8-sig",
) -> pd.DataFrame:
    """Load a hand-labelled CSV of sentences (one row per sentence).

    Labels may be ``1``/``0``, ``true``/``false`` or ``yes``/``no`` in any
    case, with surrounding spaces ignored; anything else (including an empty
    cell) raises ``ValueError`` naming the file and the 1-based line number
    (the header is line 1).

    Returns
    -------
    pandas.DataFrame
        ``doc_id`` (from ``doc_col`` when the file has it, else the file stem),
        ``sentence_id`` (0-based row index), ``text``, ``label`` (bool),
        ``cues`` (always ``[]``: a CSV carries no spans), followed by the
        file's other columns as strings.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "coded.csv"
    >>> _ = f.write_text("sentence,label\\nIt may rain.,Yes\\nIt rains.,0\\n")
    >>> load_labelled_csv(f)["label"].tolist()
    [True, False]
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    rows = []
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        missing = [c for c in (text_col, label_col) if c not in fields]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}; columns are {fields}")
        extra = [c for c in fields if c not in (text_col, label_col, doc_col)]
        for i, rec in enumerate(reader):
            line = reader.line_num
            raw = rec.get(label_col)
            value = (raw or "").strip().lower()
            if value in _TRUE:
                label = True
            elif value in _FALSE:
                label = False
            else:
                raise ValueError(
                    f"{path}, line {line}: label {raw!r} in column {label_col!r} is not one of "
                    "1/0, true/false, yes/no"
                )
            text = rec.get(text_col)
            if text is None:
                raise ValueError(f"{path}, line {line}: no value in column {text_col!r}")
            row = {
                "doc_id": rec[doc_col] if doc_col in fields else path.stem,
                "sentence_id": i,
                "text": text,
                "label": label,
                "cues": [],
            }
            row.update({c: rec.get(c) for c in extra})
            rows.append(row)
    return pd.DataFrame(rows, columns=SENTENCE_COLUMNS + extra)
