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
# # 5. Validating against hand coding
#
# "How do you know the lexicon measures what you say?" This notebook closes the loop: draw a
# stratified sample of matches (by outlet and entry) plus sentences *without* a match, have a person
# code them in a spreadsheet, read the coded sheet back, and measure precision per entry, category
# and outlet (with Wilson intervals), recall (from the missed instances in the non-match sample),
# agreement between coders, and outlet rates corrected for the precision measured in each outlet.
#
# The coded file used here, `data/coding/sample_hedging_coded.csv`, was coded by us as a
# demonstration on the invented sample corpus (one coder): the numbers show the method, not a finding.
# It belongs to that corpus only: with your own `CORPUS`, the notebook draws your sheet and evaluates
# nothing until you set `CODED` to your coded copy of it (a sheet whose `doc_id`s are not in the corpus
# is refused). Sheets from `code sample --coders 2` (columns `code_1`, `code_2`) are read as they are,
# with precision per coder and the agreement between them.

# %% tags=["parameters"]
# Relative paths are taken from the project root (analysis.paths.PROJECT_ROOT), wherever Jupyter runs.
CORPUS = None  # corpus file or folder; None means the bundled sample corpus (analysis.paths.SAMPLE_CORPUS)
LEXICON = "hedging"  # the lexicon whose matches are coded
CODED = None  # your coded sheet; None means data/coding/sample_hedging_coded.csv with the sample corpus, none otherwise
N_PER_STRATUM = 2  # matches drawn per (outlet, category) stratum for a new sheet
NONMATCH = 20  # sentences without a match drawn for the recall estimate
SEED = 6
SHARED_SENTENCES = 3000  # sentences of Szeged used for a quick real check when ../shared is present
OUTPUT_DIR = None  # None means outputs/notebooks/05_validating_against_hand_coding
CODER = None  # code column for precision and recall; None means code, else code_1
# selection (analysis.text.select.select_documents; the same names as the command line's options)
OUTLETS = None  # list of outlets to keep; None keeps every outlet
EXCLUDE_OUTLETS = None  # list of outlets to leave out
SINCE = None  # first day kept, "YYYY-MM-DD"
UNTIL = None  # last day kept, "YYYY-MM-DD"
PAIR = None  # two outlets to keep
BY = "outlet"  # group by another corpus column (lean, country, ...)
TOP = 30  # outlets drawn in the corrected-rates figure (most articles first; the others are counted)

# %%
# %matplotlib inline
import pandas as pd

from analysis import paths
from analysis.measure.scoring import score
from analysis.report.figures import plot_corrected_rates, save_figure
from analysis.text.corpus import load_corpus
from analysis.text.select import select_groups
from analysis.validate.coding import (
    check_sheet_corpus,
    corrected_rates,
    evaluate_coding,
    read_coded,
    sample_for_coding,
    sampling_warning,
    write_coding_sheet,
)
from analysis.validate.metrics import cohen_kappa, krippendorff_alpha

corpus_path = paths.SAMPLE_CORPUS if CORPUS is None else paths.PROJECT_ROOT / CORPUS
if CODED is not None:
    coded_path = paths.PROJECT_ROOT / CODED
elif CORPUS is None:
    coded_path = paths.DATA_DIR / "coding" / "sample_hedging_coded.csv"  # coded on the sample corpus
else:
    coded_path = None  # the bundled sheet is about another corpus: never evaluate it against yours
output_dir = (paths.PROJECT_ROOT / "outputs" / "notebooks" / "05_validating_against_hand_coding"
              if OUTPUT_DIR is None else paths.PROJECT_ROOT / OUTPUT_DIR)

corpus, report = load_corpus(corpus_path)
corpus, selection = select_groups(corpus, by=BY, outlets=OUTLETS, exclude_outlets=EXCLUDE_OUTLETS, since=SINCE,
                                  until=UNTIL, pair=PAIR)
print(selection.summary())
result = score(corpus, LEXICON)
print(f"{len(result.matches)} {LEXICON} matches in {len(corpus)} articles")

