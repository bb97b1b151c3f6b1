"""Where things are: the one module that builds paths, so notebooks and the CLI never depend on the cwd.

``PROJECT_ROOT`` is the source checkout (the folder holding ``pyproject.toml``) when the package runs from
a clone; the bundled sample corpus lives in ``data/sample`` there. ``SHARED_DIR`` is ``../shared`` beside the
clone (development data; may be absent). Both can be overridden with the environment variables
``MFA_PROJECT_ROOT`` and ``MFA_SHARED_DIR``.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _find_root() -> Path:
    env = os.environ.get("MFA_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    for cand in [PACKAGE_DIR.parent, *PACKAGE_DIR.parents]:
        if (cand / "pyproject.toml").is_file() and (cand / "analysis").is_dir():
            return cand
    return Path.cwd()


PROJECT_ROOT = _find_root()
DATA_DIR = PROJECT_ROOT / "data"
SAMPLE_DIR = DATA_DIR / "sample"
SAMPLE_CORPUS = SAMPLE_DIR / "articles.csv"
SAMPLE_EVENTS = SAMPLE_DIR / "events.csv"
USER_LEXICON_DIR = DATA_DIR / "lexicons"
FIGURES_DIR = PROJECT_ROOT / "figures"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
SHARED_DIR = Path(os.environ.get("MFA_SHARED_DIR", PROJECT_ROOT.parent / "shared")).resolve()
POLNEAR_DIR = SHARED_DIR / "data" / "polnear"


def shared_available() -> bool:
    """True when ../shared/data is present (development machines and CI)."""
    return (SHARED_DIR / "data").is_dir()
