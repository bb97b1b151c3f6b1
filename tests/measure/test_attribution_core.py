"""The compiled attribution extractor (analysis/_core_src/attribution.h) and the Python definition
(:func:`analysis.measure.attribution.extract_python`) give identical records and identical tables.

Compared: every field of every record of :func:`extract` (offsets, sentence and paragraph indexes, the
cue probability to the last bit, the source type) and every cell of :func:`attributions_frame`, on the
bundled sample, on real-shaped messy corpora (HTML entities, every kind of quote, empty and missing
texts), on PolNeAR train and dev when ../shared is present, and on adversarial texts (very long
sentences, a 100,000-token sentence, punctuation only, characters that lower-case to two, astral
characters, NUL, lone surrogates).
"""
import math
import random
import sys

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.measure import attribution as A
from analysis.measure import core

pytestmark = pytest.mark.skipif(not core.AVAILABLE, reason="analysis._core is not built (see test_environment)")


def _same_records(texts, model=None, threshold=None):
    n = 0
    for t in texts:
        py = A.extract_python(t, model, threshold=threshold)
        c = A.extract(t, model, threshold=threshold, engine="c")
        assert c == py, t[:200] if isinstance(t, str) else t
        n += len(py)
    return n


def _same_frames(corpus, model=None):
    c = A.attributions_frame(corpus, model, engine="c")
    py = A.attributions_frame(corpus, model, engine="python")
    pd.testing.assert_frame_equal(c, py, check_exact=True)
    assert c.to_csv(index=False) == py.to_csv(index=False)
    return len(c)


def test_engine_switch(monkeypatch):
    assert A.engine_of() == ("c", None)
    assert A.engine_of(engine="python")[0] == "python"
    monkeypatch.setenv("MFA_ENGINE", "python")
    engine, reason = A.engine_of()
    assert engine == "python" and "MFA_ENGINE" in reason
    assert A.engine_of(engine="c") == ("c", None)
    with pytest.raises(ValueError, match="engine must be"):
        A.engine_of(engine="fast")


def test_a_model_with_a_weight_that_is_not_a_float_runs_on_python():
    m = A.default_model()
    odd = A.AttributionModel(m.vocabulary, {**m.weights, "w=said": 2}, m.bias, m.threshold, m.training)
    engine, reason = A.engine_of(odd)
    assert engine == "python" and "float" in reason
    with pytest.raises(ValueError, match="engine='c' is not possible"):
        A.extract("He said so.", odd, engine="c")
    assert A.extract("Officials said it was over.", odd) == A.extract_python("Officials said it was over.", odd)


def test_lower_case_keeps_every_character_class():
    """The core tokenizes the lower-cased text once and uses the spans for the text too: true because
    lower-casing (one character to one) never changes \\w, \\d, letter or \\s."""
    import re

    classes = [re.compile(p) for p in (r"\w", r"\d", r"\s", r"[^\W\d_]")]
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        low = c.lower()
        if len(low) != 1 or low == c:
            continue
        for rx in classes:
            assert bool(rx.match(c)) == bool(rx.match(low)), (hex(cp), rx.pattern)


def test_sample_corpus():
    corpus = pd.read_csv(paths.SAMPLE_CORPUS)
    assert _same_records(corpus["text"].tolist()) > 0
    assert _same_frames(corpus) > 0


@pytest.mark.parametrize("seed", [3, 11])
def test_realshaped_corpora(tmp_path, seed):
    from realshaped import write_corpus

    from analysis.text.corpus import load_corpus

    facts = write_corpus(tmp_path / "c.csv", n_outlets=25, seed=seed)
    corpus, _ = load_corpus(facts["path"])
    texts = corpus["text"].tolist()
    assert _same_records(texts) > 0
    # missing and empty texts are skipped by both
    extra = pd.DataFrame({"doc_id": ["nan", "empty", "num"], "outlet": ["x", "x", "y"], "text": [np.nan, "", 5]})
    both = pd.concat([corpus[["doc_id", "outlet", "text"]], extra], ignore_index=True)
    assert _same_frames(both) > 0


