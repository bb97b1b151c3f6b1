"""The hand-coded news set: PolNeAR train sentences coded for the codebook's uncertainty categories.

The project ships only *pointers and codes* (``data/coding/polnear_uncertainty.csv``): the PolNeAR file
name, the character offsets of each sentence and of each coded cue, and the codes with the coder.
The sentence text is read from a local PolNeAR copy (for developers ``../shared/data/polnear``), so
the news text, which belongs to its publishers, is never redistributed.

* :func:`draw_sample` draws the sentences to code (reproducible: a fixed seed): PolNeAR train
  articles are split by document into a ``dev`` part (tuning) and a ``test`` part (reporting only);
  in each part a uniform random sample of sentences (the natural mix of news sentences) is drawn,
  plus a supplement stratified by the rarest candidate cue a sentence holds (a hedging-lexicon entry
  or a word from :data:`EXTRA_CANDIDATES`), so rare cues and near-misses appear.
* :func:`load_news_set` joins the shipped codes with the text and returns the gold-table shape of
  :mod:`analysis.validate.corpora` (``doc_id, sentence_id, text, label, cues`` plus ``outlet``,
  ``part``, ``draw``, ``weight``, ``categories``) so every evaluation and training function takes it.

Codes are sets of the codebook's hedging categories (``docs/codebook.md``). ``label`` is the
codebook's "uncertain" mapping: any of modal, epistemic_verb, evidential, possibility or conditional
(approximators are coded but not mapped, as in :data:`~analysis.validate.lexicon_accuracy.UNCERTAIN_CATEGORIES`).
"""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths

__all__ = [
    "CATEGORY_CODES",
    "CODED_FILE",
    "CODER_B_FILE",
    "EXTRA_CANDIDATES",
    "NEWS_MODEL",
    "NEWS_SPLIT_SEED",
    "agreement",
    "codes_sha256",
    "draw_sample",
    "load_codes",
    "load_news_model",
    "load_news_set",
    "polnear_sentences",
    "train_news_model",
    "uncertain_cues",
]

#: One letter per coded category, as written in the coding passes (``0`` = none).
CATEGORY_CODES = {
    "M": "hedging.modal",
    "E": "hedging.epistemic_verb",
    "V": "hedging.evidential",
    "P": "hedging.possibility",
    "A": "hedging.approximator",
    "C": "hedging.conditional",
}
#: The categories whose presence makes a sentence "uncertain" (the codebook's mapping).
UNCERTAIN = ("hedging.modal", "hedging.epistemic_verb", "hedging.evidential", "hedging.possibility",
             "hedging.conditional")
#: Seed of the document split and of every draw.
NEWS_SPLIT_SEED = 20261202
#: Words that are not lexicon entries but could be hedges or near-misses; used only to stratify the
#: sample (so the coder sees them), never as codes.
EXTRA_CANDIDATES = (
    "would", "can", "should", "must", "claim", "claims", "claimed", "alleged", "allegedly", "estimate",
    "estimates", "predict", "predicted", "chance", "chances", "risk", "fear", "fears", "hope", "hopes",
    "doubt", "doubts", "question", "wonder", "guess", "unknown", "sources", "according", "poll",
    "polls", "certainly", "clearly", "definitely", "surely", "intend", "plans", "rumor", "supposed",
    "assumption", "hypothetical", "projected", "odds", "seemed", "appeared", "appears", "suggestion",
    "possibly", "might", "perhaps", "believed", "thinks", "felt", "feel", "suspicion", "speculation",
)

#: The shipped codes (pointers and codes only, never text), in the repository's ``data/coding`` (resolved
#: by :mod:`analysis.paths`: absent from an installed wheel unless ``MFA_PROJECT_ROOT`` points at a clone).
CODED_FILE = paths.DATA_DIR / "coding" / "polnear_uncertainty.csv"
#: The second, independent coding pass of a subset of hard sentences.
CODER_B_FILE = paths.DATA_DIR / "coding" / "polnear_uncertainty_coder_b.csv"

#: The shipped news model (:func:`train_news_model` on the dev part; docs/validation.md). It holds no
#: text n-grams: lexicon features (our lexicon), induced single-word cues with their precision on the
#: dev part, and weights.
NEWS_MODEL = paths.PACKAGE_DIR / "models" / "hedging-news.json"

_MIN_WORDS = 4


