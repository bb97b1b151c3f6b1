"""The hand-coding loop: sample matches for a coder, read the coded sheet back, measure precision.

A dictionary measure is only as good as its precision in *your* corpus, and a cross-outlet
comparison is only fair when an entry is about equally precise in every outlet. This module closes
the loop in four steps:

1. :func:`sample_for_coding` draws a seeded, stratified sample of matches (by default up to
   ``n_per_stratum`` per outlet and entry) plus a simple random sample of sentences *without* any
   match, and :func:`write_coding_sheet` saves it as a CSV a coder fills in a spreadsheet: one row
   per item with the left context, the match and the right context, and an empty ``code`` column
   (``code_1``/``code_2`` for two coders).
2. :func:`read_coded` reads the filled sheet back and refuses unknown codes, uncoded rows, duplicate,
   missing or extra rows with the file name and line number.
3. :func:`evaluate_coding` estimates precision per entry, category, outlet and outlet x category
   with Wilson intervals, weighting each coded match by the number of matches it stands for (its
   stratum size over the number coded in it), estimates recall from the non-match sample, and,
   when two coder columns are present, reports Cohen's kappa and Krippendorff's alpha.
4. :func:`corrected_rates` multiplies each outlet's rate by its measured precision.

**Codes.** For a *match* row, ``1`` means the match is a real instance of its category in context,
``0`` a false positive. For a *nonmatch* row (a whole sentence in which the lexicon found nothing),
``1`` means the sentence holds at least one instance of a scored category that the lexicon missed,
``0`` none. ``yes``/``no``, ``y``/``n`` and ``true``/``false`` are accepted too, in any case.

**How recall is estimated.** Let ``U`` be the number of sentences of the corpus without a match and
``m`` the share of sampled non-matching sentences coded ``1`` (the miss rate). The estimated number
of missed instances is ``m * U`` (each missed sentence counted as one instance, so this is a lower
bound when sentences hold several), the estimated number of true matches is
``sum(weight * code)`` over the coded matches, and recall is ``true / (true + missed)``. Misses in
sentences that do hold a match are not sampled, which also makes recall an upper bound. The
interval plugs the Wilson bounds of precision and of the miss rate into the same formula (a
conservative interval, not an exact one).
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "CODE_VALUES",
    "CodingResult",
    "check_sheet_corpus",
    "coded_to_gold",
    "corrected_rates",
    "evaluate_coding",
    "read_coded",
    "sample_for_coding",
    "sampling_warning",
    "write_coding_sheet",
]

#: Accepted spellings of the two codes (compared after stripping and lower-casing).
CODE_VALUES = {"1": 1, "0": 0, "yes": 1, "no": 0, "y": 1, "n": 0, "true": 1, "false": 0}

_SHEET_FIRST = ["id", "kind", "outlet", "category", "entry", "left", "match", "right"]
_SHEET_LAST = ["note", "doc_id", "sentence", "start", "end", "stratum", "stratum_size"]
_CODE_COL = re.compile(r"^code(?:_(\d+))?$")
_MATCH_NEEDS = ["doc_id", "outlet", "sentence", "category", "entry", "start", "end"]


def _one_line(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _nonmatch_sentences(corpus: pd.DataFrame, matched: set) -> list[tuple]:
    """``(doc_id, outlet, sentence index, start, end)`` of every sentence with a word and no match."""
    from analysis.text.tokenize import sentence_paragraph_spans

    out = []
    outlets = corpus["outlet"] if "outlet" in corpus.columns else ["unknown"] * len(corpus)
    for doc_id, outlet, text in zip(corpus["doc_id"], outlets, corpus["text"]):
        for i, (a, b, _) in enumerate(sentence_paragraph_spans(text)):
            if (doc_id, i) not in matched and re.search(r"\w", text[a:b]):
                out.append((doc_id, outlet, i, a, b))
    return out


def _checked_sampling(matches, corpus, strata, n_per_stratum, nonmatch_sentences, context_chars, coders) -> list:
    """Refuse bad input to :func:`sample_for_coding`; return the stratum columns (``entry`` implies ``category``)."""
    if not isinstance(matches, pd.DataFrame) or not isinstance(corpus, pd.DataFrame):
        raise ValueError("matches and corpus must be DataFrames (ScoreResult.matches and the corpus)")  # noqa: TRY004
    missing = [c for c in _MATCH_NEEDS if c not in matches.columns]
    if missing:
        raise ValueError(f"the match table lacks column(s) {missing}: pass ScoreResult.matches")
    for col in ("doc_id", "text"):
        if col not in corpus.columns:
            raise ValueError(f"the corpus needs a {col!r} column")
    if isinstance(strata, str):
        strata = (strata,)
    strata = list(strata)
    for col in strata:
        if col not in matches.columns:
            raise ValueError(f"stratum column {col!r} is not in the match table")
    if "entry" in strata and "category" not in strata:
        strata.insert(strata.index("entry"), "category")
    if n_per_stratum < 1 or nonmatch_sentences < 0 or context_chars < 0:
        raise ValueError("n_per_stratum must be >= 1, nonmatch_sentences and context_chars >= 0")
    if coders < 1:
        raise ValueError(f"coders must be at least 1, got {coders}")
    return strata


def _match_rows(m: pd.DataFrame, strata: list, texts: dict, n_per_stratum: int, context_chars: int, rng) -> list:
    """Up to ``n_per_stratum`` matches drawn from each stratum, with their context, in random order."""
    if strata:
        keys = m[strata].astype(str).agg(" | ".join, axis=1)
    else:
        keys = pd.Series(["all"] * len(m))
    rows = []
    for key in sorted(set(keys)):
        idx = np.flatnonzero((keys == key).to_numpy())
        take = idx if len(idx) <= n_per_stratum else np.sort(rng.choice(idx, n_per_stratum, replace=False))
        for i in take:
            r = m.iloc[i]
            text = texts[r["doc_id"]]
            s, e = int(r["start"]), int(r["end"])
            rows.append({
                "kind": "match", "outlet": r["outlet"], "category": r["category"], "entry": r["entry"],
                "left": _one_line(text[max(0, s - context_chars):s]),
                "match": text[s:e],
                "right": _one_line(text[e:e + context_chars]),
                "doc_id": r["doc_id"], "sentence": int(r["sentence"]), "start": s, "end": e,
                "stratum": key, "stratum_size": len(idx),
            })
    rng.shuffle(rows)
    return rows


def _nonmatch_rows(m: pd.DataFrame, corpus: pd.DataFrame, texts: dict, n: int, rng) -> list:
    """``n`` sentences without any match (fewer when the corpus has fewer), in random order."""
    nonmatch = []
    matched = set(zip(m["doc_id"], m["sentence"].astype(int)))
    pool = _nonmatch_sentences(corpus, matched)
    take = sorted(rng.choice(len(pool), min(n, len(pool)), replace=False)) if pool else []
    for j in take:
        doc_id, outlet, i, a, b = pool[j]
        nonmatch.append({
            "kind": "nonmatch", "outlet": outlet, "category": "", "entry": "",
            "left": "", "match": _one_line(texts[doc_id][a:b]), "right": "",
            "doc_id": doc_id, "sentence": i, "start": a, "end": b,
            "stratum": "nonmatch", "stratum_size": len(pool),
        })
    rng.shuffle(nonmatch)
    return nonmatch


def sample_for_coding(
    matches: pd.DataFrame,
    corpus: pd.DataFrame,
    n_per_stratum: int = 10,
    strata=("outlet", "entry"),
    seed: int = 0,
    nonmatch_sentences: int = 50,
    *,
    context_chars: int = 80,
    coders: int = 1,
) -> pd.DataFrame:
    """Draw a stratified sample of matches and a random sample of non-matching sentences.

    Parameters
    ----------
    matches : DataFrame
        The match table of :func:`analysis.measure.scoring.score` (``ScoreResult.matches``).
    corpus : DataFrame
        The scored corpus (``doc_id``, ``text``, ``outlet``): contexts are cut from it.
    n_per_stratum : int, default 10
        Matches drawn per stratum (all of them when a stratum is smaller).
    strata : tuple of str, default ("outlet", "entry")
        Match-table columns that define the strata. ``"entry"`` always implies ``"category"`` (the
        same pattern may sit in two categories). ``()`` draws one simple random sample of
        ``n_per_stratum`` matches.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``: the same inputs and seed give the same sheet.
    nonmatch_sentences : int, default 50
        Sentences without any match to draw (for the recall estimate); 0 for none.
    context_chars : int, default 80
        Characters of context on each side of a match (whitespace collapsed to single spaces).
    coders : int, default 1
        1 gives one ``code`` column; 2 or more give ``code_1``, ``code_2``, ... for agreement.

    Returns
    -------
    DataFrame
        One row per item, in random order: ``id`` (``m0001``... for matches, ``n0001``... for
        sentences), ``kind`` (``match``/``nonmatch``), ``outlet``, ``category``, ``entry``, ``left``,
        ``match``, ``right``, the empty code column(s), ``note``, and, for bookkeeping, ``doc_id``,
        ``sentence``, ``start``, ``end``, ``stratum`` and ``stratum_size`` (matches in the stratum,
        or non-matching sentences in the corpus).

    Examples
    --------
    >>> from analysis.measure.scoring import score
    >>> corpus = pd.DataFrame({"doc_id": ["a", "b"], "outlet": ["X", "Y"],
    ...     "text": ["Attacks may come. It rained.", "It may rain, or may not. Sun."]})
    >>> res = score(corpus, "hedging", categories=["hedging.modal"])
    >>> sheet = sample_for_coding(res.matches, corpus, n_per_stratum=1, nonmatch_sentences=2)
    >>> sorted(sheet["kind"].tolist())
    ['match', 'match', 'nonmatch', 'nonmatch']
    >>> sheet.loc[sheet["kind"] == "match", "match"].tolist()
    ['may', 'may']
    """
    strata = _checked_sampling(matches, corpus, strata, n_per_stratum, nonmatch_sentences, context_chars, coders)
    texts = dict(zip(corpus["doc_id"], corpus["text"]))
    unknown = set(matches["doc_id"]) - set(texts)
    if unknown:
        raise ValueError(f"matches refer to doc_id(s) not in the corpus, e.g. {min(unknown)!r}")
    rng = np.random.default_rng(seed)
    m = matches.reset_index(drop=True)
    match_rows = _match_rows(m, strata, texts, n_per_stratum, context_chars, rng)
    nonmatch = _nonmatch_rows(m, corpus, texts, nonmatch_sentences, rng) if nonmatch_sentences else []
    for k, r in enumerate(match_rows, 1):
        r["id"] = f"m{k:04d}"
    for k, r in enumerate(nonmatch, 1):
        r["id"] = f"n{k:04d}"
    code_cols = ["code"] if coders == 1 else [f"code_{i}" for i in range(1, coders + 1)]
    columns = _SHEET_FIRST + code_cols + _SHEET_LAST
    out = pd.DataFrame(match_rows + nonmatch, columns=columns)
    for c in code_cols + ["note"]:
        out[c] = ""
    return out


def sampling_warning(sheet: pd.DataFrame, n_matches: int, n_per_stratum: int, threshold: float = 0.5,
                     target: int = 400) -> str | None:
    """A warning when a coding sheet would code most of the matches (the strata are too fine), else None.

    Parameters
    ----------
    sheet : DataFrame
        From :func:`sample_for_coding`.
    n_matches : int
        Matches in the corpus (``len(ScoreResult.matches)``).
    n_per_stratum : int
        The ``n_per_stratum`` the sheet was drawn with.
    threshold : float, default 0.5
        Warn when the sheet holds more than this share of the matches (and at least 100 of them).
    target : int, default 400
        The number of coded matches the advice sizes the strata for.

    Examples
    --------
    >>> sheet = pd.DataFrame({"kind": ["match"] * 150, "stratum": [f"s{i % 120}" for i in range(150)]})
    >>> print(sampling_warning(sheet, 200, 10))  # doctest: +NORMALIZE_WHITESPACE
    the sheet holds 150 of 200 matches (75%): 120 strata of at most 10 matches each, most of them smaller
    than that, so almost every match is drawn. To code a sample, use coarser strata (--strata outlet,category
    or --strata category) or fewer per stratum: about 400 matches over 120 strata is --n-per-stratum 3.
    """
    kind = sheet["kind"] if "kind" in sheet.columns else pd.Series(dtype=str)
    mrows = sheet[kind == "match"]
    n = len(mrows)
    if n_matches <= 0 or n < 100 or n / n_matches <= threshold:
        return None
    strata = int(mrows["stratum"].nunique()) if "stratum" in mrows.columns else 1
    per = max(1, target // max(strata, 1))
    advice = (f"fewer per stratum: about {target} matches over {strata} strata is --n-per-stratum {per}"
              if per < n_per_stratum else f"fewer strata (about {target} // {n_per_stratum} = "
              f"{max(1, target // n_per_stratum)} strata for {target} matches)")
    return (f"the sheet holds {n} of {n_matches} matches ({n / n_matches:.0%}): {strata} strata of at most "
            f"{n_per_stratum} matches each, most of them smaller than that, so almost every match is drawn. "
            f"To code a sample, use coarser strata (--strata outlet,category or --strata category) or {advice}.")


def write_coding_sheet(sheet: pd.DataFrame, path, *, csv_escape: bool = True) -> Path:
    """Write a sheet from :func:`sample_for_coding` as UTF-8 CSV (with BOM, so Excel reads accents).

    Cells a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) get a leading
    apostrophe unless ``csv_escape=False`` (:mod:`analysis.csvsafe`); :func:`read_coded` removes it.
    """
    from analysis.outputs import atomic_write_bytes

    if csv_escape:
        from analysis.csvsafe import escape_frame

        sheet = escape_frame(sheet)
    buf = io.StringIO()
    sheet.to_csv(buf, index=False, lineterminator="\n")
    return atomic_write_bytes(path, b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))


# --------------------------------------------------------------------------- reading


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _open_sheet(path: Path):
    """A ``csv.DictReader`` over a coding sheet (any spreadsheet delimiter and encoding) and its code columns."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel on Windows "CSV" files
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(header))
    fields = [f.strip() for f in (reader.fieldnames or [])]
    reader.fieldnames = fields
    code_cols = [f for f in fields if _CODE_COL.match(f)]
    needed = ["id", "kind", "outlet", "category", "entry", "stratum", "stratum_size"]
    missing = [c for c in needed if c not in fields]
    if missing:
        raise ValueError(f"{path}: line 1: missing column(s) {missing}; is this a coding sheet?")
    if not code_cols:
        raise ValueError(f"{path}: line 1: no code column (expected 'code' or 'code_1', 'code_2', ...)")
    return reader, code_cols


