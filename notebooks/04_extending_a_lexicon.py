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
# the lexicon under `data/lexicons/` with a new version number, check the file, diff it against the
# original, and see how the outlet ranking moves between the two versions. The built-in files inside
# the package are never modified.
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
LEXICON_DIR = None  # where the extended copy is written; None means data/lexicons (analysis.paths.USER_LEXICON_DIR)
OUTPUT_DIR = None  # folder for the figure; None means outputs/notebooks/04_extending_a_lexicon

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

corpus_path = paths.SAMPLE_CORPUS if CORPUS is None else paths.PROJECT_ROOT / CORPUS
lexicon_dir = paths.USER_LEXICON_DIR if LEXICON_DIR is None else paths.PROJECT_ROOT / LEXICON_DIR
output_dir = paths.PROJECT_ROOT / "outputs" / "notebooks" / "04_extending_a_lexicon" if OUTPUT_DIR is None else paths.PROJECT_ROOT / OUTPUT_DIR

corpus, report = load_corpus(corpus_path)
base = load_lexicon(LEXICON)
result = score(corpus, [base])
print(f"{base.name} {base.version}: {len(base.entries)} entries, sha256 {base.sha256[:12]}…; "
      f"{len(result.matches)} matches in {len(corpus)} articles")

# %% [markdown]
# ## Candidates from keyness
#
# Words typical of the outlet that uses this lexicon most, against all others, that no entry matches
# yet and that occur in at least two of its articles. Most will be topic words; a few may be framing
# devices the lexicon misses.

# %%
summary = result.summary[result.summary["category"] == base.name].sort_values("rate_per_1k", ascending=False)
top_outlet = summary["outlet"].iloc[0]
counts = term_counts(corpus, by="outlet")
key = keyness(counts, top_outlet)
key["docs_target"] = [counts.attrs["documents"][top_outlet].get(t, 0) for t in key["term"]]
matched_words = {w for m in result.matches["matched"].str.lower() for w in m.split()}
candidates = key[(key["docs_target"] >= 2) & ~key["term"].isin(matched_words)].head(15)
print("most", base.name, "per 1,000 words:", top_outlet)
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
major, minor, _patch = (int(x) for x in base.version.split("-")[0].split("+")[0].split("."))
new_version = f"{major}.{minor + 1}.0"
extended = base
for pattern in accepted:
    extended = extended.add_entries(CANDIDATES[pattern], [pattern],
                                    note="added in notebook 04 after reading the concordance")
extended = extended.add_entries(CANDIDATES[accepted[0]] if accepted else next(iter(base.categories)), [],
                                version=new_version)
target = safe_child(lexicon_dir, f"{base.name}.toml")
atomic_write_text(target, extended.to_toml())
print(f"accepted {accepted}; wrote {base.name} {new_version} to {target.relative_to(target.parents[1])}")

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
diff = diff_lexicons(base, reloaded)
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
shift = version_shift_table(corpus, base, reloaded)
shift.pivot(index="outlet", columns="version", values="rate_per_1k").round(2)

# %%
data = FigureData(corpus=corpus, result=result, compare_lexicon=reloaded)
fig = plot_lexicon_version_shift(shift, colors=data.colors)
save_figure(fig, output_dir / "lexicon_version_shift",
            data.provenance("lexicon_version_shift", **lexicon_shift_provenance(data)))
fig
