"""Tables a person reads: the compact score summary, Markdown and LaTeX export."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.report.tables import compact_summary, format_table


def _summary(n_outlets: int) -> pd.DataFrame:
    rows = [{"outlet": f"Outlet number {i} with a long name", "category": c, "documents": n_outlets - i,
             "rate_per_1k": 1.5 * i + k, "rate_low": i, "rate_high": 2 * i + k}
            for i in range(n_outlets) for k, c in enumerate(["hedging", "booster"])]
    return pd.DataFrame(rows)


def test_compact_summary_stays_narrow_at_500_outlets():
    table, note = compact_summary(_summary(500), top=6)
    text = format_table(table)
    assert max(len(line) for line in text.splitlines()) <= 120
    assert list(table.index) == ["hedging", "booster", "(documents)"]
    assert table.loc["(documents)"].tolist() == ["500", "499", "498", "497", "496", "495"]  # largest first
    assert note.startswith("494 more outlets (") and "summary.csv" in note


def test_compact_summary_all_outlets_no_note():
    table, note = compact_summary(_summary(3), top=6, with_intervals=True)
    assert note == "" and table.shape == (3, 3)
    assert table.iloc[0, 0].endswith("[0.00, 0.00]")


def test_markdown_and_latex_escape_their_markup():
    t = pd.DataFrame({"R&D_News|x": ["50%"]}, index=pd.Index(["hedging"], name="category"))
    md = format_table(t, "markdown", caption="Rates")
    assert md.splitlines()[0] == "Rates" and "| category | R&D_News\\|x |" in md
    tex = format_table(t, "latex")
    assert "R\\&D\\_News|x" in tex and "50\\%" in tex
    assert tex.startswith("\\begin{tabular}{lr}") and tex.rstrip().endswith("\\end{tabular}")
    with pytest.raises(ValueError, match="unknown table format"):
        format_table(t, "html")
