"""python -m analysis lexicon validate|show|diff|convert: output and exit codes."""
import pytest

from analysis.cli import main
from analysis.lexicons.model import load_lexicon

GOOD = '[meta]\nname = "t"\nversion = "1.0.0"\nlicence = "CC0-1.0"\n[categories.c]\nentries = ["may", "might"]\n'
WARN = GOOD.replace('"might"]', '"might", "may"]')  # a duplicate: a warning only
BAD = GOOD.replace('"might"]', '"head on. The whole"]')  # can never match: an error


@pytest.fixture
def files(tmp_path):
    out = {}
    for name, text in {"good": GOOD, "warn": WARN, "bad": BAD}.items():
        out[name] = tmp_path / f"{name}.toml"
        out[name].write_text(text)
    return out


@pytest.mark.parametrize("which, strict, code", [("good", False, 0), ("warn", False, 0), ("warn", True, 1),
                                                 ("bad", False, 1)])
def test_validate_exit_codes(files, which, strict, code, capsys):
    argv = ["lexicon", "validate", str(files[which])] + (["--strict"] if strict else [])
    assert main(argv) == code
    out, err = capsys.readouterr()
    if which == "warn":
        assert out.startswith(f"{files['warn']}:6: warning: duplicate entry 'may'")
    if which == "bad":
        assert f"{files['bad']}:6: error:" in out
    assert "error" in err and "warning" in err  # the summary line


def test_validate_schema_error_exits_1_with_file_and_line(tmp_path, capsys):
    p = tmp_path / "s.toml"
    p.write_text(GOOD.replace('version = "1.0.0"', 'version = "one"'))
    assert main(["lexicon", "validate", str(p)]) == 1
    assert capsys.readouterr().out.startswith(f"{p}:3: error: version 'one' is not semantic")


def test_validate_missing_file_exits_2(tmp_path, capsys):
    assert main(["lexicon", "validate", str(tmp_path / "nope.toml")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_show(files, capsys):
    assert main(["lexicon", "show", str(files["good"]), "--entries"]) == 0
    out = capsys.readouterr().out
    lex = load_lexicon(files["good"])
    assert "name:     t" in out and "version:  1.0.0" in out and "licence:  CC0-1.0" in out
    assert f"sha256:   {lex.sha256}" in out
    assert "categories (1, 2 entries):" in out and "      might" in out


def test_show_builtin(capsys):
    assert main(["lexicon", "show", "hedging"]) == 0
    assert "hedging.modal" in capsys.readouterr().out


def test_diff(files, tmp_path, capsys):
    new = tmp_path / "new.toml"
    new.write_text(GOOD.replace('"might"]', '"perhaps"]'))
    assert main(["lexicon", "diff", str(files["good"]), str(new), "--csv", str(tmp_path / "d.csv")]) == 0
    out = capsys.readouterr().out
    # the content changed but the version did not: the diff says so
    assert "version 1.0.0 -> 1.0.0" in out and "bump it" in out
    assert "c: +1 -1 ~0" in out and "  + perhaps" in out and "  - might" in out
    assert (tmp_path / "d.csv").read_text().startswith("category,pattern,change")


def test_convert_round_trip_and_refuses_to_overwrite(files, tmp_path, capsys):
    dic = tmp_path / "t.dic"
    assert main(["lexicon", "convert", str(files["good"]), str(dic)]) == 0
    assert dic.read_text() == "%\n1\tc\n%\nmay\t1\nmight\t1\n"
    assert "wrote" in capsys.readouterr().err
    assert main(["lexicon", "convert", str(files["good"]), str(dic)]) == 2  # exists
    assert "--force" in capsys.readouterr().err
    back = tmp_path / "back.toml"
    assert main(["lexicon", "convert", str(dic), str(back), "--name", "t", "--version", "1.0.0"]) == 0
    assert [e.pattern for e in load_lexicon(back).entries] == ["may", "might"]


def test_convert_reports_what_the_target_cannot_express(tmp_path, capsys):
    p = tmp_path / "ctx.toml"
    p.write_text(GOOD.replace('"might"]', '{ pattern = "may", unless_followed_by = ["<NUM>"] }, "about <NUM>"]'))
    assert main(["lexicon", "convert", str(p), str(tmp_path / "x.dic")]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("warning:") == 2 and "skipped" in captured.out
    assert "wrote" in captured.err and "2 skipped" in captured.err


def test_convert_unknown_format_exits_2(files, tmp_path, capsys):
    assert main(["lexicon", "convert", str(files["good"]), str(tmp_path / "x.json")]) == 2
    assert "supported" in capsys.readouterr().err


def test_builtin_name_wins_over_a_folder_of_that_name(tmp_path, monkeypatch):
    # a folder called "hedging" in the working folder (a user's notes, a scratch dir) once made every
    # command fail with "hedging: no such lexicon file"
    from analysis.lexicons.model import LexiconError, load_lexicon

    (tmp_path / "hedging").mkdir()
    monkeypatch.chdir(tmp_path)
    assert load_lexicon("hedging").name == "hedging"
    with pytest.raises(LexiconError, match="no such lexicon file"):
        load_lexicon("./hedging")
