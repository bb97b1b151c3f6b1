"""Start-up stays cheap (issue 19.2): the facade, ``--help`` and ``score --help`` import only what they use."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("scipy", "statsmodels", "datasketch", "matplotlib", "sklearn", "trafilatura", "nltk")


def _imported_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nimport json; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(modules: set[str], names=HEAVY) -> set[str]:
    return {m for m in modules if m.split(".")[0] in names}


def test_import_analysis_imports_no_library():
    mods = _imported_after("import analysis")
    assert not _heavy(mods, HEAVY + ("pandas", "numpy", "pyarrow"))


def test_top_level_help_imports_no_command():
    mods = _imported_after("from analysis.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass")
    assert not _heavy(mods, HEAVY + ("pandas", "numpy"))
    assert not any(m.startswith("analysis.cli.") for m in mods)


def test_score_help_imports_no_statistics_or_plotting():
    mods = _imported_after("from analysis.cli import main\ntry:\n    main(['score', '--help'])\nexcept SystemExit:\n    pass")
    assert "analysis.cli.score" in mods
    assert not _heavy(mods)
    assert "analysis.compare.pipeline" not in mods


def test_help_still_lists_every_command(capsys):
    from analysis.cli import COMMANDS, main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(name in out for name in COMMANDS)


def test_facade_names_are_the_library_functions():
    import analysis
    from analysis.compare.pipeline import run_all
    from analysis.measure.scoring import score
    from analysis.text.corpus import load_corpus

    assert analysis.score is score and analysis.load_corpus is load_corpus
    assert analysis.compare_outlets is run_all is analysis.run_all
    assert set(analysis.__all__) == set(analysis._ENTRY_POINTS) and set(analysis.__all__) <= set(dir(analysis))
    with pytest.raises(AttributeError):
        analysis.no_such_entry_point  # noqa: B018


def test_compare_package_exports_resolve_lazily():
    mods = _imported_after("import analysis.compare.rates")
    assert "analysis.compare.duplicates" not in mods and "datasketch" not in {m.split('.')[0] for m in mods}
    import types

    import analysis.compare.kwic  # noqa: F401  (a submodule named like its function)
    from analysis import compare

    for name in compare.__all__:
        value = getattr(compare, name)
        assert not isinstance(value, types.ModuleType) and value.__name__ == name
        assert value.__module__.startswith("analysis.compare.")


def test_the_command_line_allocates_arrow_memory_with_malloc_unless_told_otherwise(tmp_path):
    """``python -m analysis`` names pyarrow's memory pool before pyarrow is imported (the C library's
    malloc, see ``analysis.cli.ARROW_MEMORY_POOL``); a pool the environment names is kept; main(argv)
    called from Python leaves the environment alone."""
    import os

    from analysis.cli import use_arrow_memory_pool

    env = {}
    assert use_arrow_memory_pool(env) == "system" and env == {"ARROW_DEFAULT_MEMORY_POOL": "system"}
    env = {"ARROW_DEFAULT_MEMORY_POOL": "jemalloc"}
    assert use_arrow_memory_pool(env) == "jemalloc"
    base = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}

    def pool(argv, *, whole_process=True, **extra):
        """(exit status, pyarrow's pool) of main() on ``argv`` (a command that fails: no such file),
        run as the command line (``sys.argv``) or called from Python with ``argv``."""
        call = f"sys.argv = ['analysis', *{argv!r}]\nrc = main()" if whole_process else f"rc = main({argv!r})"
        code = f"import sys\nfrom analysis.cli import main\n{call}\nimport pyarrow as pa\nprint(rc, pa.default_memory_pool().backend_name)"
        done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120,
                              env={**base, **extra})
        return done.stdout.split()

    score = ["score", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")]
    default = subprocess.run([sys.executable, "-c", "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"],
                             check=True, capture_output=True, text=True, timeout=120, env=base).stdout.strip()
    assert pool(score) == ["2", "system"]  # the command failed (no such file) after naming the pool
    assert pool(["compare", str(tmp_path / "none"), "--out", str(tmp_path / "c")])[1] == default  # its peak memory
    assert pool(score, ARROW_DEFAULT_MEMORY_POOL="jemalloc") == ["2", "jemalloc"]
    assert pool(score, whole_process=False) == ["2", default]


def test_score_on_the_command_line_asks_openblas_for_one_thread_unless_told_otherwise(tmp_path):
    """``python -m analysis score`` sets ``OPENBLAS_NUM_THREADS=1`` before numpy is imported (its BLAS
    threads only spin, see ``analysis.cli.ONE_BLAS_THREAD_COMMANDS``); a value the environment sets is
    kept; other commands and main(argv) called from Python leave the environment alone."""
    import os

    from analysis.cli import use_one_blas_thread

    env = {}
    assert use_one_blas_thread(env) == "1" and env == {"OPENBLAS_NUM_THREADS": "1"}
    assert use_one_blas_thread({"OPENBLAS_NUM_THREADS": "2"}) == "2"
    base = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}

    def threads(argv, *, whole_process=True, **extra):
        call = f"sys.argv = ['analysis', *{argv!r}]\nrc = main()" if whole_process else f"rc = main({argv!r})"
        code = (f"import sys, os\nfrom analysis.cli import main\n{call}\n"
                "from threadpoolctl import threadpool_info\n"
                "n = [i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']\n"
                "print(rc, os.environ.get('OPENBLAS_NUM_THREADS', '-'), n[0] if n else '-')")
        done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120,
                              env={**base, **extra})
        return done.stdout.split()

    score = ["score", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")]
    assert threads(score) == ["2", "1", "1"]  # the command failed (no such file) after asking for one thread
    assert threads(score, OPENBLAS_NUM_THREADS="2")[1] == "2"
    assert threads(score, whole_process=False)[1] == "-"
    assert threads(["compare", str(tmp_path / "none"), "--out", str(tmp_path / "c")])[1] == "-"