def polnear_sentences(root) -> pd.DataFrame:
    """Every sentence of the PolNeAR **train** articles, split with the project's tokenizer.

    Parameters
    ----------
    root : path
        The PolNeAR root (``metadata.tsv``, ``train/text/*.txt``).

    Returns
    -------
    DataFrame
        ``file`` (text file name), ``doc_id``, ``outlet``, ``sentence`` (0-based index), ``start``,
        ``end`` (offsets into the file's text), ``n_words``, ``text``.
    """
    from analysis.text.tokenize import tokenize

    from .corpora import load_polnear_articles

    arts = load_polnear_articles(root, "train")
    rows = []
    for doc_id, outlet, text in arts[["doc_id", "outlet", "text"]].itertuples(index=False):
        for i, s in enumerate(tokenize(text).sentences):
            n_words = sum(t.kind in ("word", "num") for t in s.tokens)
            rows.append((f"{doc_id}.txt", doc_id, outlet, i, s.start, s.end, n_words, text[s.start:s.end]))
    return pd.DataFrame(rows, columns=["file", "doc_id", "outlet", "sentence", "start", "end", "n_words", "text"])


def _split_docs(docs, seed, test_share):
    docs = np.array(sorted(set(docs)))
    perm = np.random.default_rng(seed).permutation(len(docs))
    n_test = round(len(docs) * test_share)
    return set(docs[perm[n_test:]]), set(docs[perm[:n_test]])


def _candidates(texts) -> list[list[str]]:
    from analysis.measure.matching import Matcher
    from analysis.text.tokenize import word_tokens

    matcher = Matcher("hedging")
    extra = set(EXTRA_CANDIDATES)
    out = []
    for text in texts:
        keys = {f"{m.category}:{m.entry}" for m in matcher.match(text).matches}
        keys |= {f"word:{w}" for w in word_tokens(text) if w in extra}
        out.append(sorted(keys))
    return out


def draw_sample(root, *, n_uniform=(560, 280), cap=(5, 2), test_share=0.3, seed=NEWS_SPLIT_SEED) -> pd.DataFrame:
    """Draw the sentences to code from PolNeAR train (reproducible).

    Parameters
    ----------
    root : path
        PolNeAR root.
    n_uniform : (int, int)
        Uniformly drawn sentences in the dev and the test part.
    cap : (int, int)
        Supplement: at most this many further sentences per candidate-cue stratum in dev and test.
    test_share : float
        Share of documents in the test part.
    seed : int

    Returns
    -------
    DataFrame
        One row per drawn sentence: the columns of :func:`polnear_sentences` plus ``part``
        (``dev``/``test``), ``draw`` (``uniform`` or ``cue``), ``stratum`` (the sentence's rarest
        candidate key, or ``none``), ``stratum_size`` (sentences of the part in that stratum),
        ``weight`` (the inverse of the sentence's probability of being drawn by either draw: a
        Horvitz-Thompson weight, so weighted means estimate the whole part).
    """
    sents = polnear_sentences(root)
    sents = sents[sents["n_words"] >= _MIN_WORDS].reset_index(drop=True)
    _dev_docs, test_docs = _split_docs(sents["doc_id"], seed, test_share)
    sents["part"] = np.where(sents["doc_id"].isin(test_docs), "test", "dev")
    sents["candidates"] = _candidates(sents["text"].tolist())
    rng = np.random.default_rng(seed)
    frames = []
    for part, n_u, c in (("dev", n_uniform[0], cap[0]), ("test", n_uniform[1], cap[1])):
        pool = sents[sents["part"] == part]
        if pool.empty:
            continue
        # stratum of a sentence = its rarest candidate key in this part (ties: alphabetical), "" = none
        freq = pd.Series([k for ks in pool["candidates"] for k in ks], dtype=object).value_counts()
        pool = pool.assign(stratum=[min(ks, key=lambda k: (freq[k], k)) if ks else "" for ks in pool["candidates"]])
        uni_idx = rng.choice(pool.index.to_numpy(), size=min(n_u, len(pool)), replace=False)
        p_uni = len(uni_idx) / len(pool)
        uni = pool.loc[np.sort(uni_idx)].assign(draw="uniform")
        rest = pool.drop(index=uni_idx)
        rest = rest[rest["stratum"] != ""]
        p_cue = {}
        sup = []
        for key, grp in rest.groupby("stratum", sort=True):
            take = rng.choice(grp.index.to_numpy(), size=min(c, len(grp)), replace=False)
            p_cue[key] = len(take) / len(grp)
            sup.append(grp.loc[np.sort(take)].assign(draw="cue"))
        drawn = pd.concat([uni, *sup])
        size = pool["stratum"].value_counts()
        drawn["stratum_size"] = [int(size[k]) for k in drawn["stratum"]]
        # inclusion probability over both draws (conditional on the uniform draw for the supplement)
        incl = [p_uni + (1 - p_uni) * p_cue.get(k, 0.0) for k in drawn["stratum"]]
        drawn["weight"] = 1.0 / np.asarray(incl)
        drawn["stratum"] = drawn["stratum"].replace("", "none")
        frames.append(drawn)
    out = pd.concat(frames, ignore_index=True)
    return out.drop(columns=["candidates"]).sort_values(["part", "file", "start"], ignore_index=True)


