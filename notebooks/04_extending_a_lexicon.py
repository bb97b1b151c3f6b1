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
# # 4. Extending a lexicon
#
# A lexicon is a hypothesis about which words do the framing. This notebook extends one of the
# built-in lexicons the careful way: find candidate words (keyness against the other outlets), read
# every line where a candidate would match (concordance), add the ones that hold up to a **copy** of
# the lexicon with a new version number, check the file, diff it against the original, and see how the
# outlet ranking moves between the two versions. The copy goes to `outputs/lexicons/` (or `LEXICON_DIR`);
# if a copy is already there, the notebook starts from it and bumps its version again. Neither the
# built-in files inside the package nor the tracked `data/lexicons/` are ever modified by default.
#
# The sample corpus is invented, so which candidates "hold up" is illustrative.

# %% tags=["parameters"]
# Relative paths are taken from the project root (analysis.paths.PROJECT_ROOT), wherever Jupyter runs.
CORPUS = None  # corpus file or folder; None means the bundled sample corpus (analysis.paths.SAMPLE_CORPUS)
LEXICON = "hedging"  # the built-in lexicon to copy and extend
# candidate pattern -> the category it would join (the pattern language of docs/patterns.md)
CANDIDATES = {
    "(point|points|pointed|pointing) to": "hedging.evidential",
    "signal*": "hedging.evidential",
}
# candidates rejected after reading their concordance (say why): signal* is mostly the noun, "a signal from Dehvan"
REJECTED = ["signal*"]
LEXICON_DIR = None  # where the extended copy is read from and written; None means outputs/lexicons
OUTPUT_DIR = None  # folder for the figure; None means outputs/notebooks/04_extending_a_lexicon
# selection (analysis.text.select.select_documents; the same names as the command line's options)
OUTLETS = None  # list of outlets to keep; None keeps every outlet
EXCLUDE_OUTLETS = None  # list of outlets to leave out
SINCE = None  # first day kept, "YYYY-MM-DD"
UNTIL = None  # last day kept, "YYYY-MM-DD"
PAIR = None  # two outlets to keep
BY = "outlet"  # group by another corpus column (lean, country, ...)
TOP = 30  # outlets ranked in the figure: those with most articles
MIN_DOCS_FOR_KEYNESS = 2  # the outlet mined for candidates needs at least this many articles

# %%
# %matplotlib inline
import pandas as pd

from analysis import paths
from analysis.compare import keyness, kwic, term_counts
from analysis.lexicons.model import load_lexicon
from analysis.lexicons.validate import diff_lexicons, validate_lexicon
from analysis.measure.scoring import score
from analysis.outputs import atomic_write_text, safe_child
from analysis.report.figures import (
    FigureData,
    lexicon_shift_provenance,
    plot_lexicon_version_shift,
    save_figure,
    version_shift_table,
)
from analysis.text.corpus import load_corpus
from analysis.text.select import select_groups

corpus_path = paths.SAMPLE_CORPUS if CORPUS is None else paths.PROJECT_ROOT / CORPUS
lexicon_dir = paths.PROJECT_ROOT / "outputs" / "lexicons" if LEXICON_DIR is None else paths.PROJECT_ROOT / LEXICON_DIR
output_dir = paths.PROJECT_ROOT / "outputs" / "notebooks" / "04_extending_a_lexicon" if OUTPUT_DIR is None else paths.PROJECT_ROOT / OUTPUT_DIR

corpus, report = load_corpus(corpus_path)
corpus, selection = select_groups(corpus, by=BY, outlets=OUTLETS, exclude_outlets=EXCLUDE_OUTLETS, since=SINCE,
                                  until=UNTIL, pair=PAIR)
print(selection.summary())
builtin = load_lexicon(LEXICON)
target = safe_child(lexicon_dir, f"{builtin.name}.toml")
# start from the user's copy when there is one (a previous run of this notebook, or your own edits)
base = load_lexicon(target) if target.is_file() else builtin
if base.name != builtin.name:
    raise ValueError(f"{target} holds lexicon {base.name!r}, not {builtin.name!r}: move it or set LEXICON_DIR")
result = score(corpus, [base])
print(f"starting from {'your copy ' + str(target) if base is not builtin else 'the built-in lexicon'}: "
      f"{base.name} {base.version}, {len(base.entries)} entries, sha256 {base.sha256[:12]}…; "
      f"{len(result.matches)} matches in {len(corpus)} articles")

# %% [markdown]
# ## Candidates from keyness
#
# Words typical of the outlet that uses this lexicon most, against all others, that no entry matches
# yet and that occur in at least two of its articles. Most will be topic words; a few may be framing
# devices the lexicon misses. Only outlets with at least `MIN_DOCS_FOR_KEYNESS` articles are mined: the
# vocabulary of a single article says nothing about an outlet, and a word "in two of its articles"
# cannot exist there, so the list would be empty.

# %%
summary = result.summary[result.summary["category"] == base.name].sort_values(["rate_per_1k", "outlet"],
                                                                              ascending=[False, True])
eligible = summary[summary["documents"] >= MIN_DOCS_FOR_KEYNESS]
if eligible.empty:
    print(f"no outlet has {MIN_DOCS_FOR_KEYNESS} or more articles: keyness candidates need an outlet with several "
          "articles (lower MIN_DOCS_FOR_KEYNESS to 1 to mine single articles anyway, or list CANDIDATES by hand)")
    candidates = pd.DataFrame(columns=["term", "count_target", "count_reference", "docs_target", "z"])
