"""Every input row accounted for: mixed folders refused with the list (or read by the chosen kind with
the rest listed), duplicate metadata ids refused, values that were not text counted and noted."""
from __future__ import annotations

import contextlib
import io
import json

import pandas as pd
import pytest

from analysis.text.corpus import CorpusError, load_corpus


def _folder(tmp_path, names):
    d = tmp_path / "f"
    d.mkdir()
    for name in names:
        body = "<html><body><p>It may rain today in the valley.</p></body></html>" if name.endswith("html") \
            else "It may rain."
        (d / name).write_text(body, encoding="utf-8")
    return d


def test_txt_and_html_in_one_folder_is_refused_with_the_list(tmp_path):
    d = _folder(tmp_path, ["a.txt", "b.txt", "index.html"])
    with pytest.raises(CorpusError, match=r"2 \.txt files \(a\.txt, b\.txt\) and 1 web pages \(index\.html\)"):
        load_corpus(d)


def test_a_chosen_kind_reads_it_and_lists_the_rest(tmp_path):
    d = _folder(tmp_path, ["a.txt", "b.txt", "index.html", "notes.md"])
    corpus, report = load_corpus(d, fmt="txt")
    assert corpus["doc_id"].tolist() == ["a", "b"] and report.n_read == 2
    assert "2 entries of the folder are not .txt files and were not read: index.html, notes.md" in report.notes


def test_other_files_beside_txt_files_are_listed(tmp_path):
    d = _folder(tmp_path, ["a.txt", "README.md", "scan.pdf"])
    _, report = load_corpus(d)
    assert any("not read: README.md, scan.pdf" in n for n in report.notes)


def test_duplicate_metadata_ids_are_refused(tmp_path):
    d = _folder(tmp_path, ["a.txt", "b.txt"])
    (d / "metadata.csv").write_text("doc_id,outlet\na,X\nb,Y\na.txt,Z\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"metadata\.csv:4: doc_id 'a' is listed more than once \(rows 2, 4"):
        load_corpus(d)


def test_unique_metadata_joins_one_row_per_file(tmp_path):
    d = _folder(tmp_path, ["a.txt", "b.txt"])
    (d / "metadata.csv").write_text("doc_id,outlet,lean\na,X,left\nb,Y,right\n", encoding="utf-8")
    corpus, report = load_corpus(d)
    assert len(corpus) == report.n_read == 2
    assert corpus["lean"].tolist() == ["left", "right"]


def test_numbers_and_booleans_read_as_text_are_counted(tmp_path):
    path = tmp_path / "c.jsonl"
    rows = [{"id": 1, "outlet": True, "title": 3.5, "text": "It may rain."},
            {"id": None, "outlet": "Daily", "title": "T", "text": 42},
            {"id": 3, "outlet": False, "title": "T", "text": "It may."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    corpus, report = load_corpus(path)
    assert corpus["doc_id"].tolist() == ["1", "c:2", "3"]  # not '1.0': pandas made the column float
    assert corpus["outlet"].tolist() == ["true", "Daily", "false"]
    assert corpus["text"].tolist()[1] == "42"
    prov = report.provenance()
    assert prov["coerced_to_text"] == {"id:id": 2, "outlet:outlet": 2, "text:text": 1, "title:title": 1}
    assert any(n.startswith("outlet column 'outlet': numbers or booleans read as text") for n in report.notes)


def test_streamed_counts_equal_in_memory_counts(tmp_path):
    stream = pytest.importorskip("analysis.scale.stream")
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps({"id": k, "outlet": k % 2 == 0, "text": "It may rain."}) + "\n"
                            for k in range(7)), encoding="utf-8")
    whole = load_corpus(path)[1]
    report = stream.LoadReport(str(path))
    list(stream.iter_corpus_chunks(path, chunk_size=2, report=report))
    assert report.provenance() == whole.provenance()


def test_score_cli_refuses_a_mixed_folder_with_one_line(tmp_path):
    from analysis.cli import main

    d = _folder(tmp_path, ["a.txt", "index.html"])
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["score", str(d), "--out", str(tmp_path / "o"), "--quiet"])
    assert code != 0
    line = err.getvalue().strip()
    assert line.startswith("error:") and "\n" not in line and "index.html" in line
    assert not (tmp_path / "o" / "documents.csv").exists()
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["score", str(d), "--out", str(tmp_path / "o"), "--quiet", "--input-format", "txt"])
    assert code == 0, err.getvalue()
    assert pd.read_csv(tmp_path / "o" / "documents.csv")["doc_id"].tolist() == ["a"]
