"""Shared fixtures: the ../shared data directory (skipped when absent), a no-download guard, and the
``checkout`` marker: tests that read the repository's own files (``data/``, ``docs/``, ``notebooks/``), not
only the installed package, skip when the tests run against an installed wheel (.ci/run does that)."""
from __future__ import annotations

from pathlib import Path

import pytest

from analysis import paths

SHARED = paths.SHARED_DIR  # ../shared beside the clone, or MFA_SHARED_DIR
IN_CHECKOUT = (paths.PROJECT_ROOT / "pyproject.toml").is_file() and (paths.PROJECT_ROOT / "data").is_dir()


def pytest_collection_modifyitems(config, items):
    if IN_CHECKOUT:
        return
    skip = pytest.mark.skip(reason="reads the repository's files (data/, docs/, notebooks/): not a checkout")
    for item in items:
        if "checkout" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Path to ../shared; skips the test when the data set is not beside the clone."""
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED


@pytest.fixture(params=["c", "python"])
def engine(request, monkeypatch):
    """Run the test on each scoring engine: ``"c"`` (the compiled core; skipped when it is not built)
    and ``"python"`` (the plain reference path, ``Matcher.match_python``). Every ``Matcher()`` made during
    the test uses that engine (through ``MFA_ENGINE``, which ``engine="auto"`` reads); the fixture's value
    is the engine's name."""
    from analysis.measure import core

    if request.param == "c":
        if not core.AVAILABLE:
            pytest.skip("analysis._core is not built")
        monkeypatch.delenv("MFA_ENGINE", raising=False)
    else:
        monkeypatch.setenv("MFA_ENGINE", "python")
    return request.param


@pytest.fixture(autouse=True)
def _no_nltk_download(monkeypatch, tmp_path_factory):
    """Any hidden dependency on NLTK data fails the suite instead of downloading."""
    try:
        import nltk
    except ImportError:  # pragma: no cover
        return

    def _refuse(*args, **kwargs):
        raise AssertionError("nltk.download was called: nothing may download at run time")

    monkeypatch.setattr(nltk, "download", _refuse)
    empty = str(tmp_path_factory.getbasetemp() / "empty_nltk_data")
    monkeypatch.setattr(nltk.data, "path", [empty])


@pytest.fixture(scope="session")
def realshaped(tmp_path_factory):
    """A real-shaped messy corpus (CSV, 60 outlets, a third with one article; see tests/realshaped.py):
    returns the planted facts, with ``facts["path"]`` the file to load."""
    from realshaped import write_corpus

    return write_corpus(tmp_path_factory.mktemp("realshaped") / "corpus.csv", n_outlets=60, seed=7)
