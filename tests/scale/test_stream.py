"""Streaming: chunked reading equals load_corpus, chunked scoring equals the in-memory CLI, resume, memory."""
from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import sys
import time
import tracemalloc

import pandas as pd
import pytest

from analysis.cli import main
from analysis.measure.scoring import score
from analysis.scale import stream
from analysis.scale.stream import iter_corpus_chunks, score_stream, work_folder
from analysis.text.corpus import load_corpus

from .conftest import LEXICON, write_corpus_csv

FINALS = ("matches.csv", "documents.csv", "summary.csv", "load_report.csv", "provenance.json")


def _issues(report):
    return sorted((i.file, str(i.row), i.problem, i.action) for i in report.issues)


@pytest.fixture
def messy_csv(tmp_path, sample_sentences):
    return write_corpus_csv(tmp_path / "corpus.csv", sample_sentences, 300, problems=True)


def _as_jsonl(csv_path, dest):
    df = pd.read_csv(csv_path, dtype=str, keep_default_na=False, on_bad_lines="skip")
    with open(dest, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(rec) + "\n" for rec in df.to_dict("records"))
        fh.write("{not json\n")
    return dest


@pytest.mark.parametrize("chunk_size", [1, 7, 100, 10_000])
def test_chunks_equal_load_corpus_csv(messy_csv, chunk_size):
    whole, report = load_corpus(messy_csv)
    rep = stream.LoadReport(str(messy_csv))
    chunks = list(iter_corpus_chunks(messy_csv, chunk_size, report=rep))
    got = pd.concat([c.corpus for c in chunks], ignore_index=True)
    pd.testing.assert_frame_equal(got, whole)
    # one cumulative report: same counts and the same issues with file-wide row numbers
    assert (rep.n_read, rep.n_loaded, rep.n_skipped) == (report.n_read, report.n_loaded, report.n_skipped)
    assert _issues(rep) == _issues(report)
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_chunks_equal_load_corpus_jsonl_parquet_txt(tmp_path, messy_csv):
    jl = _as_jsonl(messy_csv, tmp_path / "c.jsonl")
    whole, _report = load_corpus(messy_csv)
    pq_path = tmp_path / "c.parquet"
    whole.to_parquet(pq_path, row_group_size=50)
    folder = tmp_path / "txt"
    folder.mkdir()
    for d, t in zip(whole["doc_id"][:40], whole["text"][:40]):
        (folder / f"{d}.txt").write_text(t, encoding="utf-8")
    pd.DataFrame({"doc_id": whole["doc_id"][:40], "outlet": whole["outlet"][:40]}).to_csv(folder / "metadata.csv", index=False)
    for path in (jl, pq_path, folder):
        ref, ref_rep = load_corpus(path)
        rep = stream.LoadReport(str(path))
        got = pd.concat([c.corpus for c in iter_corpus_chunks(path, 13, report=rep)], ignore_index=True)
        pd.testing.assert_frame_equal(got, ref)
        assert (rep.n_read, rep.n_loaded) == (ref_rep.n_read, ref_rep.n_loaded)
        assert _issues(rep) == _issues(ref_rep)


def test_stream_csv_is_byte_identical_to_in_memory_cli(tmp_path, messy_csv):
    assert main(["score", str(messy_csv), "--out", str(tmp_path / "mem"), "--quiet", "--lexicon", LEXICON]) == 0
    assert main(["score", str(messy_csv), "--out", str(tmp_path / "st"), "--quiet", "--lexicon", LEXICON, "--chunk-size", "37"]) == 0
    for name in (*FINALS, "attributions.csv", "attributions_provenance.json"):  # attributions too (issue 19)
        if name == "load_report.csv":  # same rows; the order is per chunk in a streamed run
            a = pd.read_csv(tmp_path / "mem" / name).sort_values(["row", "problem"]).reset_index(drop=True)
            b = pd.read_csv(tmp_path / "st" / name).sort_values(["row", "problem"]).reset_index(drop=True)
            pd.testing.assert_frame_equal(a, b)
        else:
            assert filecmp.cmp(tmp_path / "mem" / name, tmp_path / "st" / name, shallow=False), name
    assert not work_folder(tmp_path / "st").exists()