def _parse_cue_spans(value: str, where: str):
    spans = []
    for item in filter(None, (value or "").split(";")):
        try:
            letter, rng_ = item.split(":")
            a, b = (int(x) for x in rng_.split("-"))
        except ValueError:
            raise ValueError(f"{where}: cue {item!r} is not LETTER:START-END") from None
        if letter not in CATEGORY_CODES or not 0 <= a < b:
            raise ValueError(f"{where}: cue {item!r} has an unknown category or an empty span")
        spans.append((letter, a, b))
    return spans


def load_codes(path=CODED_FILE) -> pd.DataFrame:
    """Read a shipped codes file (no text), checking every row.

    Returns
    -------
    DataFrame
        ``file, start, end, part, outlet, draw, stratum, stratum_size, weight, coder, codes, cues``
        with ``codes`` a str of category letters (``""`` for none) and ``cues`` a list of
        ``(letter, start, end)`` offsets into the file's text.
    """
    path = Path(path)
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    need = ["file", "start", "end", "part", "outlet", "draw", "stratum", "stratum_size", "weight", "coder",
            "codes", "cues"]
    if not rows or any(c not in rows[0] for c in need):
        raise ValueError(f"{path}: expected columns {need}")
    out, seen = [], set()
    for line, r in enumerate(rows, start=2):
        where = f"{path}:{line}"
        codes = r["codes"].strip()
        codes = "" if codes == "0" else codes
        if any(ch not in CATEGORY_CODES for ch in codes):
            raise ValueError(f"{where}: unknown code {r['codes']!r} (letters {''.join(CATEGORY_CODES)} or 0)")
        key = (r["file"], int(r["start"]))
        if key in seen:
            raise ValueError(f"{where}: sentence {r['file']}:{r['start']} coded twice")
        seen.add(key)
        cues = _parse_cue_spans(r["cues"], where)
        out.append({**r, "start": int(r["start"]), "end": int(r["end"]), "stratum_size": int(r["stratum_size"]),
                    "weight": float(r["weight"]), "codes": "".join(sorted(set(codes))), "cues": cues})
    return pd.DataFrame(out, columns=need)


def load_news_set(root, part: str = "dev", path=CODED_FILE) -> pd.DataFrame:
    """The coded news sentences with their text read from a local PolNeAR copy.

    Parameters
    ----------
    root : path
        PolNeAR root (``../shared/data/polnear``).
    part : {"dev", "test", "all"}
        ``dev`` may be used for tuning; ``test`` only for reporting.
    path : path
        The codes file.

    Returns
    -------
    DataFrame
        ``doc_id, sentence_id, text, label, cues`` (cue offsets relative to the sentence, as the
        other loaders) plus ``outlet, part, draw, stratum, weight, categories`` (tuple of category
        names coded in the sentence) and ``coder``.

    Raises
    ------
    ValueError
        A codes row whose offsets do not fit the text file (a different PolNeAR version), naming the
        codes file and line.
    """
    if part not in ("dev", "test", "all"):
        raise ValueError(f"part must be 'dev', 'test' or 'all', got {part!r}")
    from .corpora import load_polnear_articles

    codes = load_codes(path)
    texts = dict(zip(load_polnear_articles(root, "train")["doc_id"].map(lambda d: f"{d}.txt"),
                     load_polnear_articles(root, "train")["text"]))
    rows = []
    for line, r in enumerate(codes.itertuples(index=False), start=2):
        if part != "all" and r.part != part:
            continue
        text = texts.get(r.file)
        if text is None or r.end > len(text):
            raise ValueError(f"{path}:{line}: {r.file} offsets {r.start}-{r.end} do not fit the PolNeAR text")
        sent = text[r.start:r.end]
        cues = []
        for letter, a, b in r.cues:
            if not (r.start <= a < b <= r.end):
                raise ValueError(f"{path}:{line}: cue {a}-{b} lies outside the sentence {r.start}-{r.end}")
            cues.append((a - r.start, b - r.start, text[a:b], CATEGORY_CODES[letter]))
        cats = tuple(CATEGORY_CODES[c] for c in r.codes)
        rows.append({
            "doc_id": r.file[:-4], "sentence_id": f"{r.file[:-4]}:{r.start}", "text": sent,
            "label": any(c in UNCERTAIN for c in cats), "cues": cues, "outlet": r.outlet, "part": r.part,
            "draw": r.draw, "stratum": r.stratum, "weight": r.weight, "categories": cats, "coder": r.coder,
        })
    return pd.DataFrame(rows, columns=["doc_id", "sentence_id", "text", "label", "cues", "outlet", "part", "draw",
                                       "stratum", "weight", "categories", "coder"])


