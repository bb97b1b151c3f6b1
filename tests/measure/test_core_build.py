"""The compiled core is built by the install (setup.py): without it everything still works, on the Python
path, at a fraction of the speed, so a missing build must be loud rather than silent.

Whether the core *must* be there is the caller's choice: ``MFA_REQUIRE_CORE=1`` (which ``.ci/run`` sets)
turns a missing core into a failure; without it a set-up with no C compiler skips the tests that need the
core and checks that the import warned and ``Matcher.engine_reason`` says why. ``MFA_PORTABLE=1`` and
``MFA_EXPECT_COMPILER`` let CI check that the variant it built (scalar path, clang) is the one tested.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.measure import core
from analysis.measure.matching import Matcher


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


needs_core = pytest.mark.skipif(
    not core.AVAILABLE and not _flag("MFA_REQUIRE_CORE"),
    reason="analysis._core is not built and MFA_REQUIRE_CORE is not set",
)


@needs_core
def test_compiled_core_is_built_and_used():
    assert core.AVAILABLE, f"MFA_REQUIRE_CORE is set but {core.MISSING_REASON}"
    m = Matcher("hedging")
    assert m.engine == "c" and m.engine_reason is None


@needs_core
def test_compiled_core_is_not_older_than_its_source():
    """A failed rebuild leaves the previous binary in place (the extension is optional), so a change to
    _core.c or one of its units could silently not be running: `make setup` rebuilds when they change."""
    from analysis import _core

    binary = Path(_core.__file__)
    sources = [binary.with_name("_core.c"), *sorted(binary.with_name("_core_src").glob("*.h"))]
    sources = [s for s in sources if s.is_file()]
    if not sources:  # an installed wheel carries no source
        return
    newest = max(sources, key=lambda s: s.stat().st_mtime)
    assert binary.stat().st_mtime >= newest.stat().st_mtime, (
        f"{binary} is older than {newest}: rebuild with `pip install -e .` (or `make setup`); "
        "if that prints a compiler error the extension was not rebuilt"
    )


@needs_core
def test_the_build_is_the_variant_asked_for():
    """CI builds the core a second time with MFA_PORTABLE=1 (no SSE2) and once with clang: the module
    says what it was compiled with, so a variant run that silently tested the default build fails."""
    from analysis import _core

    assert _core.SIMD in ("sse2", "none")
    assert _core.COMPILER in ("gcc", "clang", "msvc", "other")
    if _flag("MFA_PORTABLE"):
        assert _core.SIMD == "none", "MFA_PORTABLE is set but the core was built with SSE2"
    expected = os.environ.get("MFA_EXPECT_COMPILER")
    if expected:
        assert _core.COMPILER == expected, (_core.COMPILER, expected)


@needs_core
def test_character_classes_are_those_of_re():
    """The core's constant table of the first 256 code points (``\\w``, ``\\d``, letters, ``\\s``) is the
    one Python's re uses for the reference path (the core also checks it against the Unicode database
    at import)."""
    from analysis import _core

    table = _core.char_classes()
    assert len(table) == 256
    for c in range(256):
        ch = chr(c)
        want = ((1 if re.fullmatch(r"\w", ch) else 0) | (2 if re.fullmatch(r"\d", ch) else 0)
                | (4 if re.fullmatch(r"[^\W\d_]", ch) else 0) | (8 if re.fullmatch(r"\s", ch) else 0))
        assert table[c] == want, (hex(c), table[c], want)


def test_python_engine_says_why():
    assert Matcher("hedging", engine="python").engine_reason == "engine='python' was asked for"


def test_environment_variable_says_why(monkeypatch):
    monkeypatch.setenv("MFA_ENGINE", "python")
    m = Matcher("hedging")
    assert m.engine == "python" and "MFA_ENGINE=python" in m.engine_reason


def test_missing_core_warns_once_and_the_matcher_says_why():
    """Without the compiled module (hidden here, as on a machine with no C compiler) importing the
    library warns once, and the matcher runs on the Python path with the reason attached."""
    code = """
import sys, warnings
sys.modules["analysis._core"] = None  # import of analysis._core now raises ImportError
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    import analysis.measure.core as core
    import analysis.measure.scoring
    from analysis.measure.matching import Matcher
    m = Matcher("hedging")
    m2 = Matcher("hedging")
ours = [w for w in caught if "analysis._core" in str(w.message)]
assert len(ours) == 1, [str(w.message) for w in caught]
assert issubclass(ours[0].category, RuntimeWarning)
assert not core.AVAILABLE and m.engine == "python" and m.engine_reason == core.MISSING_REASON
assert "pure-Python path" in m.engine_reason
print("ok")
"""
    env = {k: v for k, v in os.environ.items() if k != "MFA_ENGINE"}
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


@pytest.mark.checkout
def test_every_unit_is_compiled_and_shipped():
    """_core.c includes every unit of _core_src/ (a unit left out would be dead code that no parity test
    sees), and setup.py lists the same units as the extension's dependencies (which puts them into the
    sdist and rebuilds the core when one changes)."""
    from analysis import paths

    root = paths.PROJECT_ROOT
    included = re.findall(r'^#include "_core_src/([a-z_]+\.h)"$', (root / "analysis" / "_core.c").read_text(),
                          flags=re.MULTILINE)
    units = sorted(p.name for p in (root / "analysis" / "_core_src").glob("*.h"))
    assert sorted(included) == units and len(set(included)) == len(included)
    assert included[0] == "port.h"  # the others use its macros
    setup = (root / "setup.py").read_text()
    assert 'Path("analysis/_core_src").glob("*.h")' in setup and "depends=UNITS" in setup


@pytest.mark.checkout
def test_setuptools_floor_supports_the_metadata():
    """``license = "MIT"`` (an SPDX expression, PEP 639) needs setuptools 77: an older floor lets pip pick
    a setuptools that rejects pyproject.toml."""
    import tomllib

    from analysis import paths

    meta = tomllib.loads((paths.PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    floor = next(r for r in meta["build-system"]["requires"] if r.startswith("setuptools"))
    version = tuple(int(x) for x in re.search(r">=\s*([\d.]+)", floor).group(1).split("."))
    if isinstance(meta["project"].get("license"), str):
        assert version >= (77,), floor
