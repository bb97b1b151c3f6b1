"""`score` streams a large corpus file by itself (no --chunk-size): the same output set as in memory,
and a selection (--outlets, ...) or --compat on a large file is made in memory rather than refused with a
message about options the user did not give."""
from __future__ import annotations

import filecmp

import pytest

import analysis.cli.score as score_cli
from analysis.cli import main
from analysis.scale import stream

FILES = ("matches.csv", "documents.csv", "summary.csv", "attributions.csv", "load_report.csv", "metadata.csv",
         "provenance.json", "attributions_provenance.json")


@pytest.fixture
def low_threshold(monkeypatch):
    monkeypatch.setattr(score_cli, "STREAM_THRESHOLD_BYTES", 10_000)
    monkeypatch.setattr(score_cli, "DEFAULT_CHUNK_SIZE", 7)
    calls = []
    real = stream.score_stream

    def spy(*args, **kwargs):
        calls.append(kwargs["chunk_size"])
        return real(*args, **kwargs)

    monkeypatch.setattr(stream, "score_stream", spy)
    return calls


def test_a_large_file_is_streamed_with_the_same_output_set(realshaped, tmp_path, monkeypatch):
    path = str(realshaped["path"])
    assert main(["score", path, "--out", str(tmp_path / "memory"), "--quiet", "--no-progress"]) == 0
    monkeypatch.setattr(score_cli, "STREAM_THRESHOLD_BYTES", 10_000)
    monkeypatch.setattr(score_cli, "DEFAULT_CHUNK_SIZE", 7)
    calls = []
    real = stream.score_stream
    monkeypatch.setattr(stream, "score_stream", lambda *a, **k: calls.append(k["chunk_size"]) or real(*a, **k))
    assert main(["score", path, "--out", str(tmp_path / "streamed"), "--quiet", "--no-progress"]) == 0
    assert calls == [7]  # streamed, in chunks of the default size
    # under the threshold, in memory
    monkeypatch.setattr(score_cli, "STREAM_THRESHOLD_BYTES", 10**12)
    assert main(["score", path, "--out", str(tmp_path / "again"), "--quiet", "--no-progress"]) == 0
    assert calls == [7]
    for name in FILES:
        assert filecmp.cmp(tmp_path / "memory" / name, tmp_path / "streamed" / name, shallow=False), name


def test_a_selection_on_a_large_file_is_made_in_memory(realshaped, tmp_path, low_threshold):
    from analysis.text.corpus import load_corpus

    outlet = load_corpus(realshaped["path"])[0]["outlet"].value_counts().index[0]
    assert main(["score", str(realshaped["path"]), "--out", str(tmp_path / "o"), "--quiet", "--no-progress",
                 "--outlets", outlet]) == 0
    assert low_threshold == []  # not streamed
    assert (tmp_path / "o" / "matches.csv").exists()


def test_asking_for_chunks_and_a_selection_is_still_refused(realshaped, tmp_path, low_threshold, capsys):
    code = main(["score", str(realshaped["path"]), "--out", str(tmp_path / "o"), "--quiet", "--no-progress",
                 "--outlets", "x", "--chunk-size", "5"])
    assert code == 2 and "select in memory" in capsys.readouterr().err
    assert low_threshold == [] and not (tmp_path / "o").exists()
