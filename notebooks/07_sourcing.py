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
# # 7. Who speaks: the sourcing profile
#
# Every attribution in the corpus ("one official told CNN that ...") as a record: the cue, the source
# as written, the attributed content, and the type of the source (named person, named organisation,
# anonymous, vague, document, pronoun, outlet; docs/codebook.md). On top of the records: the share of
# each outlet's attributions by source type, and how often what each kind of source says is hedged.
# The extractor is measured on PolNeAR dev (docs/attribution.md): it finds the sentences with an
# attribution well (F1 0.86), the spans less exactly; treat single records as leads, the shares as
# estimates with an error you can measure on your own corpus (`code sample --task attribution`).
#
# The sample corpus is invented (`data/sample/README.md`): the figures demonstrate the method.

# %% tags=["parameters"]
# Relative paths are taken from the project root (analysis.paths.PROJECT_ROOT), wherever Jupyter runs.
CORPUS = None  # corpus file or folder; None means the bundled sample corpus (analysis.paths.SAMPLE_CORPUS)
LEXICONS = None  # list of built-in lexicon names or lexicon file paths; None means every built-in lexicon
OUTPUT_DIR = None  # folder for the figure; None means outputs/notebooks/07_sourcing
N_RESAMPLES = 400  # bootstrap resamples per interval
SEED = 0

# %%
# %matplotlib inline
import pandas as pd

from analysis import paths
from analysis.compare.sourcing import content_hedging, source_shares
from analysis.measure.attribution import attributions_frame, with_match_counts
from analysis.report.figures import FigureData, save_figure
from analysis.report.sourcing import plot_sourcing_profile
from analysis.text.corpus import load_corpus

corpus_path = paths.SAMPLE_CORPUS if CORPUS is None else paths.PROJECT_ROOT / CORPUS
output_dir = paths.PROJECT_ROOT / "outputs" / "notebooks" / "07_sourcing" if OUTPUT_DIR is None else paths.PROJECT_ROOT / OUTPUT_DIR

corpus, report = load_corpus(corpus_path)
data = FigureData.from_corpus(corpus, LEXICONS, n_resamples=N_RESAMPLES, seed=SEED)
attributions = with_match_counts(attributions_frame(corpus), data.result.matches)
print(f"{len(corpus)} articles, {len(attributions)} attributions")

# %% [markdown]
# ## The records
#
# One row per attribution (`attributions.csv` of `python -m analysis score`): offsets index the
# article text; `resolved_source` is the earlier source a pronoun stands for (same paragraph, else
# the previous one); `content_hedging` counts the hedges inside the content.

# %%
cols = ["doc_id", "cue", "source", "source_type", "resolved_source", "content", "content_hedging"]
attributions[cols].head(12)

# %% [markdown]
# ## Share of attributions by source type [`sourcing_profile`]
#
# `source_shares` pools each outlet's attributions (each counts once) and bootstraps documents
# within the outlet; `mean_doc_share` gives every article the same weight instead.

# %%
shares = source_shares(attributions, data.documents, n_resamples=N_RESAMPLES, seed=SEED)
shares.pivot(index="group", columns="source_type", values="share").round(3)

# %% [markdown]
# ## Is what anonymous sources say more hedged?
#
# `content_hedging`: per outlet and source type, the share of attributions whose content holds a
# hedge or an evidence-absent match, and the seed article's pattern as one number
# (`anonymous_hedged`: anonymous source *and* hedged content, as a share of all attributions).

# %%
hedging = content_hedging(attributions, data.documents, n_resamples=N_RESAMPLES, seed=SEED)
hedging[hedging["source_type"].isin(["named_person", "anonymous", "anonymous_hedged"])][
    ["group", "source_type", "n_attributions", "share", "low", "high"]].round(3)

# %%
fig = plot_sourcing_profile(shares, hedging)
save_figure(fig, output_dir / "sourcing_profile", data.provenance("sourcing_profile"))
fig
