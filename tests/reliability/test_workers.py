"""A ``--jobs`` worker that dies (killed, out of memory) never leaves a traceback or a partial output
(issue 16 item 7). In memory its documents are scored again in the main process (same tables, one
warning line naming them); a streamed run stops with one ``error:`` line naming the chunk, writes
nothing, and keeps its finished chunks for ``--resume``.

Each case runs in a fresh process (forking workers from the test process, where other tests may have
left threads, could deadlock): the script makes the scoring function kill its own process whenever
it runs in a worker, then runs the command.
"""
from __future__ import annotations

import filecmp
import re
import subprocess
import sys

import pandas as pd
import pytest

from analysis.cli import main
from analysis.scale import parallel

pytestmark = pytest.mark.skipif(not parallel.fork_is_safe() and sys.platform != "linux",
                                reason="workers are killed through fork inheritance")

_SCRIPT = r"""
import os, signal, sys
from analysis.scale import parallel
from analysis.cli import main

PARENT = os.getpid()
target = sys.argv[1]

def die_in_workers(fn):
    def wrapper(*args, **kwargs):
        if os.getpid() != PARENT:
            os.kill(os.getpid(), signal.SIGKILL)
        return fn(*args, **kwargs)
    return wrapper

if target == "pool":
    import multiprocessing
    import pandas as pd
    from analysis.measure.scoring import check_corpus, score

    corpus = check_corpus(pd.read_csv(sys.argv[2]))
    ref = score(corpus, "hedging")
    parallel.scan = die_in_workers(parallel.scan)
    spec = parallel.MatcherSpec.create("hedging", None)
    matcher = parallel.worker_matcher(spec)
    pieces = parallel._Pieces(corpus, 2, 10, multiprocessing.get_context("fork"))
    ids, outlets = parallel._ids_outlets(corpus)
    said = []
    import time

    # the provenance job keeps this process busy until the pool has noticed its dead worker
    done, _ = parallel._score_with_pool(corpus, spec, matcher, pieces, 1, "fork", lambda: time.sleep(3), ids,
                                        outlets, said.append)
    matches, documents, *_ = parallel._tables(done, matcher, corpus, ids, outlets)
    pd.testing.assert_frame_equal(documents, ref.documents)
    pd.testing.assert_frame_equal(matches, ref.matches)
    print(said[0] if said else "no warning", file=sys.stderr)
    sys.exit(0)
setattr(parallel, target, die_in_workers(getattr(parallel, target)))
sys.exit(main(sys.argv[2:]))
"""


def _corpus(path, n=400):
    pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "outlet": [f"o{i % 4}" for i in range(n)],
                  "text": [f"Officials said it may possibly rain on day {i}, sources suggest." for i in range(n)]}
                 ).to_csv(path, index=False)
    return path


def _run(*args):
    env = {"MFA_START_METHOD": "fork", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", _SCRIPT, *map(str, args)], capture_output=True, text=True,
                          timeout=300, check=False, env=env)


def test_killed_forked_worker_is_rescored_with_one_warning(tmp_path):
    corpus = _corpus(tmp_path / "c.csv")
    assert main(["score", str(corpus), "--out", str(tmp_path / "ref"), "--quiet"]) == 0
    proc = _run("_scan_piece", "score", corpus, "--out", tmp_path / "out", "--jobs", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: worker process "), proc.stderr
    assert "killed by SIGKILL" in lines[0] and "scored again in this process" in lines[0] and "doc_id 'd" in lines[0]
    for name in ("matches.csv", "documents.csv", "summary.csv", "attributions.csv"):
        assert filecmp.cmp(tmp_path / "ref" / name, tmp_path / "out" / name, shallow=False), name


def test_killed_pool_worker_piece_is_rescored(tmp_path):
    proc = _run("pool", _corpus(tmp_path / "c.csv", 60))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("warning: a worker process died; documents "), proc.stderr


def test_killed_stream_worker_gives_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    assert main(["score", str(_corpus(tmp_path / "c.csv", 120)), "--out", str(out), "--quiet",
                 "--chunk-size", "40"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = _run("scan", "score", _corpus(tmp_path / "c2.csv", 160), "--out", out, "--quiet",
                "--chunk-size", "40", "--jobs", "2")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("error: a worker process died"), proc.stderr
    assert re.search(r"chunk \d \(40 documents, doc_id 'd\d+' to 'd\d+'\)", proc.stderr), proc.stderr
    assert "nothing was written" in proc.stderr and "--resume" in proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
