"""Architecture checks: the import-linter contracts hold, and private seams and cycles do not grow.

The contracts live in ``.importlinter`` (rooms text -> lexicons -> measure ->
compare/validate/report/scale -> cli). ``tools/code_metrics.py`` counts what import-linter
cannot see: private names crossing modules and import cycles inside a room.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")


if not (ROOT / "tools" / "code_metrics.py").is_file():  # the installed-wheel run of .ci/run: no checkout
    pytest.skip("reads the repository's tools/ and .importlinter: not a checkout", allow_module_level=True)


def _metrics_module():
    spec = importlib.util.spec_from_file_location("code_metrics", ROOT / "tools" / "code_metrics.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


code_metrics = _metrics_module()

# Known private seams (issue 17.2): none left; a new one fails this test. Make the helper public
# instead of adding it here.
KNOWN_PRIVATE: set[tuple[str, str, str]] = set()
KNOWN_CYCLES: list[list[str]] = []  # issue 17: lexicons.formats <-> lexicons.model was the last one


@pytest.fixture(scope="module")
def found():
    return code_metrics.metrics(ROOT / "analysis")


def test_no_new_private_imports_across_modules(found):
    new = {tuple(item) for item in found["private_imports"]} - KNOWN_PRIVATE
    assert not new, f"private names imported across modules (make them public or keep them inside): {sorted(new)}"


def test_no_new_import_cycles(found):
    new = [c for c in found["module_cycles"] if c not in KNOWN_CYCLES]
    assert not new, f"new import cycles: {new}"


@pytest.mark.skipif(LINT is None, reason="import-linter not installed (pip install -e '.[dev]')")
def test_import_linter_contracts_hold():
    done = subprocess.run([LINT, "--no-cache"], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_every_module_is_in_a_contract():
    """A new top-level helper module must be listed with the others (else nothing constrains it)."""
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter", encoding="utf-8")
    helpers = set(config["importlinter:contract:helpers"]["source_modules"].split())
    rooms = {m.split(":")[0].strip() for line in config["importlinter:contract:rooms"]["layers"].splitlines()
             for m in line.split(":") if m.strip()}
    tops = {f"analysis.{p.stem}" for p in (ROOT / "analysis").glob("*.py") if p.stem not in ("__init__", "__main__")}
    packages = {f"analysis.{p.parent.name}" for p in (ROOT / "analysis").glob("*/__init__.py")}
    assert tops - helpers == set(), "top-level modules missing from the helpers contract in .importlinter"
    assert packages - rooms == set(), "packages missing from the rooms contract in .importlinter"


def _toy_package(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    return root / "toy"


def test_metrics_see_private_imports_cycles_and_long_functions(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(85))
    pkg = _toy_package(tmp_path, {
        "toy/__init__.py": "",
        "toy/a.py": "from .b import _hidden, visible\nimport toy.c as c\n\ndef f():\n    return c._inner\n",
        "toy/b.py": "def visible():\n    from . import a\n    return a\n\n_hidden = 1\n",
        "toy/c.py": f"_inner = 2\n\ndef long():\n{body}\n",
    })
    found = code_metrics.metrics(pkg)
    assert [tuple(i) for i in found["private_imports"]] == [("toy.a", "toy.b", "_hidden"), ("toy.a", "toy.c", "_inner")]
    assert found["module_cycles"] == [["toy.a", "toy.b"]]
    assert [(m, q) for m, q, _ in found["functions_over"]] == [("toy.c", "long")]


@pytest.mark.skipif(LINT is None, reason="import-linter not installed (pip install -e '.[dev]')")
def test_layers_contract_refuses_an_upward_import(tmp_path):
    # The same contract shape as .importlinter, on a toy package whose lowest room imports the top one.
    _toy_package(tmp_path, {
        "toy/__init__.py": "",
        "toy/text/__init__.py": "from toy.cli import run\n",
        "toy/measure/__init__.py": "import toy.text\n",
        "toy/cli/__init__.py": "import toy.measure\n\ndef run():\n    pass\n",
    })
    config = tmp_path / "contracts.ini"
    config.write_text(textwrap.dedent("""\
        [importlinter]
        root_package = toy
        [importlinter:contract:rooms]
        name = rooms
        type = layers
        layers =
            toy.cli
            toy.measure
            toy.text
        """), encoding="utf-8")
    done = subprocess.run([LINT, "--no-cache", str(config)], check=False, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "toy.text is not allowed to import toy.cli" in done.stdout


def _architecture_map() -> list[tuple[str | None, str]]:
    """(room or None for a top-level file, module file name) for every ``*.py`` named in the tree of
    docs/architecture.md."""
    import re

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    tree = text.split("```")[1]
    room = None
    named = []
    for line in tree.splitlines():
        head = re.match(r"^  (\w+)/\s", line)
        if head:
            room = head.group(1)
        elif re.match(r"^  [\w_]+\.(py|c)\b", line):
            room = None
        named += [(room, name) for name in re.findall(r"\b(\w+\.py)\b", line)]
    return named


def test_architecture_map_names_only_modules_that_exist():
    """docs/architecture.md's tree lists no module that is not in the package (it once listed a
    validate/evaluate.py that did not exist)."""
    missing = [f"{room or ''}/{name}" for room, name in _architecture_map()
               if not (ROOT / "analysis" / (room or "") / name).exists() and not (ROOT / "analysis" / name).exists()]
    assert not missing, f"docs/architecture.md names modules that do not exist: {missing}"


def test_architecture_map_names_every_module():
    """...and every module of every room is in it, so that the map a contributor reads first matches the
    tree (issue 17.5). A new module means a line in docs/architecture.md."""
    named = {f"{room}/{name}" if room else name for room, name in _architecture_map()}
    unnamed = []
    for path in sorted((ROOT / "analysis").glob("*/*.py")):
        name = f"{path.parent.name}/{path.name}"
        if path.name != "__init__.py" and path.parent.name != "models" and name not in named:
            unnamed.append(name)
    assert not unnamed, f"docs/architecture.md does not name these modules: {unnamed}"