def _coded_row(rec: dict, rid: str, where: str, code_cols: list, allow_blank: bool) -> tuple[dict, bool]:
    """One sheet row checked: its kind, codes (0/1, or NA when blank and allowed) and ``stratum_size``.

    Returns the row and whether a code was blank; ``where`` (file and line) starts every error.
    """
    kind = (rec.get("kind") or "").strip()
    if kind not in ("match", "nonmatch"):
        raise ValueError(f"{where}: kind {kind!r} for id {rid!r} is not 'match' or 'nonmatch'")
    row = {k: (v if v is not None else "") for k, v in rec.items() if k is not None}
    row["id"], row["kind"] = rid, kind
    blank = False
    for col in code_cols:
        value = (rec.get(col) or "").strip().lower()
        if not value:
            if allow_blank:
                row[col] = pd.NA
                blank = True
                continue
            raise ValueError(
                f"{where}: no code in column {col!r} for id {rid!r} "
                "(code every row, or pass allow_blank=True to skip uncoded rows)"
            )
        if value not in CODE_VALUES:
            raise ValueError(
                f"{where}: unknown code {rec.get(col)!r} in column {col!r} for id "
                f"{rid!r} (allowed: {', '.join(sorted(CODE_VALUES))})"
            )
        row[col] = CODE_VALUES[value]
    try:
        row["stratum_size"] = int(str(rec.get("stratum_size")).strip())
        if row["stratum_size"] < 1:
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(
            f"{where}: stratum_size {rec.get('stratum_size')!r} for id {rid!r} is "
            "not a positive whole number (do not edit the bookkeeping columns)"
        ) from None
    return row, blank


