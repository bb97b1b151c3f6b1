"""Score a corpus with framing lexicons and write matches.csv, documents.csv, summary.csv, provenance.json.

Small corpora are loaded whole and scored in memory (``--jobs N`` spreads the documents over N
processes with identical results). Large files (over 128 MB), or any run given ``--chunk-size``,
``--resume`` or ``--scheduler``, are streamed: read and scored a chunk at a time, written incrementally,
resumable, with the same outputs (see :mod:`analysis.scale.stream`).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

# the library (pandas, numpy, pyarrow: about 0.35 s of one core) is imported by the functions that use it,
# once run() has started reading the corpus on a thread when that overlaps (--jobs N, see _prefetch)
from ..outputs import atomic_write_text, output_set, write_csv_parts, write_table
from ..progress import bar, wanted
from . import add_csv_escape_argument
from .selection import add_selection_arguments, selection_kwargs

# Corpus files larger than this are streamed even without --chunk-size (the output set is byte-identical;
# docs/scale.md): at 230 MB of JSONL (40,003 articles, 36.7M words) in memory peaks at 3.3 GB, in chunks of
# 2,000 documents at 0.7 GB for about 15% more CPU time. Not when the run selects documents (--outlets, ...)
# or counts as a peer (--compat): those are made in memory.
STREAM_THRESHOLD_BYTES = 128 * 1024 * 1024
DEFAULT_CHUNK_SIZE = 2000


def add_corpus_arguments(p):
    p.add_argument("corpus", help="corpus file or folder (csv, tsv, jsonl, parquet, folder of .txt or .html)")
    p.add_argument("--text-col", help="column holding the article text")
    p.add_argument("--id-col", help="column holding document ids")
    p.add_argument("--outlet-col", help="column holding the outlet name")
    p.add_argument("--date-col", help="column holding the publication date")
    p.add_argument("--title-col", help="column holding the headline")
    p.add_argument("--encoding", help="text encoding of the corpus file (default: UTF-8, BOM accepted)")
    p.add_argument("--input-format", choices=("csv", "tsv", "jsonl", "parquet", "txt", "html"), default=None,
                   help="read the corpus as this format (default: from the file suffix, or the folder's content)")
    p.add_argument("--split", metavar="NAME",
                   help="PolNeAR root: the split to read (train, dev, test, any split folder present, or all; "
                        "default: all from the root, the folder itself from a split folder)")
    add_dayfirst_argument(p)


def add_dayfirst_argument(p):
    """``--dayfirst`` / ``--no-dayfirst`` (default: the date column decides), for every command that loads a corpus."""
    p.add_argument("--dayfirst", action=argparse.BooleanOptionalAction, default=None,
                   help="read numeric dates such as 05/03/2024 day first (5 March) or, with --no-dayfirst, month "
                        "first (3 May); default: day first only if some date in the column has a first number "
                        "above 12, otherwise month first, and the load report counts the ambiguous dates")


def corpus_from_args(args, prefetch=None):
    from ..text.corpus import load_corpus

    return load_corpus(
        args.corpus, text_col=args.text_col, id_col=args.id_col, outlet_col=args.outlet_col,
        date_col=args.date_col, title_col=args.title_col, encoding=args.encoding, dayfirst=args.dayfirst,
        split=getattr(args, "split", None), fmt=getattr(args, "input_format", None),
        threads=getattr(args, "jobs", 1) > 1,  # --jobs 1: one core, reading included
        prefetch=prefetch,
    )


def _prefetch(args):
    """With ``--jobs N`` (N > 1), a CSV or TSV corpus file of 1 MB or more that is read whole: start
    reading and parsing it on a thread (:class:`analysis.text.arrowcsv.Prefetch`) now, while the
    library is imported (which holds the interpreter lock; the read and pyarrow's parser mostly do
    not). None otherwise: ``--jobs 1`` does everything on one core, one step after the other."""
    if args.jobs < 2 or _stream_asked(args):
        return None
    path = Path(args.corpus)
    sep = {"csv": ",", "tsv": "\t", "tab": "\t"}.get(args.input_format or path.suffix.lower().lstrip("."))
    try:
        size = path.stat().st_size if sep is not None and path.is_file() else 0
    except OSError:
        return None
    from ..text.arrowcsv import MIN_BYTES, Prefetch

    if not MIN_BYTES <= size <= STREAM_THRESHOLD_BYTES:
        return None
    return Prefetch(path, sep, args.encoding, threads=True)


def add_arguments(p):
    add_corpus_arguments(p)
    p.add_argument("--lexicon", action="append", default=[], metavar="NAME_OR_PATH",
                   help="lexicon name or file; repeat for several (default: all built-in lexicons)")
    p.add_argument("--categories", action="append", default=[], metavar="GLOB",
                   help="keep only these categories (e.g. 'hedging.*'); may repeat")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv",
                   help="table format (default csv; parquet is smaller and faster for large corpora)")
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes (default 1)")
    p.add_argument("--compat", choices=["liwc", "quanteda"], default=None,
                   help="count as LIWC (liwc-python) or quanteda do: their tokens, word counts and dictionary "
                        "rules (docs/patterns.md, 'same dictionary, three tools'); a lexicon's [meta] compat key "
                        "sets it too. Default: the project's own rules")
    p.add_argument("--chunk-size", type=int, metavar="DOCS",
                   help=f"stream the corpus in chunks of DOCS documents (default {DEFAULT_CHUNK_SIZE} for files "
                        "over 128 MB without a selection or --compat, otherwise the corpus is loaded whole)")
    p.add_argument("--resume", action="store_true",
                   help="resume an interrupted streaming run in --out without rescoring its finished chunks")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="score the chunks on a running Dask scheduler (e.g. tcp://10.0.0.5:8786)")
    add_csv_escape_argument(p)
    p.add_argument("--no-attributions", action="store_true",
                   help="do not extract attributions (attributions.csv is then not written)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.add_argument("--table-format", choices=["text", "markdown", "latex"], default="text",
                   help="how the summary table is printed; markdown and latex also write it as summary_table.md "
                        "or summary_table.tex in --out, ready for a paper (default text)")
    p.add_argument("--summary-top", type=int, default=6, metavar="N",
                   help="outlets (most documents first) in the printed summary; every outlet is in summary.csv "
                        "(default 6)")
    add_selection_arguments(p)


def _replaceable():
    from ..scale.stream import REPLACEABLE

    return [*REPLACEABLE, "summary_table.md", "summary_table.tex"]


def print_summary(result, file=None, *, top: int = 6, fmt: str = "text"):
    """Categories x the ``top`` outlets with most documents (the rest are in summary.csv), in ``fmt``.

    ``file`` defaults to the ``sys.stdout`` of the call (not of the import: a redirected stdout counts).
    """
    file = sys.stdout if file is None else file
    from ..report.tables import compact_summary, format_table

    summ = result.summary
    with_iv = "rate_low" in summ.columns and fmt != "text"
    table, note = compact_summary(summ, top=top, with_intervals=with_iv)
    what = " [95% document-bootstrap interval]" if with_iv else ""
    more = "; intervals in summary.csv" if "rate_low" in summ.columns and not with_iv else ""
    title = f"Matches per 1,000 tokens{what}, by category (rows) and outlet (columns, most documents first{more}):"
    print(format_table(table, fmt, caption=title), end="", file=file)
    if note:
        print(note, file=file)
    return table, title


def _stream_asked(args) -> bool:
    return args.chunk_size is not None or args.resume or args.scheduler


def _streaming(args) -> bool:
    """Asked for (--chunk-size, --resume, --scheduler), or a large file scored without a selection
    (``run`` sends --compat runs to ``run_compat`` before asking)."""
    if _stream_asked(args):
        return True
    path = Path(args.corpus)
    return not selection_kwargs(args) and path.is_file() and path.stat().st_size > STREAM_THRESHOLD_BYTES


def _check_args(args):
    if args.jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {args.jobs}")
    if getattr(args, "summary_top", 1) < 1:
        raise ValueError(f"--summary-top must be at least 1, got {args.summary_top}")
    if args.chunk_size is not None and args.chunk_size < 1:
        raise ValueError(f"--chunk-size must be at least 1, got {args.chunk_size}")
    if args.scheduler and args.jobs > 1:
        raise ValueError("give either --jobs or --scheduler, not both (the cluster decides how many workers run)")


def run_stream(args) -> int:
    from ..scale.stream import score_stream

    client = executor = None
    if args.scheduler:
        from ..scale.distributed import client_executor

        client, executor = client_executor(args.scheduler)
    quiet = args.quiet
    try:
        result = score_stream(
            args.corpus, args.out, args.lexicon or None, categories=args.categories or None,
            chunk_size=args.chunk_size or DEFAULT_CHUNK_SIZE, fmt=args.format, jobs=args.jobs, executor=executor,
            resume=args.resume, progress=wanted(quiet, args.no_progress),
            text_col=args.text_col, id_col=args.id_col, outlet_col=args.outlet_col, date_col=args.date_col,
            title_col=args.title_col, encoding=args.encoding, dayfirst=args.dayfirst, split=args.split,
            input_format=args.input_format,
            log=None if quiet else (lambda msg: print(msg, file=sys.stderr)), csv_escape=args.csv_escape,
            attributions=not args.no_attributions,
        )
    finally:
        if client is not None:
            client.close()
    if not quiet:
        print(result.report.summary(), file=sys.stderr)
        print_summary(result, top=args.summary_top, fmt=args.table_format)
        reused = f" ({result.chunks_reused} chunks reused from the interrupted run)" if result.chunks_reused else ""
        print(f"{result.n_matches} matches in {result.n_documents} documents written to {result.out}{reused}",
              file=sys.stderr)
    return 0


def _compat_mode(args):
    """``--compat``, else the ``[meta] compat`` key shared by every lexicon given (None: our own rules)."""
    if getattr(args, "compat", None):
        return args.compat
    if not args.lexicon:
        return None
    from ..lexicons.model import load_lexicon

    modes = set()
    for name in args.lexicon:
        if str(name).lower().endswith(".dic"):
            return None
        modes.add(load_lexicon(name).meta.get("compat"))
    if len(modes) == 1 and None not in modes:
        mode = modes.pop()
        if mode not in ("liwc", "quanteda"):
            raise ValueError(f"[meta] compat must be 'liwc' or 'quanteda', got {mode!r}")
        return mode
    if len(modes) > 1:
        raise ValueError(f"the lexicons ask for different compat modes ({sorted(map(str, modes))}): pass --compat")
    return None


def run_compat(args, mode: str) -> int:
    """``score --compat``: the peer's counts (matches and documents tables) written as one output set."""
    from ..measure.compat import score_compat

    if _stream_asked(args) or args.jobs > 1:
        raise ValueError("--compat scores in memory: leave out --chunk-size, --jobs and --scheduler")
    from ..provenance import dumps

    ext, esc = args.format, args.csv_escape
    with output_set(Path(args.out), "score", replaceable=_replaceable()) as tmp:  # locked from here
        corpus, report = corpus_from_args(args)
        if len(corpus) == 0:
            raise ValueError(f"nothing to score: all {report.n_read} rows of {args.corpus} were skipped")
        res = score_compat(corpus, args.lexicon or [], mode)
        prov = {**res.provenance, "load_report": report.provenance(), "csv_escape": _escape_note(args)}
        write_table(res.matches, tmp / f"matches.{ext}", csv_escape=esc)
        write_table(res.documents, tmp / f"documents.{ext}", csv_escape=esc)
        write_table(report.to_frame(), tmp / "load_report.csv", csv_escape=esc)
        atomic_write_text(tmp / "provenance.json", dumps(prov))
    if not args.quiet:
        print(report.summary(), file=sys.stderr)
        for note in res.notes:
            print(f"note: {note}", file=sys.stderr)
        print(f"--compat {mode}: {len(res.matches)} matches in {len(corpus)} documents "
              f"({int(res.documents['n_tokens'].sum())} words) written to {args.out}", file=sys.stderr)
    return 0


