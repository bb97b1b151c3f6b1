"""The load report: what happened to every input row of a corpus.

:class:`LoadReport` holds the counts (rows read, loaded, skipped), one :class:`LoadIssue` per row that
had a problem (skipped, or kept with something changed) and notes about whole-file decisions. Every
issue has a ``kind`` (``date_relative``, ``date_out_of_range``, ``text_empty``, ...) so that
``provenance.json`` can count them by kind without the rows.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["CorpusError", "LoadIssue", "LoadReport"]


class CorpusError(ValueError):
    """A corpus that cannot be read at all; the message names the file (and row or line)."""


@dataclass
class LoadIssue:
    file: str
    row: int | str
    problem: str
    action: str  # "skipped" or what was done to keep the row
    kind: str = field(default="other", compare=False)  # for the counts in provenance.json

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.problem} ({self.action})"


@dataclass
class LoadReport:
    """What happened to every input row."""

    source: str
    n_read: int = 0
    n_loaded: int = 0
    issues: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    coerced: dict = field(default_factory=dict)  # "role:column" -> cells that were numbers or booleans
    # ("role:column:bytes" / ":not_utf8": binary cells decoded as UTF-8 / of them, those with bytes replaced)

    @property
    def n_skipped(self) -> int:
        return sum(1 for i in self.issues if i.action == "skipped")

    def add(self, file, row, problem, action, kind: str = "other"):
        self.issues.append(LoadIssue(str(file), row, problem, action, kind))

    def counts(self) -> dict:
        """Issues by kind, sorted by kind (``{"date_relative": 3, "duplicate_id": 1}``).

        >>> r = LoadReport("a.csv")
        >>> r.add("a.csv", 2, "relative date 'now'", "date set to unknown (NaT)", "date_relative")
        >>> r.counts()
        {'date_relative': 1}
        """
        return dict(sorted(Counter(i.kind for i in self.issues).items()))

    def provenance(self) -> dict:
        """The counts and the notes, for ``provenance.json`` (the issues themselves go to ``load_report.csv``).

        >>> LoadReport("a.csv", n_read=3, n_loaded=3, notes=["no date column: dates unknown"]).provenance()["notes"]
        ['no date column: dates unknown']
        """
        return {"rows_read": self.n_read, "rows_loaded": self.n_loaded, "rows_skipped": self.n_skipped,
                "issues": len(self.issues), "issue_kinds": self.counts(),
                "coerced_to_text": dict(sorted(self.coerced.items())), "notes": list(self.notes)}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([(i.file, i.row, i.problem, i.action) for i in self.issues],
                            columns=["file", "row", "problem", "action"])

    def summary(self, max_issues: int = 20) -> str:
        head = (
            f"load report for {self.source}: {self.n_read} rows read, {self.n_loaded} loaded, "
            f"{self.n_skipped} skipped, {len(self.issues) - self.n_skipped} kept with a problem"
        )
        lines = [head]
        lines += [f"  note: {n}" for n in self.notes]
        for issue in self.issues[:max_issues]:
            lines.append(f"  {issue}")
        if len(self.issues) > max_issues:
            lines.append(f"  ... and {len(self.issues) - max_issues} more (see load_report.csv)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
