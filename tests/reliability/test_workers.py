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
from pathlib import Path

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
if target == "writer":  # the child that writes matches, documents and attributions dies on its second table
    import analysis.cli.score as command

    command.write_table = die_in_workers(command.write_table)
elif target == "parent":  # this process dies while the writer is still writing (it records its pid first)
    import time
    import analysis.cli.score as command

    write_table = command.write_table

    def slow_in_workers(*args, **kwargs):
        if os.getpid() != PARENT:
            with open(os.environ["MFA_TEST_PID"], "w") as fh:
                fh.write(str(os.getpid()))
            time.sleep(60)
        return write_table(*args, **kwargs)

    def die_here(*args, **kwargs):
        while not os.path.exists(os.environ["MFA_TEST_PID"]):
            time.sleep(0.01)
        os.kill(PARENT, signal.SIGKILL)

    import analysis.scale.pipeline as pipeline

    command.write_table, pipeline.add_summary_intervals = slow_in_workers, die_here
elif target != "none":
    setattr(parallel, target, die_in_workers(getattr(parallel, target)))
sys.exit(main(sys.argv[2:]))
"""


def _corpus(path, n=400):
    pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "outlet": [f"o{i % 4}" for i in range(n)],
                  "text": [f"Officials said it may possibly rain on day {i}, sources suggest." for i in range(n)]}
                 ).to_csv(path, index=False)
    return path


def _run(*args, **env):
    env = {"MFA_START_METHOD": "fork", "PATH": "/usr/bin:/bin", **env}
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


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_killed_writer_fails_the_run_and_leaves_the_previous_set(tmp_path):
    # --jobs 2: a forked child writes matches and documents into the staging folder while
    # this process computes the summary; killed after its first table, the run fails with one line and
    # the folder keeps the previous complete set (no mix of old and new files, no staging folder left)
    out = tmp_path / "out"
    assert main(["score", str(_corpus(tmp_path / "old.csv", 100)), "--out", str(out), "--quiet"]) == 0
    before = _files(out)
    proc = _run("writer", "score", _corpus(tmp_path / "c.csv"), "--out", out, "--jobs", "2", "--quiet")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("error: the writer of matches and documents (process "), proc.stderr
    assert "did not finish (killed by SIGKILL)" in proc.stderr
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "old.csv", "out"]


def test_killed_command_takes_its_writer_with_it(tmp_path):
    # the command killed while its writer is writing: the writer dies too (it never finishes a set
    # nobody seals), the folder keeps the previous set, and the next run clears the staging folder
    import os
    import time

    out, pid_file = tmp_path / "out", tmp_path / "writer.pid"
    assert main(["score", str(_corpus(tmp_path / "old.csv", 100)), "--out", str(out), "--quiet"]) == 0
    before = _files(out)
    proc = _run("parent", "score", _corpus(tmp_path / "c.csv"), "--out", out, "--jobs", "2", "--quiet",
                MFA_TEST_PID=str(pid_file))
    assert proc.returncode == -9, proc.stderr
    writer = int(pid_file.read_text())
    for _ in range(500):  # gone, or a zombie waiting for its new parent to reap it
        try:
            state = Path(f"/proc/{writer}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state in ("Z", "X"):
            break
        time.sleep(0.01)
    else:
        os.kill(writer, 9)
        raise AssertionError("the writer outlived the command")
    assert _files(out) == before
    assert any(p.name.endswith(".partial") for p in tmp_path.iterdir())  # hidden, never under out's name
    assert main(["score", str(tmp_path / "c.csv"), "--out", str(out), "--quiet"]) == 0
    assert not any(p.name.endswith(".partial") for p in tmp_path.iterdir())


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_jobs_2_writes_the_bytes_of_jobs_1_on_a_real_shaped_corpus(tmp_path, fmt):
    # each run in a fresh process, as from the command line: with --jobs 2 the workers format their rows
    # and a forked child writes the large tables; every file of the set is the same, byte for byte
    from realshaped import write_corpus

    corpus = write_corpus(tmp_path / f"c.{fmt}", n_outlets=300, seed=5, max_docs=260)["path"]
    assert corpus.stat().st_size > 1 << 20  # read by pyarrow's reader (ARROW_MIN_BYTES)
    for jobs in ("1", "2"):
        proc = _run("none", "score", corpus, "--out", tmp_path / jobs, "--jobs", jobs, "--quiet")
        assert proc.returncode == 0, proc.stderr
    one, two = _files(tmp_path / "1"), _files(tmp_path / "2")
    assert sorted(one) == sorted(two) and "attributions.csv" in one and ".complete" in one
    for name in one:
        assert one[name] == two[name], name
