"""The selection options shared by ``score``, ``compare`` and ``figures`` (not a command).

Each option maps to the parameter of the same name of :func:`analysis.text.select.select_documents`.
"""
from __future__ import annotations

SELECTION_OPTIONS = ("outlets", "exclude_outlets", "since", "until", "pair", "by")


def add_selection_arguments(p, *, pair: bool = True, by: bool = True) -> None:
    """Add ``--outlets``, ``--exclude-outlets``, ``--since``, ``--until`` (and ``--pair``, ``--by``)."""
    g = p.add_argument_group("selection (which documents the run looks at; recorded in provenance.json)")
    g.add_argument("--outlets", nargs="+", action="extend", metavar="NAME",
                   help="keep only these outlets (values of the --by column); may repeat")
    g.add_argument("--exclude-outlets", nargs="+", action="extend", metavar="NAME",
                   help="leave these outlets (values of the --by column) out; may repeat")
    g.add_argument("--since", metavar="DAY", help="first day kept (YYYY-MM-DD, YYYY-MM or YYYY); "
                   "documents without a date are then left out and counted")
    g.add_argument("--until", metavar="DAY", help="last day kept, included (YYYY-MM-DD, YYYY-MM or YYYY)")
    if pair:
        g.add_argument("--pair", nargs=2, metavar=("A", "B"), help="keep only these two groups")
    if by:
        g.add_argument("--by", default="outlet", metavar="COLUMN",
                       help="column the group options name values of (default outlet; any corpus column)")


def selection_kwargs(args) -> dict:
    """The keyword arguments of ``select_documents`` given on the command line (unset ones left out)."""
    out = {k: getattr(args, k) for k in SELECTION_OPTIONS if getattr(args, k, None) is not None}
    if out.get("by") == "outlet" and len(out) == 1:
        return {}
    return out
