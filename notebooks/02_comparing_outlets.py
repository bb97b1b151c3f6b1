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
# # 2. Comparing outlets
#
# Rates of framing devices per 1,000 words, per outlet, with intervals that treat the **article** as
# the unit (documents are resampled, so one long article cannot make a difference look certain); the
# same rates split by voice (is it the outlet hedging, or its sources?); the effect of removing wire
# copy that several outlets ran; which lexicon entries drive the difference between two outlets; and
# the words typical of each outlet. Each figure here is also made by `python -m analysis figures`
# (ids in brackets); the library functions are named in each cell.
#
# The sample corpus is invented: the datasheet (`data/sample/README.md`) lists the contrasts that were
# written into it, so these figures demonstrate the method, not a finding.

# %% tags=["parameters"]
# Relative paths are taken from the project root (analysis.paths.PROJECT_ROOT), wherever Jupyter runs.
CORPUS = None  # corpus file or folder; None means the bundled sample corpus (analysis.paths.SAMPLE_CORPUS)
LEXICONS = None  # list of built-in lexicon names or lexicon file paths; None means every built-in lexicon
OUTPUT_DIR = None  # folder for the figures; None means outputs/notebooks/02_comparing_outlets
N_RESAMPLES = 400  # bootstrap resamples per interval
SEED = 0
BY = "outlet"  # grouping column for the comparison tables: outlet, or a coarser corpus column such as lean
CLUSTER = None  # None: cluster by outlet when BY groups outlets; "none": documents; or a column name
PAIR = None  # two groups of BY for the term decomposition, e.g. ["left", "right"]; None: the most different
MIN_DOCS = 1  # leave out groups of BY with fewer documents (1 keeps every group; small ones are flagged)
STORIES = False  # also group articles into stories and compare groups within the stories both covered
# selection (analysis.text.select.select_documents; the same names as the command line's options)
OUTLETS = None  # list of outlets to keep; None keeps every outlet
EXCLUDE_OUTLETS = None  # list of outlets to leave out
SINCE = None  # first day kept, "YYYY-MM-DD"
UNTIL = None  # last day kept, "YYYY-MM-DD"

# %%
# %matplotlib inline
import pandas as pd

from analysis import paths
from analysis.compare import deduplicate, group_rates, near_duplicates, run_all, term_decomposition, voice_rates
from analysis.report.figures import (
    FigureData,
    keyness_by_outlet,
    plot_dedup_effect,
    plot_keyness,
    plot_rates_by_outlet,
    plot_term_decomposition,
    plot_voice_split,
    save_figure,
)
from analysis.text.corpus import load_corpus
from analysis.text.select import select_documents

corpus_path = paths.SAMPLE_CORPUS if CORPUS is None else paths.PROJECT_ROOT / CORPUS
output_dir = paths.PROJECT_ROOT / "outputs" / "notebooks" / "02_comparing_outlets" if OUTPUT_DIR is None else paths.PROJECT_ROOT / OUTPUT_DIR

corpus, report = load_corpus(corpus_path)
corpus, selection = select_documents(corpus, outlets=OUTLETS, exclude_outlets=EXCLUDE_OUTLETS, since=SINCE,
                                     until=UNTIL)
print(selection.summary())
data = FigureData.from_corpus(corpus, LEXICONS, n_resamples=N_RESAMPLES, seed=SEED)
data.cache["selection"] = selection.provenance()  # recorded in every figure's provenance
result, colors = data.result, data.colors  # colours: fixed per outlet in every figure
print(f"{len(corpus)} articles, {len(result.matches)} matches, outlets: {', '.join(data.outlets)}")

# %% [markdown]
# ## Rates with intervals [`rates_by_outlet`]
#
# `group_rates` pools each outlet's matches and words (`sum(counts) / sum(tokens) * 1000`) and
# bootstraps documents within the outlet. `share_docs` is the share of articles with at least one match.

# %%
rates = group_rates(result.documents, data.categories, by="outlet", n_resamples=N_RESAMPLES, seed=SEED,
                    on_small_group="nan")
rates[["outlet", "category", "documents", "rate_per_1k", "rate_low", "rate_high", "share_docs"]].round(2)

# %%
fig = plot_rates_by_outlet(rates, data.categories, colors=colors)
save_figure(fig, output_dir / "rates_by_outlet", data.provenance("rates_by_outlet"))
fig

# %% [markdown]
# ## Who is hedging? [`voice_split`]
#
# A hedge inside a quotation is the source's; a hedge in narration is the outlet's. `voice_rates`
# divides the matches in each voice by the words in that voice.

