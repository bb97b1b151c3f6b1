"""Lexicon file formats: LIWC .dic/.dicx, quanteda YAML, CSV; quirks reported, round trips, lossy exports."""
import warnings

import pytest
import yaml

from analysis.lexicons.formats import (
    LexiconFormatWarning,
    category_name,
    lexicon_to_csv,
    lexicon_to_dic,
    lexicon_to_toml,
    lexicon_to_yaml,
    parse_csv_lexicon,
    parse_liwc_dic,
    parse_liwc_dicx,
    parse_quanteda_yaml,
    read_lexicon,
    write_lexicon,
)
from analysis.lexicons.model import LexiconError, load_lexicon, parse_lexicon
from analysis.measure.matching import Matcher

# A six-line LIWC dictionary in the style of liwc-python's test fixture.
TINY_DIC = "%\n1\tfunct\n2\ttentat\n%\nperhaps\t2\nmay*\t1\t2\n"

# Every quirk we have met in the wild, in one file: BOM, CRLF, unknown category number, LIWC 2007
# conditional categories, a duplicate line, a leading '*', a term without a category, no tab.
MALFORMED_DIC = (
    "\ufeff%\r\n1\tposemo\r\n2\ttentat\r\n3\tPosemo\r\n%\r\n"
    "happy\t1\r\n"
    "perhap*\t2 99\r\n"
    "like\t(02 134)1/2 (02)1\t2\r\n"
    "perhap*\t2\r\n"
    "*ing\t1\r\n"
    "orphan\r\n"
    "glad 1 3\r\n"
)

QUANTEDA_YAML = """\
# negators and hedges; 'no' and 'off' are left unquoted on purpose
negation:
  - no
  - not
  - "never"
hedge:
  modal: [may, off, "might"]
  approx:
    - about
    - 1.50
"""


def entries(lex):
    return {c: [e.pattern for e in cat.entries] for c, cat in lex.categories.items()}


def codes(issues):
    return [(i.line, i.code) for i in issues]


# -- LIWC .dic ---------------------------------------------------------------------------------------
def test_tiny_dic():
    lex = parse_liwc_dic(TINY_DIC, "tiny.dic")
    # 'may*' is in two categories; the trailing * is our one-token glob, so it matches "maybe"
    assert entries(lex) == {"funct": ["may*"], "tentat": ["perhaps", "may*"]}
    found = [(m.category, m.matched) for m in Matcher(lex).match("Perhaps, maybe.").matches]
    assert found == [("tentat", "Perhaps"), ("funct", "maybe"), ("tentat", "maybe")]


def test_malformed_dic_reports_quirks_with_lines_and_does_not_crash():
    issues = []
    lex = parse_liwc_dic(MALFORMED_DIC, "bad.dic", issues)
    assert entries(lex) == {"posemo": ["happy", "*ing", "glad"], "tentat": ["perhap*", "like"], "posemo_2": ["glad"]}
    assert lex.categories["posemo_2"].extra == {"label": "Posemo"}  # kept apart, original name kept
    got = codes(issues)
    for expected in [(1, "bom"), (4, "category-case"), (7, "liwc-unknown-category"), (8, "liwc-conditional"),
                     (9, "liwc-duplicate"), (10, "liwc-star"), (11, "liwc-entry"), (12, "liwc-spaces")]:
        assert expected in got, (expected, got)
    cond = [i for i in issues if i.code == "liwc-conditional"]
    assert len(cond) == 2 and "keeps its plain categories (2)" in cond[0].message
    assert str(cond[0]).startswith("bad.dic:8: warning: conditional category '(02 134)1/2'")


def test_dic_read_from_file_crlf_and_bom(tmp_path):
    p = tmp_path / "bad.dic"
    p.write_bytes(MALFORMED_DIC.encode("utf-8"))
    issues = []
    lex = read_lexicon(p, issues)
    assert (1, "crlf") in codes(issues) and (1, "bom") in codes(issues)
    assert lex.name == "bad" and lex.version == "0.1.0" and lex.entries[0].line == 6


@pytest.mark.parametrize(
    "text, where",
    [
        ("1\tfunct\n%\nmay\t1\n", "x.dic:1:"),  # no opening %
        ("%\n1\tfunct\nmay\t1\n", "x.dic:3:"),  # no closing %
        ("\n\n%\n%\nmay\t1\n", "x.dic:4:"),  # empty header
        ("%\n1\tfunct\n%\nmay\t7\n", "x.dic:1:"),  # nothing usable left
    ],
)
def test_unusable_dic_is_one_clear_error(text, where):
    with pytest.raises(LexiconError) as exc:
        parse_liwc_dic(text, "x.dic")
    assert str(exc.value).startswith(where), str(exc.value)


