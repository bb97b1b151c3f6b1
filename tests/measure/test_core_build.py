"""The compiled core is built by the install (setup.py): without it everything still works, on the Python
path, at a fraction of the speed, so a missing build must be loud rather than silent."""
from analysis.measure import core
from analysis.measure.matching import Matcher


def test_compiled_core_is_built_and_used():
    assert core.AVAILABLE, (
        "analysis._core is missing: reinstall with a C compiler (pip install -e .) to build analysis/_core.c"
    )
    assert Matcher().engine == "c"


def test_compiled_core_is_not_older_than_its_source():
    """A failed rebuild leaves the previous binary in place (the extension is optional), so a change to
    _core.c could silently not be running: `make setup` rebuilds when the source changes."""
    from pathlib import Path

    from analysis import _core

    source = Path(_core.__file__).with_name("_core.c")
    if not source.is_file():  # an installed wheel carries no source
        return
    assert Path(_core.__file__).stat().st_mtime >= source.stat().st_mtime, (
        f"{_core.__file__} is older than {source}: rebuild with `pip install -e .` (or `make setup`); "
        "if that prints a compiler error the extension was not rebuilt"
    )