def _check_all_rows_back(path: Path, seen: dict, expected) -> None:
    """Refuse a sheet that lost rows or gained ids: against ``expected``, else from gaps in the id numbers."""
    if expected is not None:
        if not isinstance(expected, pd.DataFrame):
            expected = pd.read_csv(expected, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        want = [str(i) for i in expected["id"]]
        gone = [i for i in want if i not in seen]
        if gone:
            raise ValueError(
                f"{path}: {len(gone)} row(s) of the exported sample are missing: "
                f"{', '.join(gone[:10])}{' ...' if len(gone) > 10 else ''}"
            )
        extra = [i for i in seen if i not in set(want)]
        if extra:
            raise ValueError(f"{path}, line {seen[extra[0]]}: id {extra[0]!r} is not in the exported sample")
        return
    for prefix in ("m", "n"):
        nums = sorted(int(i[1:]) for i in seen if re.fullmatch(prefix + r"\d+", i))
        if nums:
            gone = sorted(set(range(1, nums[-1] + 1)) - set(nums))
            if gone:
                ids = [f"{prefix}{g:04d}" for g in gone]
                raise ValueError(
                    f"{path}: row(s) missing from the coded sheet: {', '.join(ids[:10])}"
                    f"{' ...' if len(ids) > 10 else ''}"
                )


def read_coded(path, *, expected=None, allow_blank: bool = False, csv_unescape: bool = True) -> pd.DataFrame:
    """Read a filled coding sheet, refusing anything that would bias the estimates silently.

    Parameters
    ----------
    path : path
        The CSV (comma, semicolon or tab separated, as spreadsheets save it; UTF-8 with or without
        BOM).
    expected : DataFrame or path, optional
        The sheet as exported (:func:`sample_for_coding` / :func:`write_coding_sheet`). Every
        exported id must come back and no other id may appear. Without it, missing rows are found
        from gaps in the id numbering (``m0001``, ``m0002``, ...), which misses a deleted last row.
    allow_blank : bool, default False
        Skip rows whose code is empty instead of refusing them (their number is in
        ``df.attrs["n_blank"]``).
    csv_unescape : bool, default True
        Remove the apostrophe :func:`write_coding_sheet` put before cells starting with ``= + - @``
        (a sheet saved again by a spreadsheet has usually lost it already; either way the cell comes
        back as the text the sheet was made from). Pass False for a sheet written with ``--no-csv-escape``.

    Returns
    -------
    DataFrame
        The sheet with each code column as integers 0/1 (``<NA>`` for skipped blanks),
        ``stratum_size`` and ``sentence`` as integers, and ``df.attrs["code_columns"]``.

    Raises
    ------
    ValueError
        Naming the file and the 1-based line (the header is line 1): unknown code, empty code,
        duplicate id, unknown ``kind``, a bad ``stratum_size``, a missing column, missing or extra
        rows.
    """
    path = Path(path)
    reader, code_cols = _open_sheet(path)
    rows, seen = [], {}
    n_blank = 0
    for rec in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in rec.values() if isinstance(v, str)):
            continue  # an empty line at the end of the file
        rid = (rec.get("id") or "").strip()
        if not rid:
            raise ValueError(f"{path}, line {line}: empty id")
        if rid in seen:
            raise ValueError(f"{path}, line {line}: id {rid!r} appears twice (first on line {seen[rid]})")
        seen[rid] = line
        row, blank = _coded_row(rec, rid, f"{path}, line {line}", code_cols, allow_blank)
        n_blank += blank
        rows.append(row)
    if not rows:
        raise ValueError(f"{path}: no coded rows")
    _check_all_rows_back(path, seen, expected)
    df = pd.DataFrame(rows)
    if csv_unescape:
        from analysis.csvsafe import unescape_frame

        unescape_frame(df, [c for c in df.columns if c not in code_cols and c not in ("id", "kind", "stratum_size")])
    for col in code_cols:
        df[col] = df[col].astype("Int64")
    if "sentence" in df.columns:
        df["sentence"] = pd.to_numeric(df["sentence"], errors="coerce").astype("Int64")
    df.attrs["code_columns"] = code_cols
    df.attrs["n_blank"] = n_blank
    df.attrs["path"] = str(path)
    return df