def codes_sha256(path=CODED_FILE) -> str:
    """SHA-256 of the codes file (recorded with every figure computed from it)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def agreement(path_a=CODED_FILE, path_b=CODER_B_FILE) -> pd.DataFrame:
    """Agreement between the first coding and the second, independent pass over the same sentences.

    Parameters
    ----------
    path_a, path_b : path
        Two codes files; ``path_b`` covers a subset of ``path_a`` (the double-coded sentences).

    Returns
    -------
    DataFrame
        One row for the sentence label (``uncertain``, the codebook mapping) and one per category:
        ``measure, n, agree`` (share of sentences coded alike), ``kappa`` (Cohen's), ``positive_a``,
        ``positive_b`` (sentences each pass coded positive).
    """
    from .metrics import cohen_kappa

    a = load_codes(path_a)
    b = load_codes(path_b)
    key_a = {(f, s): c for f, s, c in zip(a["file"], a["start"], a["codes"])}
    missing = [(f, s) for f, s in zip(b["file"], b["start"]) if (f, s) not in key_a]
    if missing:
        raise ValueError(f"{path_b}: {len(missing)} sentence(s) are not in {path_a}, e.g. {missing[0]}")
    ca = [key_a[(f, s)] for f, s in zip(b["file"], b["start"])]
    cb = list(b["codes"])
    unc = {k for k, v in CATEGORY_CODES.items() if v in UNCERTAIN}
    rows = []
    measures = [("uncertain", lambda c: bool(set(c) & unc))]
    measures += [(name, lambda c, k=k: k in c) for k, name in CATEGORY_CODES.items()]
    for name, fn in measures:
        xa = [fn(c) for c in ca]
        xb = [fn(c) for c in cb]
        rows.append({"measure": name, "n": len(xa), "agree": float(np.mean([x == y for x, y in zip(xa, xb)])),
                     "kappa": cohen_kappa(xa, xb), "positive_a": int(sum(xa)), "positive_b": int(sum(xb))})
    return pd.DataFrame(rows)


def uncertain_cues(news: pd.DataFrame) -> pd.DataFrame:
    """The news set with only the cues of the "uncertain" categories (approximator cues dropped).

    Cue induction learns from annotated cues; an approximator cue ("about 300") in a sentence labelled
    certain would teach it that "about" is a cue that is never uncertain.
    """
    return news.assign(cues=[[c for c in cues if c[3] in UNCERTAIN] for cues in news["cues"]])


def train_news_model(polnear_root, szeged_path, settings=None, *, gold_weight: float = 5.0, part: str = "dev",
                     path=CODED_FILE):
    """The news variant of the sentence classifier: the news set's ``part``, optionally plus Szeged WikiWeasel.

    Parameters
    ----------
    polnear_root : path
        ``../shared/data/polnear``.
    szeged_path : path or None
        ``../shared/data/uncertainty/szeged_wiki.xml`` to add Szeged to the training sentences; None
        trains on the news set alone (what the shipped model does: adding Szeged lowered the
        cross-validated F1 on the news dev part from 0.91 to 0.86, docs/validation.md).
    settings : dict, optional
        Overrides of :data:`analysis.validate.learn.DEFAULT_SETTINGS`.
    gold_weight : float
        Weight of a news sentence in the loss relative to a Szeged one (chosen by cross-validation on
        the dev part, docs/validation.md).
    part : {"dev", "all"}
        News sentences to train on. The shipped model uses ``dev`` so that its test-part score is an
        honest estimate.

    Returns
    -------
    SentenceClassifier
    """
    from .corpora import load_szeged
    from .learn import train

    if part not in ("dev", "all"):
        raise ValueError(f"part must be 'dev' or 'all', got {part!r}")
    news = uncertain_cues(load_news_set(polnear_root, part, path))
    cols = ["doc_id", "sentence_id", "text", "label", "cues"]
    if szeged_path is None:
        return train(news[cols], settings, sources=[f"{Path(path).name} ({part})"])
    sz = load_szeged(szeged_path)
    gold = pd.concat([sz[cols], news[cols]], ignore_index=True)
    weights = np.r_[np.ones(len(sz)), np.full(len(news), float(gold_weight))]
    return train(gold, settings, sample_weight=weights,
                 sources=[f"{Path(szeged_path).name}", f"{Path(path).name} ({part}, weight {gold_weight:g})"])


def load_news_model():
    """The shipped news sentence classifier (:data:`NEWS_MODEL`), checked like any model file."""
    from .learn import load_model

    return load_model(NEWS_MODEL)
