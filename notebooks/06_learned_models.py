# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 6. Learned models
#
# For researchers with annotated sentences, three tools go beyond a fixed lexicon:
#
# 1. `LexiconVectorizer`, a scikit-learn transformer that turns texts into lexicon category (and
#    entry) counts, so the framing measures sit in a `Pipeline` next to any model;
# 2. cue induction, which proposes lexicon entries from annotated cues with their cue precision and
#    writes them as a lexicon file to review;
# 3. a sentence-level uncertainty classifier (word n-grams + lexicon features + induced-cue
#    features + logistic regression), saved as JSON (never pickle) and usable with
#    `python -m analysis evaluate --model`.
#
# On the invented sample corpus the training data are our own demonstration coding
# (`data/coding/`), far too small to learn from: those cells show the mechanics. When `../shared`
# is present, the same cells run on a slice of the CoNLL-2010 biomedical training files.

# %% tags=["parameters"]
# Relative paths are taken from the project root (analysis.paths.PROJECT_ROOT), wherever Jupyter runs.
CORPUS = None  # corpus file or folder; None means the bundled sample corpus (analysis.paths.SAMPLE_CORPUS)
LEXICON = "hedging"  # lexicon for the features
CODED = None  # your coded sheet of CORPUS, used as training data without ../shared; None means our coding of the sample corpus
CONLL_DOCUMENTS = 400  # CoNLL-2010 abstracts used for training when ../shared is present (the rest of a slice tests)
OUTPUT_DIR = None  # None means outputs/notebooks/06_learned_models

# %%
from pathlib import Path

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from analysis import paths
from analysis.text.corpus import load_corpus
from analysis.validate.coding import coded_to_gold, read_coded
from analysis.validate.features import LexiconVectorizer
from analysis.validate.induction import cues_to_toml, induce_cues
from analysis.validate.learn import load_model, train
from analysis.validate.metrics import prf

corpus_path = paths.SAMPLE_CORPUS if CORPUS is None else paths.PROJECT_ROOT / CORPUS
coded_path = paths.DATA_DIR / "coding" / "sample_hedging_coded.csv" if CODED is None else paths.PROJECT_ROOT / CODED
coded_corpus_path = paths.SAMPLE_CORPUS if CODED is None else corpus_path  # the corpus the sheet was drawn from
output_dir = (paths.PROJECT_ROOT / "outputs" / "notebooks" / "06_learned_models"
              if OUTPUT_DIR is None else paths.PROJECT_ROOT / OUTPUT_DIR)
output_dir.mkdir(parents=True, exist_ok=True)
corpus, report = load_corpus(corpus_path)

# %% [markdown]
# ## 1. Lexicon features in a scikit-learn pipeline
#
# One column per category (and its top-level roll-up), computed by the same matcher as `score`. As a
# small demonstration: how well do the framing rates alone tell the outlets apart? (The sample
# outlets were written to differ, so this mostly checks the plumbing.)

# %%
# outlets with at least 3 articles (at most the 10 largest) can be told apart in 3 folds; the others are left out here
sizes = corpus["outlet"].value_counts()
sizes = sizes[sizes >= 3].sort_index().sort_values(ascending=False, kind="mergesort").head(10)
few = corpus[corpus["outlet"].isin(sizes.index)].reset_index(drop=True)
print(f"{len(sizes)} outlets with 3 or more articles used here ({len(few)} of {len(corpus)} articles)")
vec = LexiconVectorizer(None, per_1k=True)
X = vec.fit_transform(corpus["text"])
features = pd.DataFrame(X.toarray(), columns=vec.get_feature_names_out(), index=corpus["doc_id"])
features.iloc[:5, :8].round(1)

# %%
pipe = make_pipeline(LexiconVectorizer(None, per_1k=True), StandardScaler(with_mean=False),
                     LogisticRegression(max_iter=2000))
folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
if len(sizes) >= 2:
    acc = cross_val_score(pipe, few["text"], few["outlet"], cv=folds)
    print(f"outlet from framing rates: accuracy {acc.mean():.2f} over 3 folds "
          f"(chance {few['outlet'].value_counts(normalize=True).max():.2f})")
else:
    print("fewer than two outlets with 3 or more articles: nothing to tell apart")