# --------------------------------------------------------------------------- estimates


def _wilson_real(p: float, n: float, confidence: float) -> tuple[float, float]:
    """Wilson interval for a proportion ``p`` observed on an effective sample of size ``n``."""
    from statistics import NormalDist

    if n <= 0 or not math.isfinite(p):
        return (math.nan, math.nan)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _estimate(y: np.ndarray, w: np.ndarray, confidence: float) -> dict:
    """Weighted proportion with a Wilson interval on Kish's effective sample size."""
    from analysis.validate.metrics import wilson_interval

    n = len(y)
    if n == 0:
        return {"n_coded": 0, "n_correct": 0, "precision": math.nan, "low": math.nan, "high": math.nan,
                "matches": 0.0}
    p = float(np.sum(w * y) / np.sum(w))
    if np.allclose(w, w[0]):  # equal weights: the exact binomial case
        low, high = wilson_interval(int(y.sum()), n, confidence)
        n_eff = float(n)
    else:
        n_eff = float(np.sum(w) ** 2 / np.sum(w**2))
        low, high = _wilson_real(p, n_eff, confidence)
    return {"n_coded": int(n), "n_correct": int(y.sum()), "precision": p, "low": low, "high": high,
            "n_effective": n_eff, "matches": float(np.sum(w))}


