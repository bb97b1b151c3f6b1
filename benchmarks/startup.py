"""Start-up cost of the command line: wall time and heavy modules imported, per command.

One command: ``python benchmarks/startup.py [--repeat 7] [--python PATH]``.

Each case runs in a fresh interpreter (``python -X importtime ...``), ``--repeat`` times, the cases
taking turns; the table gives the median and best wall time, the summed import time reported by
``-X importtime`` (cumulative time of top-level imports) and which of the heavy libraries the case
imported (scipy, statsmodels, datasketch, matplotlib, sklearn, trafilatura, nltk, pandas, pyarrow).
The ``score`` case scores the bundled sample corpus (``data/sample/articles.csv``) into a temporary
folder, so it includes the first use of every module ``score`` really needs. Run it on two commits
(``git worktree``) to get before/after numbers on the same machine, in the same minute.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("scipy", "statsmodels", "datasketch", "matplotlib", "sklearn", "trafilatura", "nltk", "pandas",
         "pyarrow")
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def cases(out: str) -> dict[str, list[str]]:
    """The commands timed, as argument lists for ``python``."""
    sample = str(ROOT / "data" / "sample" / "articles.csv")
    return {
        "import analysis": ["-c", "import analysis"],
        "--help": ["-m", "analysis", "--help"],
        "score --help": ["-m", "analysis", "score", "--help"],
        "score (sample)": ["-m", "analysis", "score", sample, "--out", out, "--quiet"],
    }


def run_case(python: str, args: list[str]) -> tuple[float, float, set[str]]:
    """Wall seconds, summed top-level import seconds and heavy top-level packages imported."""
    start = time.perf_counter()
    done = subprocess.run([python, "-X", "importtime", *args], cwd=ROOT, capture_output=True, text=True,
                          check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    wall = time.perf_counter() - start
    if done.returncode not in (0, 2):
        raise RuntimeError(f"{args}: exit {done.returncode}: {done.stderr[-500:]}")
    total, heavy = 0, set()
    for line in done.stderr.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        name = m.group(4)
        if len(m.group(3)) == 1:  # top level (one space): its cumulative time holds its children
            total += int(m.group(2))
        if name in HEAVY:
            heavy.add(name)
    return wall, total / 1e6, heavy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        todo = cases(str(Path(tmp) / "out"))
        walls = {name: [] for name in todo}
        imports = {name: [] for name in todo}
        heavy = {}
        for _ in range(args.repeat):
            for name, case in todo.items():
                wall, imp, mods = run_case(args.python, case)
                walls[name].append(wall)
                imports[name].append(imp)
                heavy[name] = mods
    load = os.getloadavg()
    print(f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, load average "
          f"{load[0]:.1f}; {args.repeat} runs per case, taking turns; commit at {ROOT}")
    print("| command | wall median s | wall best s | imports median s | heavy modules imported |")
    print("|---|---:|---:|---:|---|")
    for name in todo:
        mods = ", ".join(sorted(heavy[name])) or "none"
        print(f"| `{name}` | {statistics.median(walls[name]):.2f} | {min(walls[name]):.2f} | "
              f"{statistics.median(imports[name]):.2f} | {mods} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