def test_no_attribution_gives_the_same_empty_table():
    corpus = pd.DataFrame({"doc_id": ["a", "b"], "text": ["Nothing here.", None]})
    assert _same_frames(corpus) == 0


def test_integer_doc_ids_keep_their_type():
    corpus = pd.DataFrame({"doc_id": [7, 8], "text": ["Officials said it was over.", "He told CNN it was."]})
    assert _same_frames(corpus) == 2


def test_thresholds():
    corpus = pd.read_csv(paths.SAMPLE_CORPUS)
    texts = corpus["text"].tolist()[:40]
    for threshold in (0.0, 0.05, 0.5, 0.95, 1.0):
        _same_records(texts, threshold=threshold)


ADVERSARIAL = [
    "",
    " ",
    "...!!!???,,,;;;",
    "\u201c\u201d\u201e\u00ab\u00bb\"\"``''",
    "\u0130stanbul officials said the \u0130MF was late. \u0130 SAID SO.",  # lower-cases to two characters
    "\u03a3\u039f\u03a6\u0399\u0391 said \u039f\u0394\u039f\u03a3 was closed.",  # final sigma
    "The \U0001d400\U0001d401 group said \U0001f600 it was \U00020000 fine.",  # astral characters
    "He said\x00 it was\x00fine. \x00Officials said.",
    "Officials said \ud800 it was fine, \udfff he said.",  # lone surrogates
    "U.S. officials said the F.B.I. told Mr. Smith that J. R. Jones had said so.",
    "\u201cIt is over,\u201d said Gen. Mark Smith. \u201cNo,\u201d she said. \u00abNon\u00bb, a dit le ministre.",
    "according to according to according to said said said told told told",
    "He said that that that that that.",
    "\u00bd said \u00b2 told \u2167 warned \u0660\u0661 said \u01c5 said \u1f88 told",  # digits, titlecase
    "O\u2019Brien\u2019s aide said it\u2019s done; co-chair Smith-Jones didn\u2019t say.",
    "SAID TOLD WARNED ASKED CLAIMED",
    "Officials told reporters, lawmakers and the public that the plan, which critics said was late, would pass.",
    "\r\n\r\nOfficials said.\r\n\r\n\r\nHe said it was fine.\n\n\nShe said: \u201cno.\u201d",
]


def test_adversarial_texts():
    _same_records(ADVERSARIAL)
    texts = [t for t in ADVERSARIAL if "\ud800" not in t]  # pandas refuses lone surrogates in a str column
    corpus = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})
    _same_frames(corpus)


def test_long_sentences():
    rng = random.Random(5)
    words = ["officials", "said", "he", "told", "the", "Pentagon", ",", "\u201c", "\u201d", "that", "also", "has",
             "according", "to", "warned", "Gen.", "Smith", "quickly", "and", "\u2014", "U.S.", "may", "reportedly"]
    long = " ".join(rng.choice(words) for _ in range(5000))
    huge = " ".join(rng.choice(words[:6] + ["x"] * 10) for _ in range(100_000))  # one 100,000-token sentence
    assert _same_records([long, huge]) > 0


def test_random_texts():
    """Arbitrary strings built from the characters the rules look at, and from any code point."""
    rng = random.Random(17)
    pieces = ["said", "told", "according to", "Officials", "he", "she", "They", "the", "a", "that", "also",
              "Gen.", "Mr.", "J.", "U.S.", ",", ".", ";", ":", "\u201c", "\u201d", "\"", "'", "`", "\u00ab", "\u00bb",
              "\u2014", "\u2013", "-", "(", ")", "!", "?", "\n\n", "\n", " ", "  ", "\u2019", "\u0130", "\u03a3",
              "CNN", "reporters", "him", "warned", "asked", "has", "said in a statement", "called for", "Smith"]
    texts = [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 60))) for _ in range(400)]
    texts += ["".join(chr(rng.randint(1, 0x2FFFF)) if rng.random() < 0.3 else rng.choice(pieces)
                      for _ in range(rng.randint(1, 40))) for _ in range(200)]
    texts = [t.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass") for t in texts]
    assert _same_records(texts) > 0


def test_british_quotation_marks():
    """Texts whose single curly marks quote (more ‘ than “): both engines read them as double marks, in
    the same way, around every rule (quotes at a piece's edges, apostrophes, nested double marks)."""
    rng = random.Random(23)
    pieces = ["said", "told", "according to", "Officials", "he", "the minister", "that", "‘", "’", "‘",
              "’", ",", ".", "?", "!", ";", ":", "“", "”", "Clinton’s", "don’t", "officials’",
              "We will not back down", "may", "said Dr Jane Smith", "\n\n", " "]
    texts = [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 80))) for _ in range(400)]
    texts.append(" ".join(rng.choice(pieces[:-2]) for _ in range(3000)))  # one sentence read in pieces
    assert sum(A.single_quotes_quote(t) for t in texts) > 100
    assert _same_records(texts) > 0


