"""Build of the compiled scanning core; all other metadata is in pyproject.toml.

The extension is optional: without a C compiler the package installs and runs on its pure-Python path
(``analysis.measure.matching.Matcher.engine`` then says ``"python"`` and ``Matcher.engine_reason`` why,
and importing ``analysis.measure`` warns once). Environment variables read at build time:

``MFA_PORTABLE=1``
    compile the portable scalar path only (no SSE2 blocks), as CI does for its second parity run.
``MFA_REQUIRE_CORE=1``
    make the extension required: a compiler error fails the install instead of leaving the Python path.

The sources are ``analysis/_core.c``, which includes the units of ``analysis/_core_src/`` (see
docs/core.md); the units are listed as dependencies so that a change to one rebuilds the core and the
sdist carries them.

The bundled sample corpus lives in the repository's ``data/sample`` (checksummed with the rest of
``data/``); the wheel carries a copy as ``analysis/sample`` (``SAMPLE_FILES`` below; MANIFEST.in puts
them in the sdist), where :mod:`analysis.paths` finds it outside a checkout.
"""
import os
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

# the sample corpus, copied into the built package as analysis/sample/ (what `figures` reads by default)
SAMPLE_FILES = ("data/sample/articles.csv", "data/sample/events.csv", "data/sample/README.md")

UNITS = sorted(str(p.as_posix()) for p in Path("analysis/_core_src").glob("*.h"))


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class BuildCore(build_ext):
    """Optimisation flags in each compiler's own syntax (MSVC does not know -O3)."""

    def build_extensions(self):
        msvc = self.compiler.compiler_type == "msvc"
        for ext in self.extensions:
            ext.extra_compile_args = ["/O2"] if msvc else ["-O3"]
        super().build_extensions()


class BuildPy(build_py):
    """The package, plus the sample corpus as package data (``analysis/sample``)."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "analysis" / "sample"
        self.mkpath(str(target))
        for name in SAMPLE_FILES:
            self.copy_file(name, str(target / Path(name).name))


setup(
    ext_modules=[
        Extension(
            "analysis._core",
            ["analysis/_core.c"],
            depends=UNITS,
            define_macros=[("MFA_PORTABLE", "1")] if _flag("MFA_PORTABLE") else [],
            optional=not _flag("MFA_REQUIRE_CORE"),
        ),
    ],
    cmdclass={"build_ext": BuildCore, "build_py": BuildPy},
)
