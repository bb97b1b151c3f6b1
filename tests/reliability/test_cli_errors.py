"""The CLI on bad input: exit status 2, exactly one stderr line starting ``error:``, no traceback."""
from __future__ import annotations

import pytest

H = '[meta]\nname = "t"\nversion = "1.0.0"\n'
GOOD_CSV = b"doc_id,text\n1,It may rain.\n"

# (case, corpus file name, corpus bytes, extra arguments, text the error line must contain)
CORPUS_CASES = [
    ("empty file", "a.csv", b"", [], "a.csv: the file is empty"),
    ("header only", "a.csv", b"doc_id,text\n", [], "a.csv: header only, no rows"),
    ("missing text column", "a.csv", b"doc_id,body_text\n1,x\n", [], "name it with --text-col"),
    ("misnamed --text-col", "a.csv", b"doc_id,body_text\n1,x\n", ["--text-col", "txt"], "no column 'txt' for text"),
    ("duplicate header", "a.csv", b"text,text\na,b\n", [], "a.csv:1: duplicate column name 'text'"),
    ("unterminated quote", "a.csv", b'doc_id,text\n1,"x\n', [], "a.csv: line 2: malformed CSV quoting"),
    ("odd column name", "a.csv", b'doc_id,"b\nody"\n1,x\n', [], "'b\\nody'"),
    ("unknown encoding", "a.csv", GOOD_CSV, ["--encoding", "nope"], "cannot decode as nope"),
    ("unknown format", "a.docx", b"PK", [], "unknown corpus format 'docx'"),
    ("corrupt parquet", "a.parquet", b"PAR1", [], "a.parquet: cannot read Parquet"),
]


@pytest.mark.parametrize("case,name,data,args,needle", CORPUS_CASES, ids=[c[0] for c in CORPUS_CASES])
def test_bad_corpus_exits_2_with_one_line(write, h, tmp_path, case, name, data, args, needle):
    p = write(name, data)
    code, _out, err = h.run_cli(["score", p, "--out", tmp_path / "out", *args])
    h.assert_one_line_error(code, err, needle)
    assert not (tmp_path / "out" / "matches.csv").exists()


LEXICON_CASES = [
    ("syntax error", H + '[categories."a.b"]\nentries = ["may"]\nfoo = \n', "x.toml:6: TOML syntax error"),
    ("unknown key", H + '[categories."a.b"]\nentries = ["may"]\nweight = 2\n', "x.toml:6: unknown key 'weight'"),
    ("empty category", H + '[categories."a.b"]\nentries = []\n', "x.toml:4: category 'a.b' is empty"),
    ("bad pattern", H + '[categories."a.b"]\nentries = ["may *{0,99} go"]\n', "x.toml:5: repeat {0,99}"),
]


@pytest.mark.parametrize("case,raw,needle", LEXICON_CASES, ids=[c[0] for c in LEXICON_CASES])
def test_bad_lexicon_exits_2_with_one_line(write, h, tmp_path, case, raw, needle):
    corpus = write("c.csv", GOOD_CSV)
    lex = write("x.toml", raw)
    code, _out, err = h.run_cli(["score", corpus, "--lexicon", lex, "--out", tmp_path / "out"])
    h.assert_one_line_error(code, err, needle)


@pytest.mark.parametrize("args,needle", [
    (["--lexicon", "nonexistent"], "unknown lexicon 'nonexistent'"),
    (["--lexicon", "missing.toml"], "missing.toml: no such lexicon file"),
    (["--categories", "nothing.*"], "no category matches ['nothing.*']"),
    (["--lexicon", "hedging", "--lexicon", "hedging"], "is defined by both hedging and hedging"),
])
def test_bad_options_exit_2_with_one_line(write, h, tmp_path, args, needle):
    corpus = write("c.csv", GOOD_CSV)
    code, _out, err = h.run_cli(["score", corpus, *args, "--out", tmp_path / "out"])
    h.assert_one_line_error(code, err, needle)


def test_missing_corpus(h, tmp_path):
    code, _out, err = h.run_cli(["score", tmp_path / "nope.csv", "--out", tmp_path / "out"])
    h.assert_one_line_error(code, err, "nope.csv: no such file or folder")


def test_out_is_a_file(write, h):
    corpus = write("c.csv", GOOD_CSV)
    blocker = write("out.txt", b"not a folder")
    code, _out, err = h.run_cli(["score", corpus, "--out", blocker])
    h.assert_one_line_error(code, err)


def test_every_row_skipped_never_gives_a_traceback(write, h, tmp_path):
    """A corpus whose rows were all skipped: either scored as empty (exit 0, the load report says why) or
    refused in one line (exit 2). The CLI has had both behaviours while this suite was written."""
    p = write("a.jsonl", b"{\n}\n")
    code, _out, err = h.run_cli(["score", p, "--out", tmp_path / "out"])
    if code == 0:
        assert "2 rows read, 0 loaded, 2 skipped" in err and "Traceback" not in err
    else:
        h.assert_one_line_error(code, err)


def test_a_real_process_shows_no_traceback(write, tmp_path, h):
    """The same through a fresh interpreter (what a user sees), for a corpus and a lexicon error."""
    bad = write("a.csv", b"text,text\na,b\n")
    proc = h.run_cli_subprocess(["score", bad, "--out", tmp_path / "out"])
    h.assert_one_line_error(proc.returncode, proc.stderr, "duplicate column name")
    lex = write("x.toml", H + '[categories."a.b"]\nentries = []\n')
    proc = h.run_cli_subprocess(["score", write("c.csv", GOOD_CSV), "--lexicon", lex, "--out", tmp_path / "o"])
    h.assert_one_line_error(proc.returncode, proc.stderr, "category 'a.b' is empty")


def test_a_warning_is_one_line_without_the_library_path(write, tmp_path):
    """A warning of the library reaches the user as ``warning: <message>`` (no file, line or source
    line of the library), here ``figures`` on a corpus with an undated article."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    corpus = write("c.csv", b"doc_id,outlet,date,text\n"
                            b"a,X,2026-01-01,Officials said it may rain.\nb,X,2026-02-01,It could snow.\n"
                            b"c,Y,,Anonymous officials said an attack is possible.\nd,Y,2026-03-01,No evidence.\n"
                            b"e,X,2026-01-15,Critics said it might fail.\nf,Y,2026-02-10,One official said so.\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    proc = subprocess.run([sys.executable, "-m", "analysis", "figures", "--corpus", str(corpus), "--out",
                           str(tmp_path / "o"), "--quiet", "--n-resamples", "50", "--only", "rates_over_time"],
                          capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[2],
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines == ["warning: 1 document(s) without a date left out of rates_over_time"], proc.stderr


def test_show_warning_keeps_the_first_line():
    import io

    from analysis.cli import show_warning

    buf = io.StringIO()
    show_warning(UserWarning("first\nsecond"), UserWarning, "/x/y.py", 3, file=buf)
    show_warning(UserWarning(""), RuntimeWarning, "/x/y.py", 3, file=buf)
    assert buf.getvalue() == "warning: first\nwarning: RuntimeWarning\n"
