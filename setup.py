"""Build of the compiled scanning core; all other metadata is in pyproject.toml.

The extension is optional: without a C compiler the package installs and runs on its pure-Python path
(``analysis.measure.matching.Matcher.engine`` then says ``"python"``, and ``tests/test_environment.py``
fails to say the core is missing).
"""
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("analysis._core", ["analysis/_core.c"], optional=True, extra_compile_args=["-O3"]),
    ]
)