def test_load_lexicon_dispatches_by_extension_and_warns_once(tmp_path):
    (tmp_path / "tiny.dic").write_text(TINY_DIC)
    (tmp_path / "bad.dic").write_text(MALFORMED_DIC)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_lexicon(tmp_path / "tiny.dic").name == "tiny"  # no quirks: no warning
    with pytest.warns(LexiconFormatWarning, match="lexicon validate"):
        load_lexicon(str(tmp_path / "bad.dic"))


def test_unsupported_extension(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(LexiconError, match="supported: .toml, .dic"):
        read_lexicon(tmp_path / "x.json")


# -- LIWC-22 .dicx -----------------------------------------------------------------------------------
def test_dicx_read_and_quirks():
    text = "DicTerm,tentat,certain\nmaybe,X,\nsure*,,X\nperhaps,x,1\nnothing,,\nmaybe,X,\n"
    issues = []
    lex = parse_liwc_dicx(text, "d.dicx", issues)
    assert entries(lex) == {"tentat": ["maybe", "perhaps"], "certain": ["sure*", "perhaps"]}
    assert (4, "dicx-mark") in codes(issues) and (5, "dicx-entry") in codes(issues)
    assert (6, "dicx-duplicate") in codes(issues)


def test_dicx_round_trip(tmp_path):
    lex = parse_liwc_dic(TINY_DIC, "tiny.dic")
    write_lexicon(lex, tmp_path / "t.dicx")
    assert (tmp_path / "t.dicx").read_bytes().startswith(b"\xef\xbb\xbfDicTerm,funct,tentat")
    back = entries(read_lexicon(tmp_path / "t.dicx"))
    assert {c: sorted(v) for c, v in back.items()} == {c: sorted(v) for c, v in entries(lex).items()}


# -- quanteda YAML -----------------------------------------------------------------------------------
def test_quanteda_yaml_restores_no_and_off():
    issues = []
    lex = parse_quanteda_yaml(QUANTEDA_YAML, "q.yml", issues)
    # YAML 1.1 reads no/off as booleans and 1.50 as 1.5: all three are restored as written
    assert entries(lex) == {"negation": ["no", "not", "never"], "hedge.modal": ["may", "off", "might"],
                            "hedge.approx": ["about", "1.50"]}
    coerced = [(i.line, i.pattern) for i in issues if i.code == "yaml-coerced"]
    assert coerced == [(3, "no"), (7, "off"), (10, "1.50")]
    assert all(i.level == "warning" for i in issues if i.code == "yaml-coerced")
    assert [e.line for e in lex.categories["negation"].entries] == [3, 4, 5]


def test_quanteda_yaml_syntax_error_has_line():
    with pytest.raises(LexiconError, match=r"^q.yml:3: YAML syntax error"):
        parse_quanteda_yaml("a:\n  - x\n - y: [\n", "q.yml")


def test_yaml_is_read_with_safe_load_only():
    with pytest.raises(LexiconError):
        parse_quanteda_yaml("a: !!python/object/apply:os.system ['echo hi']\n", "evil.yml")


def test_yaml_export_quotes_everything():
    lex = parse_quanteda_yaml(QUANTEDA_YAML, "q.yml")
    text = lexicon_to_yaml(lex)
    assert yaml.safe_load(text)["negation"] == ["no", "not", "never"]  # strings, not booleans
    assert entries(parse_quanteda_yaml(text, "again.yml")) == entries(lex)


# -- CSV ---------------------------------------------------------------------------------------------
def test_csv_options_and_slots():
    text = ('term,category,options\nofficial,@noun,\nsource,@noun,\n@noun said,sourcing.anonymous,\n'
            'may,hedging.modal,"{""unless_followed_by"": [""<NUM>""]}"\nmight,hedging.modal,{bad json\n')
    issues = []
    lex = parse_csv_lexicon(text, "l.csv", issues)
    assert lex.slots == {"noun": ["official", "source"]}
    assert lex.categories["hedging.modal"].entries[0].unless_followed_by == ("<NUM>",)
    assert (6, "csv-options") in codes(issues)


@pytest.mark.parametrize("name", ["hedging", "sourcing", "evidence_absent", "booster", "distancing"])
def test_toml_csv_toml_round_trip_keeps_every_entry(name, tmp_path):
    lex = load_lexicon(name)
    write_lexicon(lex, tmp_path / "l.csv")
    back = read_lexicon(tmp_path / "l.csv", [])
    assert back.slots == lex.slots
    assert [(e.category, e.as_dict()) for e in back.entries] == [(e.category, e.as_dict()) for e in lex.entries]
    # and through TOML again: same entries, same slots
    again = parse_lexicon(lexicon_to_toml(back))
    assert [(e.category, e.as_dict()) for e in again.entries] == [(e.category, e.as_dict()) for e in lex.entries]


def test_liwc_dic_toml_dic_round_trip():
    lex = parse_liwc_dic(MALFORMED_DIC, "bad.dic", [])
    toml = parse_lexicon(lexicon_to_toml(lex), "bad.toml")
    issues = []
    again = parse_liwc_dic(lexicon_to_dic(toml, issues), "again.dic")

    def mapping(lx):
        out = {}
        for c, cat in lx.categories.items():
            for e in cat.entries:
                out.setdefault(e.pattern, set()).add(cat.extra.get("label", c))
        return out

    # '*ing' was read as our suffix glob (reported); LIWC cannot express that, so export reports and skips it
    assert [(i.code, i.pattern) for i in issues if i.level == "warning"] == [("export-skipped", "*ing")]
    expected = mapping(lex)
    del expected["*ing"]
    assert mapping(again) == expected
    assert {c.extra.get("label", n) for n, c in again.categories.items()} == {"posemo", "tentat", "Posemo"}


# -- exports that lose something say so --------------------------------------------------------------
HEAD = '[meta]\nname = "t"\nversion = "1.0.0"\n[slots]\nnoun = ["official", "source"]\n[categories.c]\nentries = [\n'


def one(entry):
    return parse_lexicon(HEAD + entry + "\n]\n", "t.toml")


@pytest.mark.parametrize(
    "entry, fmt, written, message",
    [
        ('"(senior|western) official"', "dic", ["senior official", "western official"], None),
        ('"@noun said"', "dic", ["official said", "source said"], None),
        ('"no *{0,2} decision"', "dic", [], "wildcard word or a gap"),
        ('"no *{0,2} decision"', "yaml", ["no decision", "no * decision", "no * * decision"], None),
        ('"wom?n"', "dic", [], "one-character wildcard"),
        ('"wom?n"', "yaml", ["wom?n"], None),
        ('"*ism"', "dic", [], "only has a trailing '*'"),
        ('"about <NUM>"', "yaml", [], "token class like <NUM>"),
        ('{ pattern = "may", unless_followed_by = ["<NUM>"] }', "dic", [], "contexts (unless_followed_by)"),
        ('{ pattern = "US", case_sensitive = true }', "yaml", [], "case sensitivity"),
        ('"(a|b|c|d|e|f|g|h|i|j){5} x"', "dic", [], "more than 10000"),
    ],
)
def test_export_expands_or_reports(entry, fmt, written, message):
    lex = one(entry)
    issues = []
    text = lexicon_to_dic(lex, issues) if fmt == "dic" else lexicon_to_yaml(lex, issues)
    got = [e.pattern for e in (parse_liwc_dic if fmt == "dic" else parse_quanteda_yaml)(text, "x").entries] \
        if written else []
    assert got == written
    skipped = [i for i in issues if i.code == "export-skipped"]
    if message:
        assert len(skipped) == 1 and message in skipped[0].message and skipped[0].line == 8
        assert skipped[0].level == "warning"
    else:
        assert not skipped


def test_export_approximate_keeps_entry_with_a_warning():
    lex = one('{ pattern = "may", unless_followed_by = ["<NUM>"] }')
    issues = []
    text = lexicon_to_dic(lex, issues, approximate=True)
    assert "may\t1" in text
    assert [i.code for i in issues] == ["export-approximate"]


def test_csv_export_is_lossless_but_says_meta_is_not_kept():
    issues = []
    lexicon_to_csv(load_lexicon("hedging"), issues)
    assert [i.code for i in issues] == ["export-meta"] and issues[0].level == "info"


@pytest.mark.parametrize("label, name", [("Social Processes", "social_processes"), ("2ndPerson", "c2ndperson"),
                                         ("emo_pos", "emo_pos"), ("Affect.Pos", "affect.pos"), ("!!!", "category")])
def test_category_names_from_labels(label, name):
    assert category_name(label) == name