# %%
category = data.main_category
voice = voice_rates(result.matches, result.documents, [category], by="outlet", n_resamples=N_RESAMPLES,
                    seed=SEED, on_small_group="nan")
fig = plot_voice_split(voice, category, colors=colors)
save_figure(fig, output_dir / "voice_split", data.provenance("voice_split"))
fig

# %% [markdown]
# ## Wire copy counted once [`dedup_effect`]
#
# Outlets that reprint the same agency story are not independent observations. `near_duplicates`
# clusters articles whose word 5-gram sets overlap by 80% or more (MinHash candidates, exact check);
# `deduplicate` keeps one article per cluster (the earliest, then the smallest doc_id).

# %%
clusters = near_duplicates(corpus, seed=1)
clusters[["cluster_id", "doc_id", "outlet", "n_outlets", "representative"]].head(12)

# %%
kept = deduplicate(result.documents, clusters, how="remove")
cats = [c for c in (category, "evidence_absent", "sourcing.anonymous") if c in data.categories] or data.categories[:3]
both = [group_rates(result.documents, cats, n_resamples=N_RESAMPLES, seed=SEED, on_small_group="nan")
        .assign(corpus="all documents"),
        group_rates(kept, cats, n_resamples=N_RESAMPLES, seed=SEED, on_small_group="nan")
        .assign(corpus="duplicates removed")]
fig = plot_dedup_effect(pd.concat(both, ignore_index=True), cats, colors=colors,
                        removed=len(result.documents) - len(kept))
save_figure(fig, output_dir / "dedup_effect", data.provenance("dedup_effect"))
fig

# %% [markdown]
# ## Groups, clusters, small groups and stories [`run_all`]
#
# `run_all` computes the tables of `python -m analysis compare` for the grouping `BY`. Every group is
# kept: one with a single document gets its point estimate, NaN bounds and a `note` (`MIN_DOCS` drops
# small groups explicitly, and the notes say which). When `BY` groups outlets (`lean`, `country`),
# articles of one outlet share its house style, so intervals, tests and count models resample whole
# outlets (`CLUSTER`); with `STORIES` the groups are also compared within the stories both covered.
# `docs/comparing.md` says what each estimate assumes.

# %%
steps = ["rates", "pairwise differences", "count models", "term decomposition"] + (["stories"] if STORIES else [])
comparison = run_all(result, corpus, by=BY, cluster=CLUSTER, pair=PAIR, min_docs=MIN_DOCS, stories=STORIES,
                     n_resamples=N_RESAMPLES, seed=SEED, steps=steps)
for note in comparison.notes:
    print("note:", note)
comparison.headline

# %%
top = comparison.settings["top_level_categories"][0]
pairwise = comparison[f"pairwise_{top}"]
pairwise.sort_values("p_value").head(10).round(3)

# %%
if STORIES and "story_matched.csv" in comparison.tables:
    display(comparison["story_matched"].head(10).round(3))  # noqa: F821 - IPython's display

# %% [markdown]
# ## Which entries make two outlets differ? [`term_decomposition`]
#
# The outlets with the highest and the lowest pooled rate; each entry's rate difference, which add up
# to the category difference. A difference carried by one entry deserves a look at its concordance
# (notebook 1's explorer, or `analysis.compare.kwic`) before it is called framing.

# %%
summary = result.summary[result.summary["category"] == category].sort_values("rate_per_1k", ascending=False)
several = summary[summary["documents"] >= max(2, MIN_DOCS)]  # one article has no document bootstrap
summary = several if len(several) >= 2 else summary
high, low = summary["outlet"].iloc[0], summary["outlet"].iloc[-1]
if BY == "outlet" and PAIR is not None:
    high, low = PAIR
decomposition = term_decomposition(result.matches, result.documents, category, high, low,
                                   n_resamples=N_RESAMPLES, seed=SEED)
print(decomposition.attrs.get("total"))
decomposition.head(10).round(2)

# %%
fig = plot_term_decomposition(decomposition, high, low, colors=colors)
save_figure(fig, output_dir / "term_decomposition", data.provenance("term_decomposition"))
fig

# %% [markdown]
# ## Words typical of each outlet [`keyness`]
#
# Log-odds ratios with an informative Dirichlet prior (Monroe et al. 2008), each outlet against all
# others, keeping words found in at least three of the outlet's articles. Topic words and names come
# first; the framing words among them are candidates for a lexicon (notebook 4).

# %%
key = keyness_by_outlet(corpus)
if key.empty:  # every outlet too small: no word is in three of its articles
    print("keyness: no outlet has a word in 3 or more of its articles; no figure")
    fig = None
else:
    fig = plot_keyness(key, colors=colors)
    save_figure(fig, output_dir / "keyness", data.provenance("keyness"))
fig