@pytest.mark.parametrize("split", ["dev", "train"])
def test_polnear(shared_dir, split):
    from analysis.text.polnear import load_polnear_articles

    arts = load_polnear_articles(shared_dir / "data" / "polnear", split, parse_dates=False)
    assert _same_records(arts["text"].tolist()) > 1000
    if split == "dev":  # the table of train is the same code on more rows
        assert _same_frames(arts[["doc_id", "outlet", "text"]]) > 1000


def test_score_is_summed_as_python_sums():
    """Weights of very different sizes: the running Python's sum() (compensated from 3.12) and a
    left-to-right sum differ for most of these; the core must give Python's sum to the last bit."""
    feats = A.cue_features(["He", "said", "it", "."], ["he", "said", "it", "."], 1, False, False)
    rng = random.Random(3)
    sizes = [30.0, -30.0, 1e-12, -1e-16, 0.1, 3.3333, -7.77, 1e-9, 2.0 ** -40]
    for _ in range(300):
        ws = {f: rng.choice(sizes) * rng.random() for f in feats if rng.random() < 0.9}
        model = A.AttributionModel(["said"], ws, rng.uniform(-3, 3), 0.0, {})
        [rec] = A.extract("He said it.", model, engine="c")
        assert rec == A.extract_python("He said it.", model)[0]
        assert rec[8] == 1 / (1 + math.exp(-(model.bias + sum(ws.get(f, 0.0) for f in feats))))


def test_provenance_hash_is_the_model_hash(tmp_path):
    m = A.default_model()
    assert A.attribution_provenance(None, m)["model_sha256"] == m.sha256
    assert A.load_attribution_model(A.DEFAULT_MODEL_PATH).__dict__.get("_loaded") is not None  # the fast way
    odd = A.AttributionModel(m.vocabulary[::-1], dict(m.weights), m.bias, m.threshold, m.training)
    odd.save(tmp_path / "m.json")
    for model in (odd, A.load_attribution_model(tmp_path / "m.json")):
        assert A.attribution_provenance(None, model)["model_sha256"] == odd.sha256


def test_weights_read_once_per_model_name_every_feature():
    """The core reads each feature's weight from tables made when the model is compiled (per word,
    per neighbour, per pair, per shape and flag): a model with a weight for every feature name of
    every candidate, a cue word that is "|" (so "w_p1=|||" splits two ways) and neighbours the model
    never names, gives the records and scores of the Python definition."""
    texts = ["He said | it was | over.", "| said ||| told \u201cno\u201d, said Gen. Smith; \u2014 said (he)",
             "Officials said: \u201cIt is 9 AM.\u201d THEY TOLD US so. She told.", "said", "| |", "told told said"]
    rng = random.Random(8)
    weights = {}
    for t in texts:
        for sa, sb, _ in A.split_sentences(t):
            words = A.TOKEN_RE.findall(t, sa, sb)
            lows = [w.lower() for w in words]
            for i, lw in enumerate(lows):
                if lw in ("said", "told", "|"):
                    for inq in (False, True):
                        for hasq in (False, True):
                            for f in A.cue_features(words, lows, i, inq, hasq):
                                if rng.random() < 0.8:
                                    weights[f] = rng.uniform(-2, 2)
    weights["w_p1=|||"] = 1.5  # "|" after "|", and ("||" after "|" if "||" were a word)
    model = A.AttributionModel(["said", "told", "|"], weights, -0.3, 0.4, {})
    assert _same_records(texts, model) > 3
    for threshold in (0.0, 0.9):
        _same_records(texts, model, threshold=threshold)