@dataclass
class CodingResult:
    """What :func:`evaluate_coding` found. Every table has ``n_coded``, ``n_correct`` (raw counts),
    ``precision`` (weighted), ``low``, ``high`` (Wilson), ``n_effective`` and ``matches`` (the
    number of matches the rows stand for)."""

    by_entry: pd.DataFrame
    by_category: pd.DataFrame
    by_outlet: pd.DataFrame
    by_outlet_category: pd.DataFrame
    by_outlet_entry: pd.DataFrame
    overall: dict
    recall: dict
    agreement: dict
    coder: str
    confidence: float
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        def records(df):
            return json_safe(df.to_dict(orient="records"))

        return json_safe({
            "coder": self.coder, "confidence": self.confidence, "overall": self.overall,
            "recall": self.recall, "agreement": self.agreement, "notes": self.notes,
            "by_category": records(self.by_category), "by_outlet": records(self.by_outlet),
            "by_entry": records(self.by_entry), "by_outlet_category": records(self.by_outlet_category),
            "by_outlet_entry": records(self.by_outlet_entry),
        })


def json_safe(obj):
    """Replace NaN with None and numpy scalars with Python ones, recursively."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is pd.NA:
        return None
    return obj


def _table(rows: pd.DataFrame, by: list[str], col: str, confidence: float) -> pd.DataFrame:
    out = []
    if rows.empty:
        return pd.DataFrame(columns=by + ["n_coded", "n_correct", "precision", "low", "high",
                                          "n_effective", "matches"])
    for key, g in rows.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        est = _estimate(g[col].to_numpy(dtype=float), g["_w"].to_numpy(dtype=float), confidence)
        out.append({**dict(zip(by, key)), **est})
    return pd.DataFrame(out)


def _with_rollups(rows: pd.DataFrame) -> pd.DataFrame:
    """Add copies of rows under their top-level category (``hedging`` for ``hedging.modal``)."""
    top = rows["category"].str.split(".").str[0]
    extra = rows[(top != rows["category"]) & ~top.isin(set(rows["category"]))].copy()
    extra["category"] = top[extra.index]
    return pd.concat([rows, extra], ignore_index=True)


def evaluate_coding(coded: pd.DataFrame, *, coder: str | None = None, confidence: float = 0.95) -> CodingResult:
    """Precision, recall and agreement from a coded sheet (the output of :func:`read_coded`).

    Parameters
    ----------
    coded : DataFrame
        From :func:`read_coded`.
    coder : str, optional
        The code column used for precision and recall. Default: ``code`` when present (with two
        coders, put the adjudicated code there), else the first of ``code_1``, ``code_2``, ...
    confidence : float, default 0.95

    Returns
    -------
    CodingResult
        Precision tables by entry (category, entry), category (with top-level roll-ups), outlet,
        outlet x category and outlet x entry; ``overall`` precision; ``recall``: ``miss_rate``
        (with its Wilson interval), ``nonmatch_sentences`` (U), ``sampled``, ``estimated_true_matches``,
        ``estimated_missed``, ``recall`` with ``low``/``high`` (see the module docstring);
        ``agreement``: Cohen's kappa, Krippendorff's alpha (nominal) and percent agreement between the
        first two coder columns, overall and for matches and sentences separately.

    Each coded match carries the weight ``stratum_size / coded rows of its stratum``, so strata drawn
    with different sampling rates are combined correctly; with unequal weights the interval is the
    Wilson interval on Kish's effective sample size ``(sum w)^2 / sum w^2``.
    """
    code_cols = coded.attrs.get("code_columns") or [c for c in coded.columns if _CODE_COL.match(str(c))]
    if not code_cols:
        raise ValueError("no code column in the coded table: read it with read_coded()")
    if coder is None:
        coder = "code" if "code" in code_cols else code_cols[0]
    if coder not in coded.columns:
        raise ValueError(f"no code column {coder!r} (columns: {code_cols})")
    notes = []
    if len(code_cols) > 1 and coder != "code":
        notes.append(f"precision and recall use {coder}; adjudicate disagreements into a 'code' column")
    rows = coded[coded[coder].notna()].copy()
    rows[coder] = rows[coder].astype(int)
    mrows = rows[rows["kind"] == "match"].copy()
    coded_per_stratum = mrows.groupby("stratum")["id"].transform("count")
    mrows["_w"] = mrows["stratum_size"].astype(float) / coded_per_stratum.astype(float)

    by_entry = _table(mrows, ["category", "entry"], coder, confidence)
    by_category = _table(_with_rollups(mrows), ["category"], coder, confidence) if len(mrows) else _table(mrows, ["category"], coder, confidence)
    by_outlet = _table(mrows, ["outlet"], coder, confidence)
    by_outlet_category = _table(_with_rollups(mrows), ["outlet", "category"], coder, confidence) if len(mrows) else _table(mrows, ["outlet", "category"], coder, confidence)
    by_outlet_entry = _table(mrows, ["outlet", "category", "entry"], coder, confidence)
    overall = _estimate(mrows[coder].to_numpy(float), mrows["_w"].to_numpy(float), confidence)

    recall = _recall(rows[rows["kind"] == "nonmatch"], overall, coder, confidence, notes)
    agreement = _agreement(coded, code_cols)
    return CodingResult(by_entry, by_category, by_outlet, by_outlet_category, by_outlet_entry,
                        overall, recall, agreement, coder, confidence, notes)


def _recall(nrows: pd.DataFrame, overall: dict, coder: str, confidence: float, notes: list) -> dict:
    """Recall of the lexicon estimated from the coded non-match sample ``nrows`` and the overall precision.

    Appends a note to ``notes`` when no non-matching sentence was coded (every estimate is then NaN).
    """
    from analysis.validate.metrics import wilson_interval

    recall = {"nonmatch_sentences": None, "sampled": len(nrows), "missed_in_sample": None,
              "miss_rate": math.nan, "miss_low": math.nan, "miss_high": math.nan,
              "estimated_true_matches": overall.get("matches", 0.0) * overall["precision"]
              if overall["n_coded"] else math.nan,
              "estimated_missed": math.nan, "recall": math.nan, "low": math.nan, "high": math.nan}
    if not len(nrows):
        notes.append("no non-matching sentences were coded: recall cannot be estimated")
        return recall
    U = int(nrows["stratum_size"].iloc[0])
    k = int(nrows[coder].sum())
    miss = k / len(nrows)
    m_lo, m_hi = wilson_interval(k, len(nrows), confidence)
    total = overall["matches"] if overall["n_coded"] else 0.0
    tp = total * overall["precision"] if overall["n_coded"] else 0.0
    tp_lo = total * overall["low"] if overall["n_coded"] else 0.0
    tp_hi = total * overall["high"] if overall["n_coded"] else 0.0

    def rec(t, f):
        return t / (t + f) if (t + f) > 0 else math.nan

    recall.update({
        "nonmatch_sentences": U, "missed_in_sample": k, "miss_rate": miss, "miss_low": m_lo,
        "miss_high": m_hi, "estimated_true_matches": tp, "estimated_missed": miss * U,
        "recall": rec(tp, miss * U), "low": rec(tp_lo, m_hi * U), "high": rec(tp_hi, m_lo * U),
    })
    return recall


def _agreement(coded: pd.DataFrame, code_cols: list) -> dict:
    """Agreement between the first two coder columns (not ``code``): all rows, matches, sentences."""
    from analysis.validate.metrics import cohen_kappa, krippendorff_alpha

    agreement = {}
    pair = [c for c in code_cols if c != "code"][:2]
    if len(pair) == 2:
        both = coded[coded[pair[0]].notna() & coded[pair[1]].notna()]
        for label, part in (("all", both), ("match", both[both["kind"] == "match"]),
                            ("nonmatch", both[both["kind"] == "nonmatch"])):
            if len(part) == 0:
                continue
            a, b = part[pair[0]].astype(int).tolist(), part[pair[1]].astype(int).tolist()
            agreement[label] = {
                "coders": pair,
                "n_items": len(a),
                "percent_agreement": float(np.mean(np.asarray(a) == np.asarray(b))),
                "cohen_kappa": cohen_kappa(a, b),
                "krippendorff_alpha": krippendorff_alpha([a, b]) if len(a) > 1 else math.nan,
            }
    return agreement


def corrected_rates(result: CodingResult, summary: pd.DataFrame, *, keep_uncoded: bool = False) -> pd.DataFrame:
    """Rates per outlet and category multiplied by the precision measured for that outlet.

    Parameters
    ----------
    result : CodingResult
        From :func:`evaluate_coding`.
    summary : DataFrame
        ``ScoreResult.summary`` (``outlet``, ``category``, ``rate_per_1k``, ``matches``) of the corpus
        the sample was drawn from.

    Returns
    -------
    DataFrame
        ``outlet``, ``category``, ``rate_per_1k`` (as measured), ``precision``, ``low``, ``high``
        (for that outlet and category), ``corrected_rate`` = ``rate_per_1k * precision`` and its
        bounds ``corrected_low``, ``corrected_high``, and ``n_coded`` (and ``documents`` when the summary
        has it). Outlet x category cells with no coded match have no precision to apply: they are left
        out, or, with ``keep_uncoded``, kept with NaN precision and corrected rate and ``n_coded`` 0 (so a
        figure can show them as "not coded" instead of dropping them).
    """
    need = {"outlet", "category", "rate_per_1k"}
    if not need <= set(summary.columns):
        raise ValueError(f"summary needs columns {sorted(need)}: pass ScoreResult.summary")
    prec = result.by_outlet_category
    if prec.empty:
        return pd.DataFrame(columns=["outlet", "category", "rate_per_1k", "precision", "low", "high",
                                     "corrected_rate", "corrected_low", "corrected_high", "n_coded"])
    keep = ["outlet", "category", "rate_per_1k"] + (["documents"] if "documents" in summary.columns else [])
    merged = summary[keep].merge(
        prec[["outlet", "category", "precision", "low", "high", "n_coded"]], on=["outlet", "category"],
        how="left" if keep_uncoded else "inner",
    )
    merged["n_coded"] = merged["n_coded"].fillna(0).astype(int)
    merged["corrected_rate"] = merged["rate_per_1k"] * merged["precision"]
    merged["corrected_low"] = merged["rate_per_1k"] * merged["low"]
    merged["corrected_high"] = merged["rate_per_1k"] * merged["high"]
    return merged.sort_values(["category", "outlet"], kind="mergesort").reset_index(drop=True)


def check_sheet_corpus(coded: pd.DataFrame, corpus: pd.DataFrame, path="coded sheet") -> None:
    """Refuse a coded sheet that was not drawn from ``corpus`` (its rows must point into it).

    Every row's ``doc_id`` must be a document of the corpus, and every match row's ``match`` text must
    be what the corpus holds at ``start:end``; otherwise the precision would be measured on another
    corpus and applied to this one.

    Raises
    ------
    ValueError
        Naming the sheet, how many rows do not fit, the first of them, and how to draw a sheet from
        this corpus.
    """
    how = ("draw a sheet from this corpus (python -m analysis code sample CORPUS --lexicon NAME --out "
           "sheet.csv), code it and give that")
    texts = dict(zip(corpus["doc_id"].astype(str), corpus["text"]))
    ids = coded["doc_id"].astype(str)
    unknown = coded[~ids.isin(texts)]
    if len(unknown):
        first = unknown.iloc[0]
        raise ValueError(f"{path}: {len(unknown)} of {len(coded)} rows refer to doc_ids not in the corpus (first: "
                         f"row {first['id']}, doc_id {first['doc_id']!r}): this sheet was drawn from another "
                         f"corpus; {how}")
    m = coded[coded["kind"] == "match"]
    if {"start", "end", "match"} <= set(m.columns) and len(m):
        bad = [r for r in m.itertuples(index=False)
               if texts[str(r.doc_id)][int(r.start):int(r.end)] != str(r.match)]
        if bad:
            raise ValueError(f"{path}: {len(bad)} of {len(m)} match rows do not match the corpus text at their "
                             f"offsets (first: row {bad[0].id}, {bad[0].match!r}): the sheet comes from another "
                             f"version of this corpus; {how}")


def coded_to_gold(coded: pd.DataFrame, corpus: pd.DataFrame, *, coder: str | None = None) -> pd.DataFrame:
    """Turn a coded sheet into gold sentences (the shape of :mod:`analysis.validate.corpora`).

    Every sentence that holds a coded row becomes one row: ``label`` is true when a match in it was
    coded 1 or the sentence was a non-match coded 1 (a missed instance); ``cues`` are the spans of
    the matches coded 1, relative to the sentence. Sentences whose matches were all coded 0 are
    negatives. The result feeds :func:`~analysis.validate.induction.induce_cues` and
    :func:`~analysis.validate.learn.train`, so a team's own coding becomes training data.
    """
    from analysis.text.tokenize import sentence_paragraph_spans

    code_cols = coded.attrs.get("code_columns") or [c for c in coded.columns if _CODE_COL.match(str(c))]
    coder = coder or ("code" if "code" in code_cols else code_cols[0])
    texts = dict(zip(corpus["doc_id"], corpus["text"]))
    spans_of = {}
    rows: dict[tuple, dict] = {}
    for r in coded[coded[coder].notna()].itertuples(index=False):
        r = r._asdict()
        doc = r["doc_id"]
        if doc not in texts:
            raise ValueError(f"coded row {r['id']!r} refers to doc_id {doc!r}, which is not in the corpus")
        if doc not in spans_of:
            spans_of[doc] = sentence_paragraph_spans(texts[doc])
        i = int(r["sentence"])
        a, b, _ = spans_of[doc][i]
        key = (doc, i)
        row = rows.setdefault(key, {"doc_id": doc, "sentence_id": i, "text": texts[doc][a:b],
                                    "label": False, "cues": [], "outlet": r.get("outlet", "")})
        if int(r[coder]) == 1:
            row["label"] = True
            if r["kind"] == "match":
                s, e = int(r["start"]) - a, int(r["end"]) - a
                row["cues"].append((s, e, row["text"][s:e], str(r["category"])))
    out = pd.DataFrame(list(rows.values()), columns=["doc_id", "sentence_id", "text", "label", "cues", "outlet"])
    out["cues"] = [sorted(c) for c in out["cues"]]
    return out.sort_values(["doc_id", "sentence_id"], kind="mergesort").reset_index(drop=True)
