"""Evaluation metrics for checking framing measures against gold labels and coders.

Sentence-level precision, recall and F1 for the positive class (:func:`prf`),
cue-level scores over character spans (:func:`span_prf`), Wilson score
intervals for proportions (:func:`wilson_interval`), and inter-coder agreement
(:func:`cohen_kappa`, :func:`krippendorff_alpha`, both computed with NLTK's
``AnnotationTask``, which needs no NLTK data). Inputs are plain sequences or
pandas objects; every function returns plain Python numbers so results can be
written straight to JSON.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["cohen_kappa", "krippendorff_alpha", "prf", "span_prf", "wilson_interval"]


def _safe_div(num: float, den: float) -> float:
    return float(num) / den if den else 0.0


def _scores(tp: int, fp: int, fn: int, n: int) -> dict:
    precision = _safe_div(tp, tp + fp)
    recall = _safe_div(tp, tp + fn)
    f1 = _safe_div(2 * precision * recall, precision + recall)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": int(tp),
        "fp": int(fp),
        "fn": int(fn),
        "n": int(n),
    }


def _as_binary(values, name: str) -> np.ndarray:
    if isinstance(values, str):
        raise ValueError(  # noqa: TRY004 - the project refuses bad input with ValueError
            f"{name}: a sequence of 0/1 or bool labels expected, got a string"
        )
    arr = np.asarray(pd.Series(list(values), dtype=object))
    out = np.empty(len(arr), dtype=bool)
    for i, v in enumerate(arr):
        if isinstance(v, (bool, np.bool_)) or (
            isinstance(v, (int, np.integer, float, np.floating)) and v in (0, 1)
        ):
            out[i] = bool(v)
        else:
            raise ValueError(f"{name}[{i}] = {v!r}: labels must be bool or 0/1")
    return out


def prf(y_true, y_pred) -> dict:
    """Precision, recall and F1 of the positive class.

    Parameters
    ----------
    y_true, y_pred : sequences of bool or 0/1, same length
        Gold and predicted labels (e.g. "sentence is uncertain").

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1`` (floats), ``tp``, ``fp``, ``fn`` and
        ``n`` (number of items). A ratio whose denominator is zero (no
        predicted positives, no gold positives, or P = R = 0) is defined as
        0.0, never NaN, so empty slices of a corpus do not poison averages;
        check ``tp + fp`` and ``tp + fn`` when that distinction matters.

    Examples
    --------
    >>> r = prf([1, 1, 0, 0], [1, 0, 1, 0])
    >>> r["precision"], r["recall"], r["f1"], r["tp"], r["fp"], r["fn"], r["n"]
    (0.5, 0.5, 0.5, 1, 1, 1, 4)
    """
    t = _as_binary(y_true, "y_true")
    p = _as_binary(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"y_true has {len(t)} labels but y_pred has {len(p)}")
    tp = int(np.sum(t & p))
    fp = int(np.sum(~t & p))
    fn = int(np.sum(t & ~p))
    return _scores(tp, fp, fn, len(t))


def _wilson_formula(successes: int, n: int, confidence: float) -> tuple[float, float]:
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Uses ``statsmodels.stats.proportion.proportion_confint(method="wilson")``
    when statsmodels imports, else the same closed formula. Unlike the normal
    ("Wald") interval it stays inside [0, 1] and behaves at 0 and n successes,
    which matters for rare framing devices.

    Parameters
    ----------
    successes : int
        Number of successes, ``0 <= successes <= n``.
    n : int
        Number of trials. ``n == 0`` returns ``(nan, nan)``: there is no
        information about the proportion.
    confidence : float, default 0.95
        Two-sided coverage, strictly between 0 and 1.

    Examples
    --------
    >>> low, high = wilson_interval(81, 263)  # Newcombe (1998), Table I
    >>> round(low, 4), round(high, 4)
    (0.2553, 0.3662)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    if int(n) != n or int(successes) != successes:
        raise ValueError(f"successes and n must be whole numbers, got {successes!r} and {n!r}")
    successes, n = int(successes), int(n)
    if n < 0 or not 0 <= successes <= max(n, 0):
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    try:
        from statsmodels.stats.proportion import proportion_confint
    except ImportError:  # pragma: no cover - statsmodels is a core dependency
        return _wilson_formula(successes, n, confidence)
    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    return float(max(0.0, low)), float(min(1.0, high))


def _check_spans(spans, where: str) -> list[tuple[int, int]]:
    out = []
    for span in spans:
        try:
            start, end = int(span[0]), int(span[1])
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"{where}: {span!r} is not a (start, end, ...) span") from None
        if end <= start:
            raise ValueError(f"{where}: span {span!r} is empty or reversed (end <= start)")
        out.append((start, end))
    return out


def _max_matching(gold: list[tuple[int, int]], pred: list[tuple[int, int]]) -> int:
    """Size of a maximum one-to-one matching between overlapping spans (Kuhn's algorithm)."""
    adj = [[j for j, g in enumerate(gold) if max(p[0], g[0]) < min(p[1], g[1])] for p in pred]
    match_of_gold: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in adj[i]:
            if j not in seen:
                seen.add(j)
                if j not in match_of_gold or augment(match_of_gold[j], seen):
                    match_of_gold[j] = i
                    return True
        return False

    return sum(augment(i, set()) for i in range(len(pred)))


def span_prf(
    gold_spans: Sequence[Sequence], pred_spans: Sequence[Sequence], mode: str = "exact"
) -> dict:
    """Cue-level precision, recall and F1 over character spans.

    Parameters
    ----------
    gold_spans, pred_spans : sequences of span lists, same length
        One list per sentence (or document); each span is a tuple whose first
        two items are ``start`` and ``end`` (so the ``cues`` column of the
        corpus loaders can be passed as is). Spans are only compared within
        the same sentence.
    mode : {"exact", "overlap"}
        ``"exact"``: a predicted span is correct when a gold span has the same
        start and end. ``"overlap"``: when they share at least one character.
        In both modes a gold span is credited to at most one predicted span
        and vice versa (a maximum one-to-one matching), so ``tp + fn`` is the
        number of gold spans and ``tp + fp`` the number of predicted ones.

    Returns
    -------
    dict
        As :func:`prf`; ``n`` is the number of sentences. 0/0 is 0.0.

    Examples
    --------
    >>> gold = [[(0, 3, "may", "speculation")], [(5, 12)]]
    >>> pred = [[(0, 3)], [(5, 9), (20, 25)]]
    >>> span_prf(gold, pred)["tp"], span_prf(gold, pred, mode="overlap")["tp"]
    (1, 2)
    """
    if mode not in ("exact", "overlap"):
        raise ValueError(f"mode must be 'exact' or 'overlap', got {mode!r}")
    gold_spans, pred_spans = list(gold_spans), list(pred_spans)
    if len(gold_spans) != len(pred_spans):
        raise ValueError(
            f"gold_spans has {len(gold_spans)} sentences but pred_spans has {len(pred_spans)}"
        )
    tp = fp = fn = 0
    for i, (g_raw, p_raw) in enumerate(zip(gold_spans, pred_spans)):
        g = _check_spans(g_raw, f"gold_spans[{i}]")
        p = _check_spans(p_raw, f"pred_spans[{i}]")
        if mode == "exact":
            matched = sum((Counter(g) & Counter(p)).values())
        else:
            matched = _max_matching(g, p)
        tp += matched
        fp += len(p) - matched
        fn += len(g) - matched
    return _scores(tp, fp, fn, len(gold_spans))


def _is_missing(v) -> bool:
    if v is None or v is pd.NA:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Cohen's kappa for two coders who labelled the same items.

    Computed with ``nltk.metrics.agreement.AnnotationTask.kappa``: chance
    agreement uses each coder's own label distribution (Cohen), not the pooled
    one (Scott's pi).

    Parameters
    ----------
    a, b : sequences of hashable labels, same length, no missing values
        ``a[i]`` and ``b[i]`` are the two codes of item ``i``.

    Returns
    -------
    float
        Kappa; NaN when it is undefined (both coders used one and the same
        label for every item, so chance agreement is 1).

    Examples
    --------
    >>> # 50 items: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no (Wikipedia example)
    >>> a = ["yes"] * 25 + ["no"] * 25
    >>> b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    >>> round(cohen_kappa(a, b), 3)
    0.4
    """
    from nltk.metrics.agreement import AnnotationTask

    a, b = list(a), list(b)
    if len(a) != len(b):
        raise ValueError(f"coder a has {len(a)} labels but coder b has {len(b)}")
    if not a:
        raise ValueError("cohen_kappa needs at least one item")
    for name, seq in (("a", a), ("b", b)):
        for i, v in enumerate(seq):
            if _is_missing(v):
                raise ValueError(
                    f"{name}[{i}] is missing: Cohen's kappa needs complete pairs "
                    "(use krippendorff_alpha for data with gaps)"
                )
    if len(set(a) | set(b)) == 1:  # chance agreement is 1: 0/0 (NLTK would return 1.0)
        return math.nan
    task = AnnotationTask(
        [("a", i, v) for i, v in enumerate(a)] + [("b", i, v) for i, v in enumerate(b)]
    )
    try:
        return float(task.kappa())
    except ZeroDivisionError:
        return math.nan


def krippendorff_alpha(data, level: str = "nominal") -> float:
    """Krippendorff's alpha for any number of coders, with missing values.

    Parameters
    ----------
    data : 2-D array-like or DataFrame, shape (coders, units)
        Reliability data as Krippendorff lays it out: one row per coder, one
        column per unit. ``None``, ``NaN`` and ``pd.NA`` mark a unit the coder
        did not code. Units with fewer than two values are not pairable and
        are ignored, as in Krippendorff's definition.
    level : {"nominal", "interval"}
        Metric: nominal (labels equal or not) or interval (squared
        difference; labels must be numbers).

    Returns
    -------
    float
        Alpha, computed with ``nltk.metrics.agreement.AnnotationTask.alpha``.
        NaN when all pairable values are identical (expected disagreement is
        0, so alpha is undefined; NLTK itself would return 1).

    Examples
    --------
    >>> # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal example
    >>> nan = None
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(krippendorff_alpha(data), 3)
    0.743
    """
    from nltk.metrics.agreement import AnnotationTask
    from nltk.metrics.distance import binary_distance, interval_distance

    distances = {"nominal": binary_distance, "interval": interval_distance}
    if level not in distances:
        raise ValueError(f"level must be one of {sorted(distances)}, got {level!r}")
    if isinstance(data, pd.DataFrame):
        rows = [list(r) for r in data.itertuples(index=False)]
    else:
        if isinstance(data, (str, bytes)):
            raise ValueError(  # noqa: TRY004 - the project refuses bad input with ValueError
                "data must be a 2-D (coders x units) array, got a string"
            )
        rows = [list(r) for r in data]
    if len(rows) < 2:
        raise ValueError(f"need at least two coders (rows), got {len(rows)}")
    width = {len(r) for r in rows}
    if len(width) != 1:
        raise ValueError(
            f"every coder (row) needs the same number of units, got lengths {sorted(width)}"
        )
    triples = []
    for c, row in enumerate(rows):
        for u, v in enumerate(row):
            if _is_missing(v):
                continue
            if level == "interval" and not isinstance(v, (int, float, np.integer, np.floating)):
                raise ValueError(f"data[{c}][{u}] = {v!r}: interval alpha needs numbers")
            triples.append((c, u, v.item() if isinstance(v, np.generic) else v))
    per_unit = Counter(u for _, u, _ in triples)
    pairable = {u for u, k in per_unit.items() if k >= 2}
    if not pairable:
        raise ValueError("no unit was coded by two or more coders: alpha is undefined")
    if len({v for _, u, v in triples if u in pairable}) < 2:
        return math.nan
    return float(AnnotationTask(triples, distance=distances[level]).alpha())
