"""Bounded resources wherever a user file is parsed: corpus column counts in linear time, JSON, TOML and
YAML nesting, YAML aliases, lexicon expansion counted before it is built; each a one-line error (or a
skipped row) naming the file and line."""
from __future__ import annotations

import time

import pytest

from analysis.lexicons.formats import lexicon_to_dic, parse_quanteda_yaml
from analysis.lexicons.model import LexiconError, load_lexicon, parse_lexicon
from analysis.text.corpus import CorpusError, load_corpus


def _wide_csv(path, n):
    header = ["doc_id", "text"] + [f"c{i}" for i in range(n)]
    rows = [",".join(["a", "It may rain."] + ["x"] * n), ",".join(["b", "It may."] + ["y"] * n)]
    path.write_text(",".join(header) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_wide_csv_is_linear_in_the_number_of_columns(tmp_path):
    # 5,000 columns took 94-160 s (one column inserted at a time); the ratio of 1,000 to 20,000 columns
    # is measured in one run, so a loaded machine does not matter
    times = {}
    for n in (1000, 20000):
        path = _wide_csv(tmp_path / f"w{n}.csv", n)
        t = time.process_time()
        corpus, report = load_corpus(path)
        times[n] = time.process_time() - t
        assert corpus.shape == (2, n + 5) and report.n_read == 2
        assert corpus[f"c{n - 1}"].tolist() == ["x", "y"]
    assert times[20000] < 60 * max(times[1000], 0.01)  # 20x the columns: linear, not quadratic (400x)


def test_duplicate_header_in_a_wide_file_names_both_columns(tmp_path):
    header = ["doc_id", "text"] + [f"c{i}" for i in range(30000)] + ["c7"]
    (tmp_path / "d.csv").write_text(",".join(header) + "\n" + ",".join(["a", "x"] + ["1"] * 30001) + "\n")
    with pytest.raises(CorpusError, match=r"d\.csv:1: duplicate column name 'c7' in the header \(columns 10 and 30003\)"):
        load_corpus(tmp_path / "d.csv")


def test_deep_jsonl_line_is_skipped_and_reported(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"doc_id": "a", "text": "x", "m": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
                    '{"doc_id": "b", "text": "It may."}\n', encoding="utf-8")
    corpus, report = load_corpus(path)
    assert corpus["doc_id"].tolist() == ["b"]
    (issue,) = report.issues
    assert (issue.row, issue.problem, issue.action) == (1, "JSON nested too deeply to read", "skipped")


def test_deep_json_array_is_one_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('[{"doc_id": "a", "text": "x", "m": ' + "[" * 100_000 + "]" * 100_000 + "}]", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"deep\.json: the JSON array is nested too deeply"):
        load_corpus(path)


def test_yaml_alias_bomb_is_refused_at_once():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{k}: &{k} [{', '.join([f'*{p}'] * 9)}]\n" for p, k in zip("abcdefgh", "bcdefghi"))
    t = time.process_time()
    with pytest.raises(LexiconError, match=r"^d\.yml:2: YAML alias \(\*name\) refused"):
        parse_quanteda_yaml(bomb, "d.yml")
    assert time.process_time() - t < 5


@pytest.mark.parametrize("text, line", [
    ("a:\n" + "".join("  " * i + f"  k{i}:\n" for i in range(200)), 64),
    ("a: " + "[" * 50_000 + "]" * 50_000 + "\n", 1),
])
def test_deep_yaml_is_one_error_naming_the_line(text, line):
    with pytest.raises(LexiconError, match=rf"^d\.yml:{line}: YAML nested more than 64 levels deep"):
        parse_quanteda_yaml(text, "d.yml")


def test_deep_toml_is_one_error_naming_the_line():
    raw = '[meta]\nname = "x"\nversion = "1"\nx = ' + "[" * 100_000 + "]" * 100_000 + "\n"
    with pytest.raises(LexiconError, match=r"^l\.toml:4: TOML nested too deeply"):
        parse_lexicon(raw, "l.toml")


def test_csv_lexicon_options_nested_deeply_skip_the_entry(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text('term,category,options\nmay,hedge,"' + "[" * 50_000 + "]" * 50_000 + '"\nmight,hedge,\n',
                    encoding="utf-8")
    with pytest.warns(UserWarning, match="1 problem"):
        lex = load_lexicon(path)
    assert [e.pattern for e in lex.entries] == ["might"]


def test_expansion_is_counted_before_it_is_built():
    lex = parse_lexicon('[meta]\nname = "x"\nversion = "1.0.0"\n[categories.h]\n'
                        'entries = ["(a|b|c|d|e|f|g|h|i|j){1,8} x"]\n', "l.toml")
    issues: list = []
    t = time.process_time()
    lexicon_to_dic(lex, issues)  # about 10^8 sequences: counted, not built
    assert time.process_time() - t < 5
    assert any("more than 10000" in str(i) for i in issues)
