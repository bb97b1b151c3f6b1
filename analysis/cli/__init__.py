"""Command line: ``python -m analysis COMMAND ...``.

Commands live in this package, one module each, and are imported only when used; they parse,
call the library and write; each module provides
``add_arguments(parser)`` and ``run(args) -> int``. Every expected failure (bad input, bad lexicon,
bad request) exits with status 2 and a one-line ``error: ...`` message, never a traceback.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import warnings

# command -> (module, help)
COMMANDS = {
    "score": ("analysis.cli.score", "score a corpus: matches, documents, summary, provenance"),
    "lexicon": ("analysis.cli.lexicon", "validate, show, diff and convert lexicons"),
    "compare": ("analysis.cli.compare", "comparison tables for a scored corpus"),
    "figures": ("analysis.cli.figures", "regenerate every figure"),
    "evaluate": ("analysis.cli.evaluate", "evaluate a lexicon or model against gold annotations"),
    "learn": ("analysis.cli.learn", "train a sentence-level uncertainty classifier"),
    "code": ("analysis.cli.code", "hand-coding samples and their evaluation"),
}


class UserError(Exception):
    """An expected failure: printed as one line, exit status 2."""


def add_csv_escape_argument(p) -> None:
    """``--no-csv-escape`` (``args.csv_escape``), for every command that writes CSV."""
    p.add_argument("--no-csv-escape", dest="csv_escape", action="store_false",
                   help="write CSV cells starting with = + - @ (or a tab or CR) as they are, without the leading "
                        "apostrophe that stops spreadsheets from running them as formulas (docs/reliability.md)")


def _expected_errors():
    # OSError covers missing files, permissions, a folder where a file is expected and the reverse
    errs = [UserError, ValueError, OSError]
    return tuple(errs)


def build_parser(command: str | None = None, *, every: bool = False) -> argparse.ArgumentParser:
    """The parser; with ``command``, only that command's module is imported (the others are listed in
    the help without their options), so ``score`` does not pay for importing scipy.stats and the rest.
    Without ``command`` no command module is imported (``--help`` lists them by name), unless
    ``every`` asks for every command's full options (documentation, tests)."""
    parser = argparse.ArgumentParser(prog="python -m analysis", description="media-framing-analysis")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_) in COMMANDS.items():
        if not every and name != command:
            sub.add_parser(name, help=help_)
            continue
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue  # this command is not available in this build
            raise
        p = sub.add_parser(name, help=help_, description=(mod.__doc__ or help_).strip().split("\n\n")[0])
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


_WHOLE_PROCESS = False  # main() runs as the whole process (python -m analysis): see freeze_imported


def freeze_imported() -> None:
    """When :func:`main` runs as the whole process, stop the garbage collector from visiting what is in
    memory now (``gc.freeze``), as ``main`` does for what was imported before the command ran: for a
    command that imports the library itself, later (``score`` does, to read the corpus meanwhile)."""
    if _WHOLE_PROCESS:
        gc.freeze()


#: the memory pool pyarrow allocates from in the commands of :data:`MALLOC_COMMANDS` run as the whole
#: process, unless the environment already names one (``ARROW_DEFAULT_MEMORY_POOL``): the C library's
#: malloc. With pyarrow's default (mimalloc) the memory score's Arrow tables free went back to the kernel
#: and came back as new pages, zeroed again: the 10M-token ``score`` spent 0.74-0.96 s in the kernel
#: against 0.34-0.47 s with malloc (docs/scale.md); a script that only reads the file is the same either
#: way. ``compare`` keeps pyarrow's default: it holds its large tables, and with malloc its peak on the
#: 40M-word corpus rose from 1.6 to 2.2-2.3 GB.
ARROW_MEMORY_POOL = "system"
MALLOC_COMMANDS = ("score",)


def use_arrow_memory_pool(environ=None) -> str:
    """Name the memory pool pyarrow will allocate from (:data:`ARROW_MEMORY_POOL`), unless ``environ``
    (``os.environ``) names one already; the name in effect. pyarrow reads it when it first allocates, so
    :func:`main` calls this before anything imports pyarrow; the workers it starts inherit it."""
    environ = os.environ if environ is None else environ
    return environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", ARROW_MEMORY_POOL)


#: the commands that, run as the whole process, ask OpenBLAS for one thread (:func:`use_one_blas_thread`).
#: Their matrix products (the summary's bootstrap: resamples x documents times a few columns) are
#: memory-bound, so a second thread saves nothing, but OpenBLAS starts one thread per core when numpy is
#: imported and those threads spin after each product: 0.10 CPU s of the 10M-token ``score --jobs 1``
#: (on the core the command does not use) and 0.19 s of ``--jobs 2``, where they take time from the
#: workers (wall 2.71 -> 2.61 s, median of five; benchmarks/README.md). threadpoolctl's limit around the
#: bootstrap did not stop them. The products are the same on one thread (tests/compare/test_fast_bootstrap.py).
ONE_BLAS_THREAD_COMMANDS = ("score",)


def use_one_blas_thread(environ=None) -> str:
    """Ask OpenBLAS for one thread (``OPENBLAS_NUM_THREADS=1``) unless ``environ`` (``os.environ``)
    sets it already; the value in effect. OpenBLAS reads it when numpy is first imported, so :func:`main`
    calls this before that; the workers it starts inherit it."""
    environ = os.environ if environ is None else environ
    return environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """How the command line shows a warning: ``warning: <first line of the message>`` on stderr, without
    the library file and line Python prints (``figures`` on a corpus with undated articles printed
    ``.../analysis/report/figures.py:1001: UserWarning: ...`` and the source line)."""
    text = str(message).strip().splitlines()
    print(f"warning: {text[0] if text else category.__name__}", file=file if file is not None else sys.stderr)


def main(argv=None) -> int:
    global _WHOLE_PROCESS
    whole_process = argv is None  # the command line (python -m analysis), not a call from Python
    argv = sys.argv[1:] if argv is None else list(argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    if whole_process and command in MALLOC_COMMANDS and "pyarrow" not in sys.modules:
        use_arrow_memory_pool()
    if whole_process and command in ONE_BLAS_THREAD_COMMANDS and "numpy" not in sys.modules:
        use_one_blas_thread()
    parser = build_parser(command) if command else build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    if whole_process:
        # the modules, functions and tables imported so far live until the process ends: the collector
        # stops visiting them (each full collection of a score run went through them all again: about
        # 0.1 s of the 10M-token benchmark). Garbage made afterwards is collected as before. Not done
        # for main(argv) called from Python, whose later garbage would be frozen with the rest.
        gc.freeze()
        _WHOLE_PROCESS = True
        warnings.showwarning = show_warning  # one line, no source path (Python callers keep their own)
    try:
        return int(args._run(args) or 0)
    except _expected_errors() as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