def test_stream_parquet_equals_score(tmp_path, messy_csv):
    corpus, _ = load_corpus(messy_csv)
    ref = score(corpus, LEXICON)
    res = score_stream(messy_csv, tmp_path / "out", LEXICON, chunk_size=50, fmt="parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(res.files["matches"]), ref.matches, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_parquet(res.files["documents"]), ref.documents, check_dtype=False)
    from analysis.compare.rates import summary_with_intervals

    ref_summary = summary_with_intervals(ref.summary, ref.documents, ref.categories)
    pd.testing.assert_frame_equal(pd.read_parquet(res.files["summary"]), ref_summary, check_dtype=False)
    assert res.provenance["corpus_sha256"] == ref.provenance["corpus_sha256"]


def test_large_corpus_summary_path_matches(tmp_path, messy_csv, monkeypatch):
    # beyond EXACT_SUMMARY_MAX_DOCS the summary is accumulated chunk by chunk: same numbers up to rounding
    monkeypatch.setattr(stream, "EXACT_SUMMARY_MAX_DOCS", 10)
    corpus, _ = load_corpus(messy_csv)
    ref = score(corpus, LEXICON).summary
    got = score_stream(messy_csv, tmp_path / "out", LEXICON, chunk_size=50, fmt="csv").summary
    pd.testing.assert_frame_equal(got, ref, check_exact=False, rtol=1e-12)


class Boom(RuntimeError):
    pass


def _crash_after_chunk_3(tmp_path, corpus):
    """A clean streamed run into ``ref``, and one into ``out`` that crashes after chunk 3: (ref, out)."""
    ref_dir = tmp_path / "ref"
    score_stream(corpus, ref_dir, LEXICON, chunk_size=40, fmt="csv")
    out = tmp_path / "out"

    def explode(index, scored):
        if index == 3:
            raise Boom("simulated crash after chunk 3")

    with pytest.raises(Boom):
        score_stream(corpus, out, LEXICON, chunk_size=40, fmt="csv", on_chunk=explode)
    return ref_dir, out


def test_resume_after_interruption_does_not_rescore(tmp_path, messy_csv):
    ref_dir, out = _crash_after_chunk_3(tmp_path, messy_csv)
    # nothing that looks complete: the output folder is not even there
    assert not out.exists()
    manifest = json.loads((work_folder(out) / "manifest.json").read_text())
    assert sorted(manifest["chunks"]) == ["0", "1", "2", "3"]

    seen = []
    res = score_stream(messy_csv, out, LEXICON, chunk_size=40, fmt="csv", resume=True, on_chunk=lambda i, s: seen.append((i, s)))
    n_chunks = len(seen)
    assert seen[:4] == [(0, False), (1, False), (2, False), (3, False)]
    assert all(s for _, s in seen[4:])
    assert (res.chunks_reused, res.chunks_scored) == (4, n_chunks - 4)
    for name in FINALS:
        if name != "load_report.csv":
            assert filecmp.cmp(ref_dir / name, out / name, shallow=False), name


@pytest.mark.parametrize("damage", ["truncated", "emptied", "removed", "a killed write"])
def test_table_cut_short_by_a_power_cut_is_rescored_on_resume(tmp_path, messy_csv, damage):
    """A CSV run writes each table once, as one growing file (issue 19), not fsync-ed until complete; the
    manifest records each chunk's byte range. Chunks whose range a power cut left short or missing are
    scored again (here from chunk 2 on, or all of them); bytes past the last finished chunk (a write a
    kill interrupted) are dropped; the output is the clean run's."""
    ref_dir, out = _crash_after_chunk_3(tmp_path, messy_csv)
    work = work_folder(out)
    manifest = json.loads((work / "manifest.json").read_text())
    table = work / "matches.csv"
    entries = [manifest["chunks"][str(i)] for i in range(4)]
    assert [e["at"]["matches"] for e in entries[1:]] == [e["at"]["matches"] + e["bytes"]["matches"] for e in entries[:3]]
    assert entries[3]["at"]["matches"] + entries[3]["bytes"]["matches"] <= table.stat().st_size
    expect = {"truncated": [(0, False), (1, False), (2, True), (3, True)], "emptied": [(0, True)] + [(i, True) for i in (1, 2, 3)],
              "removed": [(i, True) for i in range(4)], "a killed write": [(i, False) for i in range(4)]}[damage]
    if damage == "truncated":
        cut = entries[2]["at"]["matches"] + entries[2]["bytes"]["matches"] // 2
        table.write_bytes(table.read_bytes()[:cut])
    elif damage == "emptied":
        table.write_bytes(b"")
    elif damage == "removed":
        table.unlink()
    else:
        end = entries[3]["at"]["matches"] + entries[3]["bytes"]["matches"]
        table.write_bytes(table.read_bytes()[:end] + b"d000777,half a row of chunk 4")
    seen = []
    res = score_stream(messy_csv, out, LEXICON, chunk_size=40, fmt="csv", resume=True,
                       on_chunk=lambda i, s: seen.append((i, s)))
    assert seen[:4] == expect
    assert res.chunks_reused == sum(not s for _, s in expect)
    for name in FINALS:
        if name != "load_report.csv":
            assert filecmp.cmp(ref_dir / name, out / name, shallow=False), name
    assert not work.exists()


def test_a_chunk_scored_again_between_reused_ones_rebuilds_every_table(tmp_path, messy_csv):
    """When a chunk in the middle must be scored again and later ones can still be reused, each table is
    built anew: the prefix copied, the scored chunk appended, the later chunks copied from their old byte
    ranges (attributions too); the files are the clean run's."""
    corpus, _ = load_corpus(messy_csv)
    small = tmp_path / "small.csv"
    corpus.iloc[:150].to_csv(small, index=False)
    ref = tmp_path / "ref"
    score_stream(small, ref, chunk_size=25, fmt="csv", attributions=True)
    out = tmp_path / "out"

    def explode(index, scored):
        if index == 3:
            raise Boom()

    with pytest.raises(Boom):
        score_stream(small, out, chunk_size=25, fmt="csv", attributions=True, on_chunk=explode)
    work = work_folder(out)
    manifest = json.loads((work / "manifest.json").read_text())
    del manifest["chunks"]["1"]  # as if chunk 1 had not finished
    (work / "manifest.json").write_text(json.dumps(manifest))
    seen = []
    res = score_stream(small, out, chunk_size=25, fmt="csv", resume=True, attributions=True,
                       on_chunk=lambda i, s: seen.append((i, s)))
    assert seen[:4] == [(0, False), (1, True), (2, False), (3, False)] and res.chunks_reused == 3
    for name in ("matches.csv", "documents.csv", "attributions.csv", "summary.csv", "attributions_provenance.json"):
        assert filecmp.cmp(ref / name, out / name, shallow=False), name
    assert not work.exists()


def test_changed_chunk_is_rescored_on_resume(tmp_path, sample_sentences):
    path = write_corpus_csv(tmp_path / "c.csv", sample_sentences, 120)
    out = tmp_path / "out"

    def stop(index, scored):
        if index == 2:
            raise Boom()

    with pytest.raises(Boom):
        score_stream(path, out, LEXICON, chunk_size=30, fmt="csv", on_chunk=stop)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[40] = lines[40].replace("d000039", "changed39")  # a row of chunk 1
    path.write_text("".join(lines), encoding="utf-8")
    res = score_stream(path, out, LEXICON, chunk_size=30, fmt="csv", resume=True)
    # chunks 0-2 were finished (the crash came after chunk 2 was written); chunk 1 holds the edited row
    assert (res.chunks_reused, res.chunks_scored) == (2, 2)
    ref = score(load_corpus(path)[0], LEXICON)
    got = pd.read_csv(out / "documents.csv", keep_default_na=False)
    assert got["doc_id"].tolist() == ref.documents["doc_id"].tolist()
    clean = tmp_path / "clean"
    score_stream(path, clean, LEXICON, chunk_size=30, fmt="csv")  # chunk 2 was copied after a rescored chunk 1
    for name in ("matches.csv", "documents.csv", "summary.csv"):
        assert filecmp.cmp(clean / name, out / name, shallow=False), name


def test_without_resume_leftovers_are_discarded(tmp_path, messy_csv):
    out = tmp_path / "out"
    with pytest.raises(Boom):
        score_stream(messy_csv, out, LEXICON, chunk_size=40, fmt="csv", on_chunk=lambda i, s: (_ for _ in ()).throw(Boom()))
    res = score_stream(messy_csv, out, LEXICON, chunk_size=40, fmt="csv")
    assert res.chunks_reused == 0


def test_killed_run_leaves_nothing_complete_and_resumes(tmp_path, sample_sentences):
    path = write_corpus_csv(tmp_path / "big.csv", sample_sentences, 3000)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "analysis", "score", str(path), "--out", str(out), "--chunk-size", "25",
           "--format", "csv", "--quiet", "--lexicon", LEXICON]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = work_folder(out) / "manifest.json"
    deadline = time.time() + 120
    try:
        while time.time() < deadline:
            if proc.poll() is not None:
                pytest.fail("the run finished before it could be killed")
            try:
                if len(json.loads(manifest.read_text())["chunks"]) >= 2:
                    break
            except (FileNotFoundError, json.JSONDecodeError):
                pass
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert not out.exists()  # the set is built beside it and swapped in only when complete
    done = len(json.loads(manifest.read_text())["chunks"])
    assert main(["score", str(path), "--out", str(out), "--chunk-size", "25", "--format", "csv", "--quiet", "--lexicon", LEXICON,
                 "--resume"]) == 0
    assert main(["score", str(path), "--out", str(tmp_path / "ref"), "--format", "csv", "--quiet", "--lexicon", LEXICON]) == 0
    for name in FINALS:
        if name != "load_report.csv":
            assert filecmp.cmp(tmp_path / "ref" / name, out / name, shallow=False), name
    assert done >= 2