def _escape_note(args):
    return "apostrophe" if args.csv_escape and args.format == "csv" else False


def run(args) -> int:
    _check_args(args)
    prefetch = _prefetch(args)
    try:
        return _run(args, prefetch)
    finally:
        if prefetch is not None:
            prefetch.join()  # (it has finished when the corpus was read; not when an error came first)


def _import_library():
    """The modules this command uses (pandas, numpy and pyarrow with them), imported now, and frozen for
    the garbage collector as the command line freezes what it imported before the command
    (:func:`analysis.cli.freeze_imported`: each full collection walked them all again, about 0.2 s of
    the 10M-token benchmark)."""
    from .. import provenance  # noqa: F401
    from ..scale import parallel, pipeline, stream  # noqa: F401
    from ..text import corpus, select  # noqa: F401
    from . import freeze_imported

    freeze_imported()


def _run(args, prefetch) -> int:
    _import_library()
    mode = _compat_mode(args)
    if selection_kwargs(args) and (mode is not None or _stream_asked(args)):
        raise ValueError("--outlets, --exclude-outlets, --since, --until and --pair select in memory: leave out "
                         "--compat, --chunk-size, --resume and --scheduler (or select the corpus file first)")
    if mode is not None:
        return run_compat(args, mode)
    if _streaming(args):
        return run_stream(args)
    out = Path(args.out)
    # the output set is locked and checked before the corpus is read: a second run into the same
    # folder, or a folder of someone else's files, is refused before any work
    with output_set(out, "score", replaceable=_replaceable()) as tmp:
        corpus, report, result, selection = _score_in_memory(args, tmp, prefetch)
    if not args.quiet:
        print(report.summary(), file=sys.stderr)
        if selection is not None:
            print(selection.summary(), file=sys.stderr)
        print_summary(result, top=args.summary_top, fmt=args.table_format)
        print(f"{len(result.matches)} matches in {len(corpus)} documents written to {out}", file=sys.stderr)
    return 0


