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
# # 3. Over time
#
# Framing moves with events: a leak, a strike, a deployment, a hearing. This notebook bins articles
# into periods, computes each outlet's rate per period with a document-bootstrap interval, and marks
# the events on the same axis. Periods with a single article of an outlet get the point and no interval;
# empty periods break the line instead of bridging it.
#
# The sample corpus and its events (`data/sample/events.csv`) are invented.

# %% tags=["parameters"]
# Relative paths are taken from the project root (analysis.paths.PROJECT_ROOT), wherever Jupyter runs.
CORPUS = None  # corpus file or folder; None means the bundled sample corpus (analysis.paths.SAMPLE_CORPUS)
EVENTS = None  # CSV with columns date,label; None means the sample events when CORPUS is None, else no events
LEXICONS = None  # list of built-in lexicon names or lexicon file paths; None means every built-in lexicon
OUTPUT_DIR = None  # folder for the figures; None means outputs/notebooks/03_over_time
CATEGORY = None  # the category to follow; None means hedging (or the first category)
FREQ = None  # pandas frequency ("W", "SMS", "MS", ...); None means chosen from the date range
N_RESAMPLES = 400
SEED = 0
# selection (analysis.text.select.select_documents; the same names as the command line's options)
OUTLETS = None  # list of outlets to keep; None keeps every outlet
EXCLUDE_OUTLETS = None  # list of outlets to leave out
SINCE = None  # first day kept, "YYYY-MM-DD"
UNTIL = None  # last day kept, "YYYY-MM-DD"
PAIR = None  # two outlets to compare, e.g. ["Halvard Dispatch", "Brackwater Ledger"]
BY = "outlet"  # group by another corpus column (lean, country, ...): the panels are its values
TOP = 12  # panels: the groups with most articles; the others are drawn together as one panel

# %%
# %matplotlib inline
from analysis import paths
from analysis.compare import rates_over_time
from analysis.report.run import load_events
from analysis.report.figures import FigureData, plot_rates_over_time, save_figure, time_frequency
from analysis.text.corpus import load_corpus
from analysis.text.select import select_groups

corpus_path = paths.SAMPLE_CORPUS if CORPUS is None else paths.PROJECT_ROOT / CORPUS
events_path = (paths.SAMPLE_EVENTS if CORPUS is None else None) if EVENTS is None else paths.PROJECT_ROOT / EVENTS
output_dir = paths.PROJECT_ROOT / "outputs" / "notebooks" / "03_over_time" if OUTPUT_DIR is None else paths.PROJECT_ROOT / OUTPUT_DIR

corpus, report = load_corpus(corpus_path)
corpus, selection = select_groups(corpus, by=BY, outlets=OUTLETS, exclude_outlets=EXCLUDE_OUTLETS, since=SINCE,
                                  until=UNTIL, pair=PAIR)
print(selection.summary())
events = load_events(events_path) if events_path else None
data = FigureData.from_corpus(corpus, LEXICONS, events=events, n_resamples=N_RESAMPLES, seed=SEED, top=TOP)
data.cache["selection"] = selection.provenance()
docs = data.grouped(data.result.documents)  # the TOP largest groups by name, the others as one
category = CATEGORY or data.main_category
freq = FREQ or time_frequency(docs["date"])
print(f"{docs['date'].notna().sum()} dated articles from {docs['date'].min():%Y-%m-%d} to "
      f"{docs['date'].max():%Y-%m-%d}; periods: {freq}")
events

# %% [markdown]
# ## Rates per period [`rates_over_time`]

# %%
rates, placed = rates_over_time(docs, freq=freq, by="outlet", categories=[category], events=events,
                                n_resamples=N_RESAMPLES, seed=SEED)
rates = rates.assign(outlet_documents=rates["outlet"].map(docs["outlet"].value_counts()))
rates.pivot(index="period", columns="outlet", values="rate_per_1k").round(1)

# %%
fig = plot_rates_over_time(rates, placed if events is not None else None, category, colors=data.colors,
                           max_panels=TOP)
save_figure(fig, output_dir / "rates_over_time", data.provenance("rates_over_time"))
fig

# %% [markdown]
# How many articles stand behind each point? A period with two articles has a wide interval for a
# reason.

# %%
rates.pivot(index="period", columns="outlet", values="documents")