# %% [markdown]
# ## 1. Draw a coding sheet
#
# Up to `N_PER_STRATUM` matches per outlet and category (an entry-level stratification, the default
# of `python -m analysis code sample`, needs more coding), in random order so the coder does not see
# one outlet at a time, and `NONMATCH` sentences in which the lexicon found nothing. The same seed
# gives the same sheet. The command line does the same:
# `python -m analysis code sample CORPUS --lexicon hedging --out sheet.csv`.

# %%
sheet = sample_for_coding(result.matches, corpus, n_per_stratum=N_PER_STRATUM, strata=("outlet", "category"),
                          seed=SEED, nonmatch_sentences=NONMATCH)
sheet_path = write_coding_sheet(sheet, output_dir / "coding_sheet.csv")
print(f"{len(sheet)} rows written to {sheet_path}")
warning = sampling_warning(sheet, len(result.matches), N_PER_STRATUM)
if warning:
    print("warning:", warning)
sheet[["id", "kind", "outlet", "category", "left", "match", "right", "code"]].head(8)

# %% [markdown]
# ## 2. Read the coded sheet
#
# `read_coded` refuses a sheet with an unknown code, an uncoded row, a duplicated id, or a row that
# went missing, naming the file and the line, so no mistake silently changes the estimates.
# `check_sheet_corpus` refuses a sheet drawn from another corpus (its `doc_id`s are not in this one).
#
# No coded sheet yet? Code the sheet written above (`coding_sheet.csv`: 1 = the match is a hedge,
# 0 = it is not; for `nonmatch` rows, 1 = the sentence holds a hedge the lexicon missed), or draw one
# from the command line with `python -m analysis code sample CORPUS --lexicon hedging --out sheet.csv`
# (`--coders 2` for two coders), then set `CODED` to the coded file and run the notebook again.

# %%
if coded_path is None:
    print(f"no coded sheet for this corpus yet: code {sheet_path} and set CODED to it (see above); "
          "the sections below are skipped until then")
    coded = coding = None
else:
    coded = read_coded(coded_path)
    check_sheet_corpus(coded, corpus, coded_path)
    coding = evaluate_coding(coded, coder=CODER)
    code_col = coding.coder
    o = coding.overall
    print(f"{o['n_coded']} coded matches standing for {o['matches']:.0f} matches (codes of {code_col}): "
          f"precision {o['precision']:.2f} [{o['low']:.2f}, {o['high']:.2f}]")
coded.loc[coded[code_col] == 0, ["id", "category", "left", "match", "right", "note"]] if coding else None

# %% [markdown]
# ## 3. Precision per category, outlet and entry
#
# Each coded match stands for `stratum_size / coded in its stratum` matches, so strata sampled at
# different rates combine correctly. Intervals are Wilson intervals (on Kish's effective sample size
# when weights differ). With two matches per stratum they are wide: that is the honest answer.

# %%
coding.by_category.round(2) if coding else None

# %%
coding.by_outlet.round(2) if coding else None

# %%
coding.by_entry.sort_values("n_coded", ascending=False).round(2).head(12) if coding else None

# %% [markdown]
# ## 4. Recall from the sentences without a match
#
# The share of sampled non-matching sentences that hold a missed hedge (the miss rate), scaled to all
# such sentences in the corpus, is the estimated number of misses; recall is true matches over true
# matches plus misses (see `analysis.validate.coding` for the assumptions).

# %%
r = coding.recall if coding else {"sampled": 0}
if r["sampled"]:
    print(f"{r['missed_in_sample']} of {r['sampled']} sampled sentences hold a missed hedge "
          f"(miss rate {r['miss_rate']:.2f} [{r['miss_low']:.2f}, {r['miss_high']:.2f}])")
    print(f"{r['nonmatch_sentences']} sentences without a match -> about {r['estimated_missed']:.0f} missed, "
          f"{r['estimated_true_matches']:.0f} true matches: recall {r['recall']:.2f} [{r['low']:.2f}, {r['high']:.2f}]")
