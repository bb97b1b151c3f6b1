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
# # 1. Reading one article
#
# Every number this project reports is a count of rows in the **match table**: one row per hedge,
# statement of evidential absence, anonymous or named attribution, booster or distancing device, with
# its offsets in the text. Before comparing outlets, read what those rows are. This notebook shows one
# article with every match highlighted in place (colour = category; hover a highlight, or follow its
# footnote number, to see the category and the lexicon entry), the match table beneath it, and an
# explorer to move from an outlet and a lexicon entry to the concordance and back to an article.
#
# The bundled sample corpus is **invented** (see `data/sample/README.md`): it demonstrates the method,
# not a finding. To run this notebook on your own corpus, change the parameters cell (or pass
# `-p CORPUS path/to/corpus.csv` to papermill).

# %% tags=["parameters"]
# Relative paths are taken from the project root (analysis.paths.PROJECT_ROOT), wherever Jupyter runs.
CORPUS = None  # corpus file or folder; None means the bundled sample corpus (analysis.paths.SAMPLE_CORPUS)
LEXICONS = None  # list of built-in lexicon names or lexicon file paths; None means every built-in lexicon
OUTPUT_DIR = None  # folder for the saved HTML page; None means outputs/notebooks/01_reading_one_article
DOC_ID = None  # the article to read; None means the article with the most kinds of framing device

# %%
from IPython.display import HTML, display

from analysis import paths
from analysis.measure.scoring import score
from analysis.outputs import atomic_write_text, safe_child
from analysis.report.explorer import Explorer
from analysis.measure.attribution import attributions_frame, link_matches, with_match_counts
from analysis.report.highlight import highlight_attributions, highlight_document, html_page
from analysis.text.corpus import load_corpus

corpus_path = paths.SAMPLE_CORPUS if CORPUS is None else paths.PROJECT_ROOT / CORPUS
output_dir = paths.PROJECT_ROOT / "outputs" / "notebooks" / "01_reading_one_article" if OUTPUT_DIR is None else paths.PROJECT_ROOT / OUTPUT_DIR

corpus, report = load_corpus(corpus_path)
result = score(corpus, LEXICONS)
print(report.summary(max_issues=5))
print(f"{len(result.matches)} matches in {len(corpus)} articles from {corpus['outlet'].nunique()} outlets")

# %% [markdown]
# ## Choosing an article
#
# Unless `DOC_ID` is set, we pick the article whose matches span the most categories (ties go to the
# smallest doc_id), so that the colours have something to show.

# %%
if DOC_ID is None:
    kinds = result.matches.groupby("doc_id")["category"].nunique()
    DOC_ID = sorted(kinds[kinds == kinds.max()].index)[0]
article = corpus.set_index("doc_id").loc[DOC_ID]
print(DOC_ID, "|", article["outlet"], "|", article.get("title", ""))

# %% [markdown]
# ## The article, highlighted
#
# Where two categories claim the same words (``no specific indication`` is evidential absence; the
# ``indication`` inside it is also a hedge), the words carry diagonal stripes in both colours and the
# hover text lists both matches: the markup is split at every match boundary rather than nested.

# %%
highlighted = highlight_document(DOC_ID, corpus, result.matches)
display(HTML(highlighted))

# %% [markdown]
# The same article as a standalone page (everything from the data is HTML-escaped, so an article that
# contains `<script>` shows those characters and runs nothing):

# %%
page = safe_child(output_dir, "highlighted_article.html")
atomic_write_text(page, html_page(highlighted, title=f"{DOC_ID}: highlighted"))
print(page.name, "written")

# %% [markdown]
# ## The match table
#
# One row per match: `sentence` is the 0-based sentence index, `start`/`end` are character offsets
# (`text[start:end] == matched`), `voice` says whether the match is in the outlet's own narration,
# inside a direct quotation, or in a sentence attributed to a source.

# %%
rows = result.matches[result.matches["doc_id"] == DOC_ID]
rows[["sentence", "category", "entry", "matched", "start", "end", "voice", "lexicon", "lexicon_version"]]

# %%
rows.groupby("category").size().rename("matches").to_frame()

# %% [markdown]
# ## Who speaks: sources, cues and attributed content
#
# The attribution records of the article (docs/attribution.md): the **source** is underlined in the
# colour of its type (anonymous, named person, ...), the **cue** is framed, the **content** has a
# yellow background; hover a piece for its role. Then each hedge, booster or evidence-absent match
# with the attribution whose content holds it: the outlet's own words, or its sources'.

# %%
doc = corpus[corpus["doc_id"] == DOC_ID]
attributions = with_match_counts(attributions_frame(doc), rows)
display(HTML(highlight_attributions(article["text"], attributions, title=f"{DOC_ID}: attributions")))
attributions[["attribution", "cue", "source", "source_type", "resolved_source", "content", "hedged_content"]]

# %%
linked = rows.join(link_matches(rows, attributions))
linked[["category", "matched", "voice", "attribution", "source_type"]]

# %% [markdown]
# ## Explorer
#
# Pick an outlet, a category and a lexicon entry: the concordance lists every line where that entry
# matched, and the document dropdown shows any of those articles highlighted. (In a static rendering of
# this notebook the widgets do not appear; run it in JupyterLab.)

# %%
explorer = Explorer(corpus, result.matches)
explorer