def _peak(path, out, monkeypatch):
    monkeypatch.setattr(stream, "EXACT_SUMMARY_MAX_DOCS", 0)  # the large-corpus path
    tracemalloc.start()
    try:
        score_stream(path, out, LEXICON, chunk_size=100, fmt="csv")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_when_the_file_grows(tmp_path, sample_sentences, monkeypatch):
    small = write_corpus_csv(tmp_path / "small.csv", sample_sentences, 500)
    big = write_corpus_csv(tmp_path / "big.csv", sample_sentences, 2000)
    assert big.stat().st_size > 3.5 * small.stat().st_size
    p_small = _peak(small, tmp_path / "o1", monkeypatch)
    p_big = _peak(big, tmp_path / "o2", monkeypatch)
    # 4x the data, roughly the same peak (the doc_id set is the only state that grows)
    assert p_big < 1.3 * p_small + 512 * 1024, (p_small, p_big)


def test_streamed_attributions_equal_in_memory_and_resume(tmp_path, messy_csv):
    # built-in lexicons, so that attributed content holds matches; chunks cut between documents
    from analysis.measure.attribution import attributions_frame, with_match_counts

    corpus, _ = load_corpus(messy_csv)
    corpus = corpus.iloc[:120]
    small = tmp_path / "small.csv"
    corpus.to_csv(small, index=False)
    corpus, _ = load_corpus(small)
    ref = with_match_counts(attributions_frame(corpus), score(corpus).matches)
    assert ref["content_hedging"].sum() > 0 and ref["attribution"].max() >= 2
    assert main(["score", str(small), "--out", str(tmp_path / "mem"), "--quiet"]) == 0

    def explode(index, scored):
        if index == 2:
            raise Boom("simulated crash after chunk 2")

    with pytest.raises(Boom):
        score_stream(small, tmp_path / "st", chunk_size=25, fmt="csv", on_chunk=explode, attributions=True)
    seen = []
    res = score_stream(small, tmp_path / "st", chunk_size=25, fmt="csv", resume=True, attributions=True,
                       on_chunk=lambda i, s: seen.append((i, s)))
    assert seen[:3] == [(0, False), (1, False), (2, False)] and res.chunks_reused == 3
    for name in ("attributions.csv", "attributions_provenance.json", "matches.csv"):
        assert filecmp.cmp(tmp_path / "mem" / name, tmp_path / "st" / name, shallow=False), name
    assert res.files["attributions"] == tmp_path / "st" / "attributions.csv"
    # without --no-attributions a streamed run is no longer a different output set: no note either
    proc = subprocess.run([sys.executable, "-m", "analysis", "score", str(small), "--out", str(tmp_path / "cli"),
                           "--chunk-size", "40", "--format", "parquet", "--no-progress"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "note:" not in proc.stderr, proc.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cli" / "attributions.parquet"), ref, check_dtype=False)
    # chunks finished without attributions are not reused by a run that wants them
    with pytest.raises(Boom):
        score_stream(small, tmp_path / "none", chunk_size=25, fmt="csv", on_chunk=explode)
    seen.clear()
    score_stream(small, tmp_path / "none", chunk_size=25, fmt="csv", resume=True, attributions=True,
                 on_chunk=lambda i, s: seen.append((i, s)))
    assert seen and all(s for _, s in seen)
    assert filecmp.cmp(tmp_path / "mem" / "attributions.csv", tmp_path / "none" / "attributions.csv", shallow=False)


@pytest.mark.parametrize("kernel", ["copy_file_range", "fails at once", "fails midway", "absent"])
def test_merging_parts_gives_the_same_bytes_however_the_kernel_copies(tmp_path, monkeypatch, kernel):
    """Parts are appended in the kernel (os.copy_file_range, issue 19: 1.2 GB of parts at 40M words);
    a kernel or file system without it, refusing it, or stopping midway gives the same file."""
    import os

    from analysis.scale import stream

    parts = []
    for i, size in enumerate([0, 1, 70_000, 3 * (1 << 20) + 17, 5]):
        p = tmp_path / f"part{i}"
        p.write_bytes(bytes((i * 7 + k) % 251 for k in range(size)))
        parts.append(p)
    real = getattr(os, "copy_file_range", None)
    if kernel == "absent":
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    elif kernel != "copy_file_range":
        calls = []

        def flaky(src, dst, count, *args):
            calls.append(count)
            if kernel == "fails at once" or len(calls) > 1 or real is None:
                raise OSError(18, "Invalid cross-device link")
            return real(src, dst, min(count, 4096))

        monkeypatch.setattr(os, "copy_file_range", flaky, raising=False)
    tmp = stream._merge_parts(parts, tmp_path / "matches.csv", "csv", ["a", "b"])
    assert tmp.read_bytes() == b"a,b\n" + b"".join(p.read_bytes() for p in parts)


@pytest.mark.parametrize("kernel", ["copy_file_range", "fails at once", "fails midway", "absent"])
def test_copying_byte_ranges_gives_the_same_bytes_however_the_kernel_copies(tmp_path, monkeypatch, kernel):
    """A table rebuilt on resume copies chunks' byte ranges of the old file (os.copy_file_range with an
    offset); without it, refusing it or stopping midway, the bytes are the same; a range past the end
    of the old file is an error, not a short copy."""
    import os

    from analysis.scale import stream

    src_path = tmp_path / "old"
    data = bytes((k * 13) % 251 for k in range(4 * (1 << 20)))
    src_path.write_bytes(data)
    real = getattr(os, "copy_file_range", None)
    if kernel == "absent":
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    elif kernel != "copy_file_range":
        calls = []

        def flaky(src, dst, count, *args):
            calls.append(count)
            if kernel == "fails at once" or len(calls) > 1 or real is None:
                raise OSError(18, "Invalid cross-device link")
            return real(src, dst, min(count, 4096), *args)

        monkeypatch.setattr(os, "copy_file_range", flaky, raising=False)
    ranges = [(0, 0), (5, 70_000), (100, 3 * (1 << 20) + 17), (len(data) - 3, 3)]
    with open(src_path, "rb") as src, open(tmp_path / "new", "w+b") as out:
        out.write(b"head\n")
        out.flush()
        for at, size in ranges:
            stream._copy_range(src, out, at, size)
        with pytest.raises(OSError, match="ended"):
            stream._copy_range(src, out, len(data) - 2, 10)
    want = b"head\n" + b"".join(data[a:a + n] for a, n in ranges)
    assert (tmp_path / "new").read_bytes()[:len(want)] == want


@pytest.mark.parametrize("bad_line", [None, 95, 2])
def test_jsonl_chunks_read_by_arrow_equal_the_line_by_line_reading(tmp_path, bad_line):
    """A streamed JSONL chunk is read by pyarrow's JSON reader when its lines allow it (issue 19: Python's
    line-by-line reading was a third of score at 40M words); the chunks, their rows, values, dtypes and
    the load report are those of the line-by-line reader, also when a bad line sends the rest of the
    file to it midway."""
    import itertools
    import json as _json

    from analysis.scale import stream
    from analysis.text.loadreport import LoadReport

    lines = []
    for i in range(130):
        rec = {"id": f"d{i}", "outlet": ["A", "B", "Ç"][i % 3], "date": ["2024-03-05", "5 Mar 2024", None][i % 3],
               "text": f"Officials said it may rain {i} times, “maybe”.", "n": i if i % 4 else None,
               "score": i / 7}
        if i % 5 == 0:
            rec["extra"] = "x" * (i % 3)
        lines.append(_json.dumps(rec, ensure_ascii=i % 2 == 0))
    if bad_line is not None:
        lines[bad_line] = '{"id": "broken", "text": '  # invalid JSON
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def chunks(reader):
        report = LoadReport(str(path))
        return [df for df, _ in reader(report)], report

    fast, fast_report = chunks(lambda r: stream._iter_jsonl(path, None, 40, r))

    def exact(report):
        with open(path, "rb") as fh:
            yield from stream._iter_jsonl_lines(path, None, 40, report, None, enumerate(fh, 1), fh, False)

    slow, slow_report = chunks(exact)
    assert [len(df) for df in fast] == [len(df) for df in slow]
    for a, b in zip(fast, slow):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    assert (fast_report.n_read, fast_report.issues, fast_report.notes) == (
        slow_report.n_read, slow_report.issues, slow_report.notes)
    if bad_line is None:  # every chunk went through Arrow
        calls = []
        real = stream._corpus.jsonl_block_frame
        stream._corpus.jsonl_block_frame = lambda *a, **k: calls.append(1) or real(*a, **k)
        try:
            list(itertools.islice(stream._iter_jsonl(path, None, 40, LoadReport(str(path))), 10))
        finally:
            stream._corpus.jsonl_block_frame = real
        assert len(calls) == 4


@pytest.mark.parametrize("body", [b'{"a": 1}\n\n{"a": 2}\n', b'{"a": 1}\r\n{"a": 2}\r\n', b'{"a": 1}\n{"a": 2}\r\n',
                                  b'{"a": "x\rb"}\n', b' {"a": 1}\n', b'{"a": 1}\n[1]\n', b'{"a": 1, "a": 2}\n'])
def test_jsonl_block_frame_judges_given_lines_as_the_bytes(body):
    """Lines given by the streamed reader are judged as the joined bytes are (blank, odd, \\r lines)."""
    import io

    from analysis.text.corpus import jsonl_block_frame
    from analysis.text.loadreport import LoadReport

    lines = list(io.BytesIO(body))  # as a file's lines come: split at \n only
    a = jsonl_block_frame(body, 1, LoadReport("x"))
    b = jsonl_block_frame(b"".join(lines), 1, LoadReport("x"), lines=lines)
    assert (a is None) == (b is None)
    if a is not None:
        pd.testing.assert_frame_equal(a, b)


def test_a_full_disk_midway_keeps_the_previous_set_and_resume_finishes(tmp_path, messy_csv, monkeypatch, capsys):
    """The disk fills up while chunk 2's rows are being appended (half of them written): the command
    fails with one error line, ``OUT`` still holds the previous complete set, and once there is room
    again ``--resume`` reuses chunks 0-1, drops the half-written rows and writes the clean run's files."""
    import errno

    ref_dir = tmp_path / "ref"
    score_stream(messy_csv, ref_dir, LEXICON, chunk_size=40, fmt="csv")
    out = tmp_path / "out"
    small = tmp_path / "small.csv"
    pd.read_csv(messy_csv, keep_default_na=False, dtype=str).iloc[:30].to_csv(small, index=False)
    score_stream(small, out, LEXICON, chunk_size=40, fmt="csv")  # a previous, different, complete set
    previous = {name: (out / name).read_bytes() for name in FINALS}
    real = stream._csv_part_blocks
    calls = []

    def filling(df, csv_escape, into, attributions=False):
        calls.append(len(df))
        for block in real(df, csv_escape, into, attributions):
            if len(calls) == 5:  # chunk 2's matches (two tables per chunk)
                yield bytes(block[:len(block) // 2])
                raise OSError(errno.ENOSPC, "No space left on device")
            yield block

    monkeypatch.setattr(stream, "_csv_part_blocks", filling)
    cmd = ["score", str(messy_csv), "--out", str(out), "--chunk-size", "40", "--format", "csv", "--quiet",
           "--lexicon", LEXICON, "--no-attributions"]
    assert main(cmd) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left" in err[0], err
    assert {name: (out / name).read_bytes() for name in FINALS} == previous
    monkeypatch.setattr(stream, "_csv_part_blocks", real)
    seen = []
    res = score_stream(messy_csv, out, LEXICON, chunk_size=40, fmt="csv", resume=True,
                       on_chunk=lambda i, s: seen.append((i, s)))
    assert seen[:3] == [(0, False), (1, False), (2, True)] and res.chunks_reused == 2
    for name in FINALS:
        if name != "load_report.csv":
            assert filecmp.cmp(ref_dir / name, out / name, shallow=False), name