def _same_files(tmp_path, table):
    """write_attributions (the core's CSV rows) writes write_table's bytes, with and without escaping;
    returns whether the core wrote them (False: it fell back to write_table)."""
    from analysis.outputs import write_table

    for esc in (True, False):
        write_table(table, tmp_path / "a.csv", csv_escape=esc)
        A.write_attributions(table, tmp_path / "b.csv", csv_escape=esc)
        assert (tmp_path / "b.csv").read_bytes() == (tmp_path / "a.csv").read_bytes(), esc
    return A.attributions_csv_bytes(table) is not None


def test_attributions_csv_is_write_tables_file(tmp_path):
    from analysis.measure.scoring import score

    corpus = pd.read_csv(paths.SAMPLE_CORPUS)
    table = A.with_match_counts(A.attributions_frame(corpus), score(corpus).matches)
    assert _same_files(tmp_path, table)  # the core writes it (text in Arrow or in str objects alike)
    assert _same_files(tmp_path, table.iloc[:0])
    assert _same_files(tmp_path, table.iloc[5:40])  # a slice: Arrow arrays with an offset
    blocks = A.CSV_BLOCK_ROWS
    try:  # the rows written in blocks (the last one short, one block exactly full): the same bytes
        for A.CSV_BLOCK_ROWS in (7, 35, 1):
            assert _same_files(tmp_path, table.iloc[5:40])
    finally:
        A.CSV_BLOCK_ROWS = blocks
    # cells a spreadsheet would run, cells that need quotes, both, and every kind of column it writes
    rng = random.Random(4)
    bits = ["=1+2", "+x", "-3", "@a", "\tt", "\rr", "'=x", "''+", "'", "a,b", 'say "no"', "l1\nl2", "cr\rlf",
            "=a,b", "", " ", "\u201cquoted\u201d", "\u00e9t\u00e9", "\U0001f600", "plain", "-", "==", "'''"]
    n = 300
    odd = pd.DataFrame({
        "doc_id": [rng.choice(bits) + str(i) for i in range(n)], "text": [rng.choice(bits) for _ in range(n)],
        "more": [rng.choice(bits) + rng.choice(bits) for _ in range(n)],
        "count": np.array([rng.choice([0, -1, 7, 2**63 - 1, -2**63]) for _ in range(n)], dtype=np.int64),
        "score": np.array([rng.choice([0.5, -0.0, 0.0, float("nan"), 1e-7, 1e16, 0.1 + 0.2, -2.5, float("inf")])
                           for _ in range(n)]),
        "flag": [rng.random() < 0.5 for _ in range(n)]})
    assert _same_files(tmp_path, odd)
    with_missing = odd.assign(text=[None if i % 7 == 0 else v for i, v in enumerate(odd["text"])])
    # missing text: written empty, as write_table writes it (analysis.csvwrite.core_columns)
    assert _same_files(tmp_path, with_missing)
    assert not _same_files(tmp_path, odd.assign(text=[1, "x"] * (n // 2)))  # numbers among the text: write_table


def test_lower_case_made_by_the_core():
    """The core lower-cases one- and two-byte texts itself (a table learnt from str.lower()) and leaves
    the others to _lower (four-byte texts, a capital sigma, whose lower case depends on its place): the
    records are those of the definition, in one call over texts of every kind and growing lengths."""
    texts = ["\u00c0 LA GARE, M. \u00d6ZT\u00dcRK SAID \u00de\u00c9 was fine. " * k for k in (1, 40)]
    texts += ["\u201cIT IS\u201d, SAID THE \u0130MAM. Officials TOLD \u0130STANBUL. " * k for k in (2, 80, 3)]
    texts += ["\u039f\u0394\u039f\u03a3 SAID \u03a3\u039f\u03a6\u0399\u0391 was closed.", "\U0001d400 OFFICIALS SAID \u00c9T\u00c9.",
              "\u1e9e STRASSE SAID \u2c6f and \u0401\u0416 told \u10a0 it."]
    corpus = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})
    assert _same_frames(corpus) > 50
    assert _same_records(texts) > 50


def test_model_json_written_fast_is_json_dumps():
    """The text hashed for provenance (_json_indent0) is json.dumps(..., indent=0) for models' dicts:
    empty, flat and nested values, escapes, signed zero, tiny and huge floats, ints among floats."""
    import json

    def ref(x):
        return json.dumps(x, ensure_ascii=False, sort_keys=True, allow_nan=False, indent=0)

    data = json.loads(A.DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    assert A._json_indent0(data) + "\n" == A.DEFAULT_MODEL_PATH.read_text(encoding="utf-8") == A.default_model().to_json()
    odd = {"a": [], "b": {}, "c": ["x"], "d": {"k": 1.0}, "e": {"k": 1, "j": 2.0}, "f": [1, "a"],
           "g": {"n": {"m": [1.5, {"z": None}]}}, "h": ["\u00e9\"\\\n", "\U0001f600", "{[,]}"],
           "i": {"\u00e9,\n": -0.0, "b": 1e-300, "a": 5e20, "{": 0.1}, "j": True, "k": None, "l": 3}
    assert A._json_indent0(odd) == ref(odd)
    assert A._json_indent0({}) == ref({})


def _core_source_type():
    return A._core_model(A.default_model(), "c")[0].source_type


def test_source_type_in_the_core_is_the_python_definition():
    """The core types a source written in ASCII, U+2019 and U+00A0 itself (st_ascii, the rules of
    source_type with its word sets) and leaves any other to the Python function: both give the same
    type for every such source, among them the rule examples, mixed case, pronouns, outlets,
    documents, marker phrases across spaces, no-break spaces and line breaks, initials, clitics
    (with ' and ’, inside words, at their ends, doubled, alone), punctuation only, control characters
    and random ASCII; a source with another character beyond ASCII is None (typed by Python)."""
    typed = _core_source_type()
    examples = ["one official", "anonymous US officials", "Gen. Smith", "the Pentagon", "he", "He", "HE", "CNN",
                "the new york times", "The New York Times", "THE HILL", "a Pentagon statement", "the report says",
                "a new poll shows", "some experts", "Several officials", "several Officials", "many", "critics",
                "people familiar with the matter", "People Familiar\nWith the matter", "an official not authorized",
                "officials who spoke on condition", "who asked not to be named", "Pentagon spokesman John Kirby",
                "FBI", "the F.B.I.", "U.S. officials", "the White House", "Democrats", "GOP leaders", "NATO",
                "Mr. O'Brien", "co-chair Smith-Jones", "x-ray", "", " ", "...", ",;:", "\"", "'", "\t\n", "\x00",
                "\x1c\x1d officials", "the", "The Associated Press", "the the cnn", "  CNN  .", "CNN's", "them",
                "someone", "Someone", "IBM", "Ibm", "A", "I", "i", "we", "We the people", "department", "a firm",
                "A Firm", "some Firm", "state officials", "State", "abc's", "_", "__init__", "1990", "2 officials",
                "Smith", "John Smith", "JOHN SMITH", "John SMITH", "the court", "The Court", "the Supreme Court",
                "Officials\u2019 aide", "he\u00a0", "Clinton\u2019s team", "O\u2019Malley", "CNN\u2019S", "\u2019s",
                "\u2019", "a\u2019\u2019b", "people\u00a0familiar with", "familiar\u00a0\u00a0with x",
                "Hillary Clinton\u2019s spokesman Brian Fallon", "MSNBC\u2019s Rachel Maddow", "\u00a0",
                "the\u00a0Pentagon", "Kasich\u2019s chief strategist John Weaver", "don\u2019t-know", "x\u2019-y",
                "Iran", "IRAN", "the United States", "The United States", "the U.S.", "U.S.", "North Korea", "the  Iran",
                "Iran\u2019s", "Iranian officials", "china,", "the european union", "Russia  .", "the the iran",
                "a spokesman for the ministry", "an official with the State Department", "critics of the plan",
                "the results of the poll", "Chief of Staff John Kelly", "the director of the FBI, Christopher Wray",
                "of", "spokesman for", "for the ministry", "officials of", "Trump", "the Clinton campaign",
                "Smith, the commander of the base", "Smith, a spokesman", "officials, the sources", "Smith,",
                ",the", "a,the b", "In Washington, officials", "Gen. Smith, one of the commanders, the",
                "a statement from the ministry", "a report by the UN", "experts on Iran", "a report on"]
    rng = random.Random(23)
    words = ["official", "Officials", "said", "he", "He", "CNN", "cnn", "the", "The", "New", "York", "Times", "U.S.",
             "a", "an", "sources", "familiar", "with", "FAMILIAR WITH", "anonymous", "Gen.", "Smith", "report", "says",
             "shows", "some", "Several", "experts", "Pentagon", "department", "GOP", "I.B.M.", "don't", "x-ray",
             "o'neil", ",", ".", ";", ":", "\"", "'", "  ", "\n", "\t", "\x1c", "\x00", "_", "1990", "A.B", "Mr",
             "not authorised", "NOT AUTHORIZED", "who spoke", "many", "briefed\non", "with  knowledge", "it", "who",
             "\u2019", "\u2019s", "Trump\u2019s", "O\u2019", "\u00a0", "with\u00a0knowledge", "CNN\u2019s",
             "for", "of", "at", "in", "from", "spokesman", "critics", "leader", "Trump", "Clinton", "campaign",
             "John", "Kelly", "Chief", "poll", "members", "by", "on", "statement", "UN"]
    sources = examples + ["".join(rng.choice(words) + rng.choice(["", " ", "  ", ".", "-", "\n"])
                                  for _ in range(rng.randint(0, 9))) for _ in range(6000)]
    sources += ["".join(chr(rng.randint(0, 127)) for _ in range(rng.randint(0, 24))) for _ in range(3000)]
    sources += [" ".join(rng.choice(words) for _ in range(80))]  # more tokens than the core's first buffer
    for s in sources:
        assert typed(s) == A.source_type(s), repr(s)
    kinds = {A.source_type(s) for s in sources}
    assert kinds == set(A.SOURCE_TYPES)
    for s in ["caf\u00e9 officials", "\u00c9lys\u00e9e", "Officials\u2018 aide", "\u201cCNN\u201d", "he\u2009",
              "\u0130MF officials", "\U0001f600", "Clinton\u2019s caf\u00e9", "\u00c2", "\u2018s"]:
        assert typed(s) is None and A.source_type(s)  # left to the definition


def test_sources_not_in_ascii_are_typed_by_python():
    """In an extraction the core calls source_type for the sources it does not type itself (and for
    no other): a corpus whose sources are ASCII makes no call; one with accented names makes one per
    distinct such source, and the records equal the definition's."""
    calls = []
    definition = A.source_type

    def counting(source):
        calls.append(source)
        return definition(source)

    m = A.default_model()
    core_model = A._core_model(m, "c")
    core_model[1].attributions(core_model[0], ["Officials said it was over. Gen. Smith told CNN so."], A._lower,
                               A._cut(m, None), counting)
    assert calls == []
    texts = ["Jos\u00e9 Garc\u00eda said it was over. Jos\u00e9 Garc\u00eda told CNN so. Officials said no."]
    core_model[1].attributions(core_model[0], texts, A._lower, A._cut(m, None), counting)
    assert calls == ["Jos\u00e9 Garc\u00eda"]
    assert _same_records(texts) == 3


def test_rounded_score_is_pythons_round_near_ties():
    """cue_score is round(probability, 4): the core divides the nearest integer to p * 10^4 unless p is
    within 1e-6 of a tie, where it rounds as Python does; probabilities at, just below and just above
    ties, and far from them, give the cells of the definition."""
    texts = ["He said it."]
    corpus = pd.DataFrame({"doc_id": ["d"], "text": texts})
    seen = 0
    for target in [0.00005, 0.12345, 0.5, 0.99995, 0.31415, 0.27185, 0.6, 0.0001, 0.99994999]:
        for d in (0.0, 1e-12, -1e-12, 3e-7, -3e-7, 2e-6, -2e-6):
            p = min(max(target + d, 1e-9), 1 - 1e-9)
            model = A.AttributionModel(["said"], {}, math.log(p / (1 - p)), 0.0, {})
            c = A.attributions_frame(corpus, model, engine="c")
            py = A.attributions_frame(corpus, model, engine="python")
            assert c["cue_score"].tolist() == py["cue_score"].tolist(), (target, d)
            seen += len(c)
    assert seen == 63


def test_checksum_from_the_indent0_text_is_the_checksum(tmp_path):
    """The checksum made from the file's indent=0 text (floats formatted once) is _checksum's; files
    whose text is not what save() writes (a bias that is not a float, a changed weight, an odd training
    dict) get the slow checksum or the mismatch error, as before."""
    import json

    data = json.loads(A.DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    checksum, text = A._checksum_and_text(data)
    assert checksum == A._checksum(data) == data["checksum"] and text + "\n" == A.default_model().to_json()
    m = A.default_model()
    odd = A.AttributionModel(["said", "x\u00e9"], {"w=said": 1.5, "p1=a, b\n": -0.0, "n1=\"q\"": 1e-300}, 0.25, 0.5,
                             {"note": "a, b: [c]\n{d}", "nested": {"k": [1, 2.0, {}], "e": []}, "checksum": "x"})
    for model in (m, odd):
        d = json.loads(model.to_json())
        assert A._checksum_and_text(d) == (A._checksum(d), model.to_json()[:-1])
    d = json.loads(odd.to_json())
    d["bias"] = 1  # an int: not what save() writes
    assert A._checksum_and_text(d) == (A._checksum(d), None)
    bad = json.loads(odd.to_json())
    bad["weights"]["w=said"] = 1.25
    assert A._checksum_and_text(bad)[0] != bad["checksum"]
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ValueError, match="checksum mismatch"):
        A.load_attribution_model(tmp_path / "bad.json")
    odd.save(tmp_path / "odd.json")
    loaded = A.load_attribution_model(tmp_path / "odd.json")
    assert A.attribution_provenance(None, loaded)["model_sha256"] == odd.sha256


def test_checksum_from_the_file_bytes_is_the_checksum(tmp_path):
    """With the file's bytes, the checksum is made from their text (no float formatted) when that
    gives the file's checksum: the same checksum, text and provenance hash as from the decoded data,
    for the bundled model and an odd one; a file written differently (other indentation, a float
    spelled otherwise, a changed weight) is checked from its data as before: loaded when its contents
    match their checksum, refused when not."""
    import json

    for model in (A.default_model(), A.AttributionModel(["said", "x\u00e9"], {"w=said": 1.5, "n1=\"q\"": 1e-300},
                                                       0.25, 0.5, {"note": "a, b: [c]\n{d}", "n": {"k": [1, {}]}})):
        raw = model.to_json().encode("utf-8")
        d = json.loads(raw)
        assert A._checksum_and_text(d, raw) == A._checksum_and_text(d) == (d["checksum"], model.to_json()[:-1])
    model = A.default_model()
    d = json.loads(model.to_json())
    spaced = json.dumps(d, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"
    assert A._checksum_and_text(d, spaced) == A._checksum_and_text(d)
    spelled = model.to_json().replace(f'"bias": {model.bias!r}', f'"bias": {model.bias!r}0').encode("utf-8")
    assert spelled != model.to_json().encode("utf-8")
    assert A._checksum_and_text(json.loads(spelled), spelled) == A._checksum_and_text(d)
    (tmp_path / "spaced.json").write_bytes(spaced)
    assert A.attribution_provenance(None, A.load_attribution_model(tmp_path / "spaced.json"))["model_sha256"] == (
        model.sha256)
    changed = model.to_json().replace('"w=said": ', '"w=said": 1', 1).encode("utf-8")
    (tmp_path / "changed.json").write_bytes(changed)
    with pytest.raises(ValueError, match="checksum mismatch"):
        A.load_attribution_model(tmp_path / "changed.json")


def test_arrow_texts_give_the_table_of_the_list_of_str():
    """attributions_frame hands the core a text column kept as Arrow as its chunks' buffers (each text made
    a str only while it is worked on): the table is that of the same texts as a list of str, with several
    chunks, sliced chunks (an offset into their buffers), missing and empty texts and non-ASCII text."""
    pa = pytest.importorskip("pyarrow")
    texts = ["Officials said it may rain.", None, "", "\u201cIt is over,\u201d Gen. Smith told CNN.",
             "Caf\u00e9 owners said prices could rise, according to a report.", "He warned \U0001F600 that.",
             "No cue here at all.", "One official told CNN the attack was possible."] * 3
    whole = pa.array(texts, pa.large_string())
    chunked = pa.chunked_array([whole.slice(0, 5), whole.slice(5, 9), whole.slice(14, 0), whole.slice(14)])
    ids = [f"d{i}" for i in range(len(texts))]
    arrow = pd.DataFrame({"doc_id": ids, "text": pd.Series(pd.arrays.ArrowStringArray(chunked))})
    assert core.is_arrow_text(arrow["text"].array)
    kind, chunks = A._core_texts(arrow["text"])
    assert kind == "arrow" and len(chunks) == 4 and chunks[1][1] == 5  # the slice offset is passed on
    plain = pd.DataFrame({"doc_id": ids, "text": pd.Series(texts, dtype=object)})
    assert isinstance(A._core_texts(plain["text"]), list)
    got = A.attributions_frame(arrow, engine="c")
    want = A.attributions_frame(plain, engine="python")
    assert len(got) >= 9
    pd.testing.assert_frame_equal(got.astype(object), want.astype(object), check_exact=True)


def test_arrow_texts_with_offsets_out_of_range_are_refused():
    m = A.default_model()
    scanner = A._core_model(m, "c")
    offsets = np.array([0, 5, 99], dtype=np.int64).tobytes()
    bad = ("arrow", [(2, 0, None, offsets, b"hello world")])
    with pytest.raises(ValueError, match="out of range"):
        scanner[1].attributions(scanner[0], bad, A._lower, A._cut(m, None), A.source_type)
    short = ("arrow", [(5, 0, None, offsets, b"hello world")])
    with pytest.raises(ValueError, match="too short"):
        scanner[1].attributions(scanner[0], short, A._lower, A._cut(m, None), A.source_type)
    with pytest.raises(ValueError, match="function"):
        scanner[1].attributions(scanner[0], ("arrow", []), [], A._cut(m, None), A.source_type)


def test_sentences_longer_than_the_limit_are_read_in_the_same_pieces():
    """A sentence over MAX_SENTENCE_TOKENS tokens is cut at the same tokens by both engines: near the
    limit, with and without a comma in the piece's second half, with non-Latin-1 words (2- and 4-byte
    text) and abbreviations at the cut."""
    limit = A.MAX_SENTENCE_TOKENS
    rng = random.Random(23)
    words = ["officials", "said", "Smith", "told", "the", "\u201cit", "may\u201d", "according", "to", "U.S.",
             "\u00e9t\u00e9", "\u4e2d\u6587", "\U0001d400x", "that", "warned"]
    texts = []
    for n in (limit - 1, limit, limit + 1, 2 * limit, 2 * limit + 1, 5 * limit + 3):
        for comma_every in (0, 3, limit // 2, limit // 2 + 1, limit - 1):
            toks = [rng.choice(words) for _ in range(n)]
            if comma_every:
                toks = [t + ("," if (k + 1) % comma_every == 0 else "") for k, t in enumerate(toks)]
            texts.append(" ".join(toks))
    assert _same_records(texts) > 0