else:
    top_outlet = eligible["outlet"].iloc[0]
    if top_outlet != summary["outlet"].iloc[0]:
        print(f"{summary['outlet'].iloc[0]!r} has the highest rate but only {int(summary['documents'].iloc[0])} "
              f"article(s); mining {top_outlet!r} instead ({int(eligible['documents'].iloc[0])} articles)")
    counts = term_counts(corpus, by="outlet")
    key = keyness(counts, top_outlet)
    key["docs_target"] = [counts.attrs["documents"][top_outlet].get(t, 0) for t in key["term"]]
    matched_words = {w for m in result.matches["matched"].str.lower() for w in m.split()}
    candidates = key[(key["docs_target"] >= min(2, MIN_DOCS_FOR_KEYNESS)) & ~key["term"].isin(matched_words)].head(15)
    print("most", base.name, "per 1,000 words:", top_outlet)
    if candidates.empty:
        print("no candidate: every word typical of this outlet is already matched or occurs in one article only")
candidates[["term", "count_target", "count_reference", "docs_target", "z"]].round(2)

# %% [markdown]
# ## Read the concordance before adding anything
#
# The candidate patterns go into a scratch category of a throw-away copy, so the matcher (with its
# tokenizer, sentence limits and pattern language) finds exactly the lines each entry would add. A
# candidate that overlaps an existing entry of the same category adds nothing: within a category,
# matches never overlap.

# %%
existing = {e.pattern for e in base.entries}
to_try = [p for p in CANDIDATES if p not in existing]
skipped = sorted(set(CANDIDATES) - set(to_try))
if skipped:
    print("already in the lexicon:", ", ".join(skipped))
scratch_category = f"{base.name}.candidate"
scratch = base.add_entries(scratch_category, to_try) if to_try else base
trial = score(corpus, [scratch])
hits = trial.matches[trial.matches["category"] == scratch_category]
print(hits.groupby("entry").size().rename("matches").to_string() if len(hits) else "no candidate matches")

# %%
lines = kwic(hits, corpus, window=8) if len(hits) else pd.DataFrame(columns=["entry", "left", "match", "right"])
lines[["doc_id", "outlet", "entry", "left", "match", "right"]] if len(lines) else lines

# %% [markdown]
# Accept the candidates that matched and that the reading supports (`REJECTED` lists the others, with
# the reason in the parameters cell). Adding entries is a new minor version.

# %%
accepted = [p for p in to_try if p in set(hits["entry"]) and p not in REJECTED]
extended = base
if accepted or base is builtin:  # a change (or a first copy) is a new minor version of what we started from
    major, minor, _patch = (int(x) for x in base.version.split("-")[0].split("+")[0].split("."))
    new_version = f"{major}.{minor + 1}.0"
    for pattern in accepted:
        extended = extended.add_entries(CANDIDATES[pattern], [pattern],
                                        note="added in notebook 04 after reading the concordance")
    extended = extended.add_entries(CANDIDATES[accepted[0]] if accepted else next(iter(base.categories)), [],
                                    version=new_version)
    atomic_write_text(target, extended.to_toml())
    print(f"accepted {accepted}; wrote {base.name} {base.version} -> {new_version} to {target}")
else:
    print(f"nothing new to add: {target} stays {base.name} {base.version}")

# %% [markdown]
# ## Check the file and diff it against the original
#
# `validate_lexicon` reads the written file like any user lexicon and reports, with `file:line`,
# schema errors, duplicate and shadowed entries (an entry another entry of its category always beats),
# entries the tokenizer can never match, and globs that catch too many words. `diff_lexicons` lists
# what changed between the two versions, with both content hashes.

# %%
issues = validate_lexicon(target)
for issue in issues:
    print(issue)
errors = [i for i in issues if i.level == "error"]
assert not errors, "fix the errors before using this lexicon"
reloaded = load_lexicon(target)
assert reloaded.sha256 == extended.sha256, "the TOML round trip changed the lexicon"
print(f"{len(issues)} issues ({len(errors)} errors)")

# %%
diff = diff_lexicons(builtin, reloaded)
a = diff.attrs
print(f"{a['old_name']} {a['old_version']} ({a['old_sha256'][:12]}…) -> {a['new_name']} {a['new_version']} "
      f"({a['new_sha256'][:12]}…)")
diff[["change", "category", "pattern", "new_line"]]

# %% [markdown]
# ## Do the outlet rankings move? [`lexicon_version_shift`]
#
# Pooled rates per outlet under both versions. A ranking that changes when a handful of entries are
# added is a ranking that depends on the lexicon more than on the outlets: report both.

# %%
shift = version_shift_table(corpus, builtin, reloaded)
shift.pivot(index="outlet", columns="version", values="rate_per_1k").round(2)

# %%
data = FigureData(corpus=corpus, result=result, compare_lexicon=reloaded, top=TOP)
data.cache["selection"] = selection.provenance()
fig = plot_lexicon_version_shift(shift, colors=data.colors, top=TOP)
save_figure(fig, output_dir / "lexicon_version_shift",
            data.provenance("lexicon_version_shift", **lexicon_shift_provenance(data)))
fig