else:
    print("no coded sentences without a match: recall cannot be estimated")
coded.loc[(coded["kind"] == "nonmatch") & (coded[code_col] == 1), ["id", "outlet", "match", "note"]] if coding else None

# %% [markdown]
# ## 5. Rates corrected for precision, per outlet
#
# A cross-outlet comparison is fair only if the lexicon is about equally precise in every outlet.
# Multiplying each outlet's rate by the precision measured in that outlet shows how much of a gap
# could be false positives.
#
# Outlets without a coded match have no precision of their own, so no corrected rate: the figure keeps
# them (measured rate only, marked "not coded") instead of letting them vanish, and draws the `TOP`
# outlets with most articles (the others are counted in its title).

# %%
if coding:
    rates = corrected_rates(coding, result.summary, keep_uncoded=True)
    fig = plot_corrected_rates(rates, LEXICON, top=TOP)
    save_figure(fig, output_dir / "corrected_rates", {
        "figure_id": "corrected_rates", "coded_sheet": coded_path.name, "coder": code_col,
        "selection": selection.provenance(), **{k: v for k, v in result.provenance.items() if k != "categories"}})
else:
    rates = fig = None
fig

# %% [markdown]
# ## 6. Agreement between coders
#
# Our demonstration file has one coder. With two (`--coders 2` gives `code_1` and `code_2`
# columns), `evaluate_coding` reports percent agreement, Cohen's kappa and Krippendorff's alpha, and
# each coder's own precision is shown next to the other's.

# %%
coders = [c for c in (coded.attrs.get("code_columns") or []) if c != "code"] if coding else []
if len(coders) >= 2:
    per_coder = pd.DataFrame([{"coder": c, **{k: evaluate_coding(coded, coder=c).overall[k]
                                              for k in ("n_coded", "precision", "low", "high")}} for c in coders])
    print(pd.DataFrame(coding.agreement).T.round(3) if coding.agreement else "no rows coded by both coders")
    per_coder.round(3)
else:
    print("one coder in this sheet: no agreement to compute (draw a sheet with --coders 2)")

# %% [markdown]
# Here the two statistics on the published worked examples they are tested against: the 50-item
# kappa example (0.40) and Krippendorff's (2011) four-coder nominal example (0.743).

# %%
a = [1] * 25 + [0] * 25
b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
nan = None
k2011 = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan], [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
print(f"Cohen's kappa {cohen_kappa(a, b):.2f}; Krippendorff's alpha {krippendorff_alpha(k2011):.3f}")

# %% [markdown]
# ## 7. Against annotated corpora (when `../shared` is present)
#
# The same question on real annotated text: the built-in hedging lexicon against a slice of the
# Szeged Uncertainty Corpus (Wikipedia sentences, semantic uncertainty; approximators and
# conditionals are not counted, as they are not annotated there), and the sourcing lexicon against
# the PolNeAR dev articles (a sentence is positive when it holds a gold attribution cue). The full
# runs are `python -m analysis evaluate ... --json` (docs/validation.md).

# %%
if paths.shared_available():
    from analysis.text.tokenize import sentence_spans
    from analysis.validate.corpora import load_polnear, load_szeged
    from analysis.validate.lexicon_accuracy import UNCERTAIN_CATEGORIES, evaluate_lexicon

    szeged = load_szeged(paths.SHARED_DIR / "data" / "uncertainty" / "szeged_wiki.xml").head(SHARED_SENTENCES)
    h = evaluate_lexicon(szeged, "hedging", list(UNCERTAIN_CATEGORIES))
    print(f"Szeged, first {len(szeged)} sentences: P {h['precision']:.3f} R {h['recall']:.3f} F1 {h['f1']:.3f}")
    polnear = load_polnear(paths.POLNEAR_DIR, "dev", sentence_splitter=sentence_spans)
    s = evaluate_lexicon(polnear, "sourcing", ["sourcing.*"])
    print(f"PolNeAR dev, {len(polnear)} sentences: P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}")
else:
    print("../shared is not present: skipping the annotated-corpus check")
