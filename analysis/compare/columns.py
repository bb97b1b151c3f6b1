"""Checks on the columns of the tables every comparison takes, shared by the modules of ``analysis.compare``.

A Documents table names its categories by columns ``<category>:count`` (``docs/architecture.md``); a
Matches table has one row per match with its leaf ``category``. These helpers turn what a caller passed
(a grouping column or several, category names) into checked lists, and refuse wrong input early with a
one-line message that names the table and what it does have.

Examples
--------
>>> import pandas as pd
>>> docs = pd.DataFrame({"doc_id": ["a"], "outlet": ["X"], "hedging:count": [1], "booster:count": [0]})
>>> available_categories(docs)
['hedging', 'booster']
>>> resolve_categories(docs, "booster")
['booster']
>>> require_columns(docs, ["outlet", "lean"], "documents")
Traceback (most recent call last):
...
ValueError: unknown column(s) ['lean'] in the documents table; available: ['doc_id', 'outlet', 'hedging:count', 'booster:count']
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = [
    "COUNT_SUFFIX",
    "as_list",
    "available_categories",
    "category_matches",
    "distinct",
    "require_columns",
    "resolve_categories",
]

COUNT_SUFFIX = ":count"


def available_categories(documents: pd.DataFrame) -> list[str]:
    """Return the categories present in a Documents table (columns ``c:count``), in column order.

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"doc_id": ["a"], "hedging:count": [1], "hedging:rate": [2.0]})
    >>> available_categories(docs)
    ['hedging']
    """
    return [c[: -len(COUNT_SUFFIX)] for c in documents.columns if str(c).endswith(COUNT_SUFFIX)]


def as_list(by: str | Sequence[str]) -> list[str]:
    """Return the grouping column(s) ``by`` as a list of names.

    Parameters
    ----------
    by : str or sequence of str
        One column name, or several.

    Returns
    -------
    list of str
        ``[by]`` for one name, else the names in the order given.

    Raises
    ------
    ValueError
        When ``by`` is an empty sequence.

    Examples
    --------
    >>> as_list("outlet"), as_list(("lean", "outlet"))
    (['outlet'], ['lean', 'outlet'])
    """
    if isinstance(by, str):
        return [by]
    by = list(by)
    if not by:
        raise ValueError("`by` must name at least one column")
    return by


def require_columns(df: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    """Refuse a table that lacks any of ``columns``.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to check.
    columns : sequence of str
        Columns it must have.
    table : str
        The table's name in the message (``"documents"``, ``"matches"``, ``"corpus"``, ...).

    Raises
    ------
    ValueError
        Naming every missing column and the columns the table does have.
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"unknown column(s) {missing} in the {table} table; available: {list(df.columns)}"
        )


def resolve_categories(documents: pd.DataFrame, categories) -> list[str]:
    """Return the categories to compare: ``categories`` checked against the Documents table.

    Parameters
    ----------
    documents : pandas.DataFrame
        A Documents table with ``<category>:count`` columns.
    categories : str, sequence of str or None
        One category, several, or None for every category of the table (in column order).

    Returns
    -------
    list of str
        The category names, in the order given.

    Raises
    ------
    ValueError
        When the table has no category columns, ``categories`` is empty, or a category has no
        ``:count`` column (the message lists the available ones).
    """
    available = available_categories(documents)
    if categories is None:
        if not available:
            raise ValueError(
                "the documents table has no category columns (expected columns named 'c:count')"
            )
        return available
    if isinstance(categories, str):
        categories = [categories]
    categories = list(categories)
    if not categories:
        raise ValueError("`categories` is empty: name at least one category")
    unknown = [c for c in categories if c not in available]
    if unknown:
        raise ValueError(
            f"unknown category {unknown[0]!r} (no column {unknown[0] + COUNT_SUFFIX!r}); "
            f"available categories: {available}"
        )
    return categories


def distinct(values: pd.Series) -> set:
    """Return ``set(values.astype(str))`` without iterating over every row in Python."""
    return set(values.astype(str).unique().tolist())


def category_matches(matches: pd.DataFrame, category: str) -> pd.DataFrame:
    """Return the matches of ``category``: rows labelled with it, else rows of its subcategories.

    Matches normally carry leaf categories; a roll-up such as ``hedging`` gathers ``hedging.modal``,
    ``hedging.lexical`` and so on. Rows labelled with the roll-up itself take precedence, so that
    nothing is counted twice.

    Parameters
    ----------
    matches : pandas.DataFrame
        A Matches table (at least a ``category`` column).
    category : str
        A leaf category or a roll-up (family) name.

    Returns
    -------
    pandas.DataFrame
        The selected rows, in their original order (a view of ``matches``; copy before changing it).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"category": ["hedging.modal", "booster", "hedging.lexical"], "entry": ["may", "very", "seem"]})
    >>> category_matches(m, "hedging")["entry"].tolist()
    ['may', 'seem']
    """
    cats = matches["category"].astype(str)
    known = distinct(cats)
    if category in known:
        return matches[(cats == category).to_numpy()]
    return matches[cats.isin([c for c in known if c.startswith(category + ".")]).to_numpy()]
