"""The compiled core is built by the install (setup.py): without it everything still works, on the Python
path, at a fraction of the speed, so a missing build must be loud rather than silent."""
from analysis.measure import core
from analysis.measure.matching import Matcher


def test_compiled_core_is_built_and_used():
    assert core.AVAILABLE, (
        "analysis._core is missing: reinstall with a C compiler (pip install -e .) to build analysis/_core.c"
    )
    assert Matcher().engine == "c"