# %% [markdown]
# ## 2. Training data
#
# With `../shared`: CoNLL-2010 biomedical abstracts (cues annotated by the shared task). Without it:
# our coded sample turned into gold sentences (`coded_to_gold`: a sentence is positive when a match
# in it was coded 1 or a missed hedge was noted; the matches coded 1 are its cues).

# %%
if paths.shared_available():
    from analysis.validate.corpora import load_conll2010

    conll = load_conll2010(paths.SHARED_DIR / "data" / "uncertainty" / "task2_train_bio_abstracts_rev2.xml")
    docs = sorted(conll["doc_id"].unique())
    train_df = conll[conll["doc_id"].isin(docs[:CONLL_DOCUMENTS])]
    test_df = conll[conll["doc_id"].isin(docs[CONLL_DOCUMENTS:CONLL_DOCUMENTS + 200])]
    source = f"CoNLL-2010 abstracts, {CONLL_DOCUMENTS} documents"
else:
    # the coded sheet is joined to the corpus it was drawn from (never to another one)
    coded_corpus = corpus if coded_corpus_path == corpus_path else load_corpus(coded_corpus_path)[0]
    gold = coded_to_gold(read_coded(coded_path), coded_corpus)
    train_df = test_df = gold  # far too small to hold anything out: mechanics only
    source = ("our demonstration coding of the sample corpus" if CODED is None
              else f"your coding of {Path(CODED).name}")
print(f"{source}: {len(train_df)} training sentences, {int(train_df['label'].sum())} positive")

# %% [markdown]
# ## 3. Cue induction
#
# For every word or short phrase annotated as a cue at least twice: how often it was a cue, how often
# it occurs at all, and the ratio, the **cue precision**. High-precision cues are lexicon candidates;
# low ones ("or", "can") are cues only in some contexts.

# %%
cues = induce_cues(train_df, min_cue_count=2)
cues.head(15).round(2)

# %%
toml_text = cues_to_toml(cues, name="induced_hedges", min_precision=0.5, min_cue_count=2, source=source)
(output_dir / "induced_hedges.toml").write_text(toml_text, encoding="utf-8")
print("\n".join(toml_text.splitlines()[:20]))

# %% [markdown]
# ## 4. A sentence classifier
#
# Word unigrams and bigrams, the lexicon's category and entry indicators, and two induced-cue
# features (the highest cue precision of any known cue in the sentence, the number of strong cues),
# fed to a logistic regression. The settings were chosen by cross-validation on the full CoNLL-2010
# training files (docs/validation.md); the full run is
# `python -m analysis learn ../shared/data/uncertainty --pattern 'task2_train_bio_*.xml'
# --format conll2010 --out model.json --cv 10`.

# %%
model = train(train_df, {"lexicons": [LEXICON], "min_df": 1}, sources=[source])
scores = prf(test_df["label"].tolist(), model.predict(test_df["text"].tolist()).tolist())
held = "held-out documents" if test_df is not train_df else "the training sentences (no hold-out)"
print(f"on {held}: P {scores['precision']:.3f} R {scores['recall']:.3f} F1 {scores['f1']:.3f}")
model.top_features(8)

# %% [markdown]
# The model file is plain JSON: vocabulary, lexicon TOML, induced cues, coefficients, intercept,
# settings, the hash of the training data and a checksum. `load_model` checks all of it and refuses a
# file that was edited.

# %%
path = model.save(output_dir / "sentence_model.json")
again = load_model(path)
print(f"{path.name}: {path.stat().st_size / 1024:.0f} KB, {len(again.coef)} features, "
      f"training data sha256 {again.training['sha256'][:12]}")

# %% [markdown]
# ## 5. Applying the model to news sentences
#
# The share of sentences each outlet's articles have that the model calls uncertain, next to the
# lexicon's share of sentences with a hedge. A model trained on biomedical abstracts is used outside
# its domain here: read the difference as a prompt to check, not as a measurement.

# %%
from analysis.text.tokenize import sentence_spans

sentences = pd.DataFrame(
    [{"outlet": o, "text": t[a:b]} for o, t in zip(corpus["outlet"], corpus["text"]) for a, b in sentence_spans(t)]
)
sentences["model"] = again.predict(sentences["text"].tolist())
sentences["lexicon"] = LexiconVectorizer(LEXICON, categories=[f"{LEXICON}.*"], rollups=False,
                                         binary=True).fit_transform(sentences["text"]).sum(axis=1).A1 > 0
sentences.groupby("outlet")[["model", "lexicon"]].mean().round(2)
