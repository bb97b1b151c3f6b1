"""The environment files agree: environment.yml only bootstraps what pyproject.toml declares, and the
constraints file pins every dependency."""
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[; ]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


@pytest.mark.checkout  # environment.yml, pyproject.toml, constraints.txt: the repository's files
def test_environment_yml_bootstraps_pyproject():
    env = (ROOT / "environment.yml").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "python=3.11" in env
    assert project["requires-python"] == ">=3.11"
    assert "-e .[dev]" in env and "-c constraints.txt" in env
    # conda installs nothing but python and pip: every dependency comes from pyproject.toml
    deps_block = env.split("dependencies:", 1)[1]
    deps = re.findall(r"^  -\s+([A-Za-z0-9_.=-]+)\s*$", deps_block, flags=re.MULTILINE)
    assert set(deps) == {"python=3.11", "pip"}, deps


@pytest.mark.checkout
def test_constraints_pin_every_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = {
        _name(line): line.split("==", 1)[1].strip()
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    }
    wanted = [_name(r) for r in project["dependencies"]]
    for reqs in project["optional-dependencies"].values():
        wanted += [_name(r) for r in reqs if not r.startswith("media-framing-analysis")]
    missing = sorted(set(wanted) - set(pinned))
    assert not missing, f"constraints.txt pins no version for {missing}"
