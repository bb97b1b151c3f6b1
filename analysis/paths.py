"""Where things are: the one module that builds paths, so notebooks and the CLI never depend on the cwd.

``PROJECT_ROOT`` is the source checkout (the folder holding ``pyproject.toml``) when the package runs from
a clone, else the working directory. The bundled sample corpus is ``data/sample`` of the checkout; an
installed wheel carries a copy of it as package data (``analysis/sample``), used whenever the package
does not run from a checkout (so ``python -m analysis figures`` works anywhere). ``SHARED_DIR`` is ``../shared`` beside the
clone (development data; may be absent). Both can be overridden with the environment variables
``MFA_PROJECT_ROOT`` and ``MFA_SHARED_DIR``.
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _find_root() -> tuple[Path, bool]:
    """The project root, and whether it is a source checkout (or ``MFA_PROJECT_ROOT``)."""
    env = os.environ.get("MFA_PROJECT_ROOT")
    if env:
        return Path(env).resolve(), True
    for cand in [PACKAGE_DIR.parent, *PACKAGE_DIR.parents]:
        if (cand / "pyproject.toml").is_file() and (cand / "analysis").is_dir():
            return cand, True
    return Path.cwd(), False


PROJECT_ROOT, IN_CHECKOUT = _find_root()
DATA_DIR = PROJECT_ROOT / "data"
#: the sample corpus shipped in the wheel (absent in a checkout, which uses data/sample)
PACKAGED_SAMPLE_DIR = PACKAGE_DIR / "sample"
SAMPLE_DIR = DATA_DIR / "sample" if IN_CHECKOUT or not PACKAGED_SAMPLE_DIR.is_dir() else PACKAGED_SAMPLE_DIR
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
