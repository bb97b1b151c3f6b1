"""Tools for lexicon authors: ``python -m analysis lexicon validate|show|diff|convert``.

``validate FILE [--strict]`` prints ``file:line: level: message`` for every issue and exits 1 when there
are errors (or warnings, with ``--strict``), else 0. ``show NAME_OR_FILE [--entries]`` prints name,
version, licence, hash and categories. ``diff OLD NEW`` prints added, removed and changed entries and the
version and hash change. ``convert IN OUT`` converts between TOML, LIWC ``.dic``, LIWC-22 ``.dicx``,
quanteda YAML and CSV, reporting every quirk read and every entry the target cannot express.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..lexicons.formats import FORMATS, read_lexicon, write_lexicon
from ..lexicons.model import builtin_lexicon_names, load_lexicon
from ..lexicons.validate import count_levels, diff_lexicons, validate_lexicon


def add_arguments(p):
    sub = p.add_subparsers(dest="lexicon_command", metavar="SUBCOMMAND", required=True)
    v = sub.add_parser("validate", help="check a lexicon: schema, duplicates, shadowed entries, tokenizer, globs")
    v.add_argument("file", help="lexicon file (.toml, .dic, .dicx, .yml, .csv) or built-in name")
    v.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    v.add_argument("--quiet", action="store_true", help="do not print info messages")
    s = sub.add_parser("show", help="name, version, licence, hash and categories of a lexicon")
    s.add_argument("lexicon", help="built-in name or lexicon file")
    s.add_argument("--entries", action="store_true", help="list the entries of every category")
    d = sub.add_parser("diff", help="entries added, removed and changed between two lexicon versions")
    d.add_argument("old")
    d.add_argument("new")
    d.add_argument("--csv", metavar="PATH", help="also write the differences as a CSV table")
    c = sub.add_parser("convert", help=f"convert between formats ({', '.join(FORMATS)})")
    c.add_argument("input", help="lexicon file or built-in name")
    c.add_argument("output", help="file to write; the format follows the extension")
    c.add_argument("--name", help="[meta] name for formats without one (default: the file name)")
    c.add_argument("--version", dest="lex_version", help="[meta] version for formats without one (default 0.1.0)")
    c.add_argument("--approximate", action="store_true",
                   help="export entries with contexts or case sensitivity without them (each reported) "
                        "instead of skipping them")
    c.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    c.add_argument("--quiet", action="store_true", help="do not print info messages")


def run(args) -> int:
    return {"validate": _validate, "show": _show, "diff": _diff, "convert": _convert}[args.lexicon_command](args)


def _print_issues(issues, quiet=False):
    for i in issues:
        if quiet and i.level == "info":
            continue
        print(i)


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def _validate(args) -> int:
    issues = validate_lexicon(args.file)
    _print_issues(issues, args.quiet)
    n = count_levels(issues)
    print(f"{args.file}: {_plural(n['error'], 'error')}, {_plural(n['warning'], 'warning')}, "
          f"{_plural(n['info'], 'note')}", file=sys.stderr)
    return 1 if n["error"] or (args.strict and n["warning"]) else 0


def _load(source, issues):
    p = Path(source)
    if p.suffix.lower() in FORMATS and p.suffix.lower() != ".toml" and p.is_file():
        return read_lexicon(p, issues)
    return load_lexicon(source)


def _show(args) -> int:
    issues: list = []
    lex = _load(args.lexicon, issues)
    meta = lex.meta
    print(f"name:     {lex.name}")
    print(f"version:  {lex.version}")
    print(f"licence:  {meta.get('licence') or meta.get('license') or '(not stated)'}")
    print(f"sha256:   {lex.sha256}")
    print(f"source:   {lex.path or '(in memory)'}")
    if meta.get("description"):
        print(f"about:    {meta['description']}")
    if lex.slots:
        print(f"slots:    {', '.join(f'@{k} ({len(v)})' for k, v in lex.slots.items())}")
    total = sum(len(c.entries) for c in lex.categories.values())
    print(f"categories ({len(lex.categories)}, {total} entries):")
    width = max(len(c) for c in lex.categories)
    for name, cat in lex.categories.items():
        label = cat.extra.get("label")
        desc = cat.description or (f"(label {label!r})" if label else "")
        print(f"  {name:<{width}}  {len(cat.entries):>6}  {desc}".rstrip())
        if args.entries:
            for e in cat.entries:
                opts = e.as_dict()
                opts.pop("pattern")
                extra = "  " + json.dumps(opts, ensure_ascii=False) if opts else ""
                print(f"      {e.pattern}{extra}")
    serious = [i for i in issues if i.level != "info"]
    if serious:
        print(f"({_plural(len(serious), 'problem')} while reading; run `python -m analysis lexicon validate "
              f"{args.lexicon}`)", file=sys.stderr)
    return 0


def _diff(args) -> int:
    old_issues: list = []
    new_issues: list = []
    old, new = _load(args.old, old_issues), _load(args.new, new_issues)
    df = diff_lexicons(old, new)
    a = df.attrs
    name = a["new_name"] if a["old_name"] == a["new_name"] else f"{a['old_name']} -> {a['new_name']}"
    print(f"{name}: version {a['old_version']} -> {a['new_version']}, sha256 {a['old_sha256'][:12]} -> "
          f"{a['new_sha256'][:12]}" + (" (same content)" if a["old_sha256"] == a["new_sha256"] else ""))
    if a["old_sha256"] != a["new_sha256"] and a["old_version"] == a["new_version"]:
        print("warning: the content changed but the version did not; bump it so outputs can tell them apart")
    if df.empty:
        print("no entry changed" + (" (entries only reordered: order has no effect)"
                                    if a["old_sha256"] == a["new_sha256"]
                                    and [e.pattern for e in old.entries] != [e.pattern for e in new.entries] else ""))
    sign = {"added": "+", "removed": "-", "changed": "~"}
    for cat, rows in df.groupby("category", sort=False):
        counts = rows["change"].value_counts()
        print(f"{cat}: " + " ".join(f"{sign[k]}{counts.get(k, 0)}" for k in ("added", "removed", "changed")))
        for r in rows.itertuples(index=False):
            if r.change == "changed":
                what = r.pattern or "(category)"
                print(f"  ~ {what}  [{r.fields}]  {r.old or '{}'} -> {r.new or '{}'}")
            else:
                opts = r.new if r.change == "added" else r.old
                print(f"  {sign[r.change]} {r.pattern}" + (f"  {opts}" if opts else ""))
    if args.csv:
        from ..outputs import write_table

        write_table(df, args.csv)
    return 0


def _convert(args) -> int:
    out = Path(args.output)
    if out.suffix.lower() not in FORMATS:
        raise ValueError(f"{out}: unknown output format {out.suffix or '(no extension)'!r} "
                         f"(supported: {', '.join(FORMATS)})")
    if out.exists() and not args.force:
        raise ValueError(f"{out} exists; pass --force to overwrite it")
    src = Path(args.input)
    issues: list = []
    if src.suffix.lower() in FORMATS and src.suffix.lower() != ".toml":
        if not src.is_file():
            raise ValueError(f"{src}: no such lexicon file")
        lex = read_lexicon(src, issues, name=args.name, version=args.lex_version)
    else:
        lex = load_lexicon(args.input if args.input in builtin_lexicon_names() else src)
    issues += write_lexicon(lex, out, approximate=args.approximate)
    _print_issues(issues, args.quiet)
    n = count_levels(issues)
    skipped = sum(i.code == "export-skipped" for i in issues)
    written = len(lex.entries) - skipped
    print(f"wrote {out}: {written} of {len(lex.entries)} entries in {len(lex.categories)} categories"
          + (f"; {skipped} skipped (see warnings)" if skipped else "")
          + f"; {_plural(n['error'], 'error')}, {_plural(n['warning'], 'warning')}", file=sys.stderr)
    return 1 if n["error"] else 0