def _score_in_memory(args, tmp, prefetch=None):
    from ..provenance import dumps
    from ..scale.parallel import fork_task
    from ..scale.pipeline import IntervalShare, add_summary_intervals, score_corpus
    from ..text.corpus import metadata_table
    from ..text.select import select_documents

    show = wanted(args.quiet, args.no_progress)  # bars on stderr only when it is a terminal
    with bar("reading", total=1, unit="file", enabled=show) as b:
        corpus, report = corpus_from_args(args, prefetch)
        b.update(1)
    if len(corpus) == 0:
        first = f"; first: {report.issues[0]}" if report.issues else ""
        raise ValueError(f"nothing to score: all {report.n_read} rows of {args.corpus} were skipped{first}")
    selection = None
    chosen = selection_kwargs(args)
    if chosen:
        corpus, selection = select_documents(corpus, **chosen)
    result = score_corpus(corpus, args.lexicon or None, categories=args.categories or None, jobs=args.jobs,
                          attributions=not args.no_attributions,
                          csv_escape=args.csv_escape if args.format == "csv" else None, show_progress=show,
                          log=lambda msg: print(msg, file=sys.stderr), intervals=False)
    ext = args.format
    # all the files appear together or not at all: a killed run leaves the previous complete set
    esc = args.csv_escape
    parts = result.csv_parts or {}
    meta = metadata_table(corpus)
    n_files = 5 + (meta is not None) + 2 * (result.attributions is not None)

    def write_large():  # most of the bytes of the set, but attributions.csv
        write_csv_parts(result.matches, tmp / f"matches.{ext}", parts.get("matches"), csv_escape=esc)
        write_table(result.documents, tmp / f"documents.{ext}", csv_escape=esc)

    def write_attributions_file():
        if result.attributions is not None:
            path = tmp / f"attributions.{ext}"
            if parts.get("attributions") is not None:  # rows formatted by the processes that scored them
                write_csv_parts(result.attributions, path, parts["attributions"], csv_escape=esc)
            else:
                from ..measure.attribution import write_attributions

                write_attributions(result.attributions, path, csv_escape=esc)  # write_table's bytes

    with bar("writing", total=n_files, unit="file", enabled=show) as b:
        # --jobs N: a forked child writes matches and documents, then helps this process with the
        # summary's bootstrap intervals (outlets shared out, IntervalShare), while this process writes
        # attributions.csv (the largest file: 84 of the 140 MB at 10M tokens), computes its share of the
        # intervals and writes the rest; the set is sealed only once the child has finished (a child that fails or is
        # killed fails the run, and the staging folder is removed)
        share = IntervalShare(result) if args.jobs > 1 else None

        def write_then_share():  # the child: matches and documents, then its share of the intervals
            write_large()
            return share.work()

        writer = fork_task(write_then_share, "the writer of matches and documents") \
            if share is not None else None
        try:
            if writer is None:
                write_large()
                write_attributions_file()
                add_summary_intervals(result, show_progress=show)
            else:  # this process: attributions.csv (the largest file) while the child writes the others
                write_attributions_file()
                mine = share.work()
            if meta is not None:  # every extra corpus column, so that compare --by COLUMN needs no --corpus
                write_table(meta, tmp / f"metadata.{ext}", csv_escape=esc)
            write_table(report.to_frame(), tmp / "load_report.csv", csv_escape=esc)
            if result.attributions is not None:
                from ..measure.attribution import attribution_provenance

                # its own provenance file: provenance.json stays that of the scoring (as a streamed run's)
                att_prov = {"corpus_sha256": result.provenance.get("corpus_sha256"),
                            "lexicons": result.provenance.get("lexicons"), "csv_escape": _escape_note(args),
                            **attribution_provenance(result.attributions)}
                atomic_write_text(tmp / "attributions_provenance.json", dumps(att_prov))
            if writer is not None:
                add_summary_intervals(result, parts=mine + writer.join())
            write_table(result.summary, tmp / f"summary.{ext}", csv_escape=esc)
            prov = dict(result.provenance)
            prov["load_report"] = report.provenance()  # counts and notes (the issues are in load_report.csv)
            if selection is not None:
                prov["selection"] = selection.provenance()
            prov["csv_escape"] = _escape_note(args)
            if meta is not None:
                prov["metadata"] = {"table": f"metadata.{ext}", "columns": list(meta.columns[1:])}
            atomic_write_text(tmp / "provenance.json", dumps(prov))
        except BaseException:
            if writer is not None:
                writer.stop()
            raise
        b.update(n_files)
    if args.table_format != "text":
        import io

        from ..report.tables import table_suffix

        buf = io.StringIO()
        print_summary(result, buf, top=args.summary_top, fmt=args.table_format)
        atomic_write_text(tmp / f"summary_table{table_suffix(args.table_format)}", buf.getvalue())
    return corpus, report, result, selection
