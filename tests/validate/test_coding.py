"""The hand-coding loop: sampling, the coded-sheet round trip, malformed sheets, known estimates."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.measure.scoring import score
from analysis.validate.coding import (
    corrected_rates,
    evaluate_coding,
    read_coded,
    sample_for_coding,
    write_coding_sheet,
)
from analysis.validate.metrics import cohen_kappa, wilson_interval

CORPUS = pd.DataFrame({
    "doc_id": ["a1", "a2", "b1"],
    "outlet": ["A", "A", "B"],
    "text": [
        "Attacks may come soon. Officials might act. It rained.",
        "It may rain in May 5 weeks. Nothing else happened. Perhaps not.",
        "Militias may strike. They may not. The sky is blue. Roads are open.",
    ],
})


@pytest.fixture(scope="module")
def scored():
    return score(CORPUS, "hedging", categories=["hedging.modal", "hedging.possibility"])


def test_sample_strata_contexts_and_seed(scored):
    sheet = sample_for_coding(scored.matches, CORPUS, n_per_stratum=1, seed=3, nonmatch_sentences=10)
    m = sheet[sheet["kind"] == "match"]
    # one match per (outlet, category, entry) stratum
    strata = scored.matches.groupby(["outlet", "category", "entry"]).size()
    assert len(m) == len(strata)
    assert set(m["stratum_size"]) == set(strata.tolist())
    for r in m.itertuples():
        text = CORPUS.set_index("doc_id").loc[r.doc_id, "text"]
        assert text[r.start:r.end] == r.match
        assert text[:r.start].rstrip().endswith(r.left)
    # non-matching sentences: exactly those without any match
    n = sheet[sheet["kind"] == "nonmatch"]
    assert sorted(n["match"]) == ["It rained.", "Nothing else happened.", "Roads are open.", "The sky is blue."]
    assert set(n["stratum_size"]) == {4}
    assert list(sheet.columns[:9]) == ["id", "kind", "outlet", "category", "entry", "left", "match", "right", "code"]
    assert sheet["id"].tolist()[:len(m)] == [f"m{i:04d}" for i in range(1, len(m) + 1)]
    again = sample_for_coding(scored.matches, CORPUS, n_per_stratum=1, seed=3, nonmatch_sentences=10)
    pd.testing.assert_frame_equal(sheet, again)
    two = sample_for_coding(scored.matches, CORPUS, n_per_stratum=1, seed=3, coders=2)
    assert {"code_1", "code_2"} <= set(two.columns) and "code" not in two.columns
    with pytest.raises(ValueError, match="stratum column"):
        sample_for_coding(scored.matches, CORPUS, strata=("voice_x",))


def _fill(sheet, codes):
    out = sheet.copy()
    out["code"] = [codes(r) for r in out.itertuples()]
    return out


def test_round_trip_and_malformed_sheets(scored, tmp_path):
    sheet = sample_for_coding(scored.matches, CORPUS, n_per_stratum=5, nonmatch_sentences=4)
    exported = write_coding_sheet(sheet, tmp_path / "sheet.csv")
    coded = _fill(sheet, lambda r: "0" if r.match == "may" and "May 5" in r.right else ("yes" if r.kind == "match" else "n"))
    coded.to_csv(tmp_path / "coded.csv", index=False, sep=";")  # a spreadsheet in a semicolon locale
    back = read_coded(tmp_path / "coded.csv", expected=exported)
    assert back["code"].tolist() == [1 if c in ("yes", "1") else 0 for c in coded["code"]]
    assert back.attrs["code_columns"] == ["code"]

    lines = (tmp_path / "coded.csv").read_text().splitlines()
    # unknown code: file and line named
    bad = lines.copy()
    bad[2] = bad[2].replace(";yes;", ";maybe;", 1)
    (tmp_path / "bad.csv").write_text("\n".join(bad) + "\n")
    with pytest.raises(ValueError, match=r"bad\.csv, line 3: unknown code 'maybe' in column 'code'"):
        read_coded(tmp_path / "bad.csv")
    # an uncoded row
    blank = lines.copy()
    blank[1] = blank[1].replace(";yes;", ";;", 1)
    (tmp_path / "blank.csv").write_text("\n".join(blank) + "\n")
    with pytest.raises(ValueError, match="line 2: no code in column 'code'"):
        read_coded(tmp_path / "blank.csv")
    assert read_coded(tmp_path / "blank.csv", allow_blank=True).attrs["n_blank"] == 1
    # a missing row in the middle is found from the id numbering alone
    (tmp_path / "gap.csv").write_text("\n".join(lines[:2] + lines[3:]) + "\n")
    with pytest.raises(ValueError, match="row.s. missing from the coded sheet: m0002"):
        read_coded(tmp_path / "gap.csv")
    # a missing last row needs the exported sheet
    (tmp_path / "short.csv").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(ValueError, match="1 row.s. of the exported sample are missing: n0004"):
        read_coded(tmp_path / "short.csv", expected=exported)
    # an extra row and a duplicate id
    extra = [*lines, lines[1].replace("m0001", "m0999", 1)]
    (tmp_path / "extra.csv").write_text("\n".join(extra) + "\n")
    with pytest.raises(ValueError, match=f"line {len(extra)}: id 'm0999' is not in the exported sample"):
        read_coded(tmp_path / "extra.csv", expected=exported)
    dup = [*lines, lines[1]]
    (tmp_path / "dup.csv").write_text("\n".join(dup) + "\n")
    with pytest.raises(ValueError, match="appears twice .first on line 2."):
        read_coded(tmp_path / "dup.csv")
    (tmp_path / "nocode.csv").write_text("id,kind,outlet,category,entry,stratum,stratum_size\n")
    with pytest.raises(ValueError, match="no code column"):
        read_coded(tmp_path / "nocode.csv")


def hand_coded(two_coders=False):
    """Stratum A/x: 10 matches, 2 coded (both correct); stratum B/x: 30 matches, 3 coded (1 correct);
    10 of 100 non-matching sentences coded, 2 hold a missed hedge."""
    rows = []
    for i, c in enumerate([1, 1]):
        rows.append(("A", "hedging.modal", "may", "A | hedging.modal | may", 10, c))
    for c in [1, 0, 0]:
        rows.append(("B", "hedging.modal", "may", "B | hedging.modal | may", 30, c))
    df = pd.DataFrame(rows, columns=["outlet", "category", "entry", "stratum", "stratum_size", "code"])
    df["kind"] = "match"
    nm = pd.DataFrame({"outlet": "A", "category": "", "entry": "", "stratum": "nonmatch", "stratum_size": 100,
                       "code": [1, 1] + [0] * 8, "kind": "nonmatch"})
    df = pd.concat([df, nm], ignore_index=True)
    df["id"] = [f"m{i:04d}" for i in range(1, 6)] + [f"n{i:04d}" for i in range(1, 11)]
    df["code"] = df["code"].astype("Int64")
    df.attrs["code_columns"] = ["code"]
    return df


def test_known_precision_recall():
    res = evaluate_coding(hand_coded())
    # weighted: (10 * 2/2 + 30 * 1/3) / 40 = 0.5 (the unweighted share would be 3/5)
    assert res.overall["precision"] == pytest.approx(0.5)
    assert res.overall["matches"] == pytest.approx(40)
    # weights 5, 5, 10, 10, 10: Kish n_eff = 40^2 / 350
    assert res.overall["n_effective"] == pytest.approx(1600 / 350)
    by_outlet = res.by_outlet.set_index("outlet")
    assert by_outlet.loc["A", "precision"] == 1.0 and by_outlet.loc["B", "precision"] == pytest.approx(1 / 3)
    # one stratum = equal weights: the exact Wilson interval of metrics.wilson_interval
    assert (by_outlet.loc["B", "low"], by_outlet.loc["B", "high"]) == pytest.approx(wilson_interval(1, 3))
    assert res.by_category.set_index("category").loc["hedging", "precision"] == pytest.approx(0.5)
    r = res.recall
    # miss rate 2/10 of 100 sentences = 20 missed; 40 * 0.5 = 20 true matches -> recall 0.5
    assert r["miss_rate"] == pytest.approx(0.2) and r["estimated_missed"] == pytest.approx(20)
    assert r["estimated_true_matches"] == pytest.approx(20) and r["recall"] == pytest.approx(0.5)
    assert r["low"] < 0.5 < r["high"]
    summary = pd.DataFrame({"outlet": ["A", "B"], "category": ["hedging.modal"] * 2, "rate_per_1k": [4.0, 6.0]})
    rates = corrected_rates(res, summary).set_index("outlet")
    assert rates.loc["A", "corrected_rate"] == pytest.approx(4.0)
    assert rates.loc["B", "corrected_rate"] == pytest.approx(2.0)


def test_agreement_two_coders():
    # Cohen's kappa worked example (50 items: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no) -> 0.4
    a = [1] * 25 + [0] * 25
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    df = pd.DataFrame({"id": [f"m{i:04d}" for i in range(1, 51)], "kind": "match", "outlet": "A",
                       "category": "hedging.modal", "entry": "may", "stratum": "s", "stratum_size": 50,
                       "code_1": pd.array(a, dtype="Int64"), "code_2": pd.array(b, dtype="Int64")})
    df.attrs["code_columns"] = ["code_1", "code_2"]
    res = evaluate_coding(df)
    ag = res.agreement["all"]
    assert ag["cohen_kappa"] == pytest.approx(0.4) == pytest.approx(cohen_kappa(a, b))
    assert ag["percent_agreement"] == pytest.approx(0.7)
    assert 0.38 < ag["krippendorff_alpha"] < 0.41
    assert res.coder == "code_1" and res.overall["precision"] == 0.5
    assert any("code_1" in n for n in res.notes)
    assert math.isnan(res.recall["recall"])


@pytest.mark.checkout
def test_demo_coded_file_reads():
    """The coded demonstration file shipped in data/coding reads and evaluates cleanly."""
    from analysis import paths

    coded = read_coded(paths.DATA_DIR / "coding" / "sample_hedging_coded.csv")
    res = evaluate_coding(coded)
    assert res.overall["n_coded"] == int((coded["kind"] == "match").sum())
    assert 0 < res.overall["precision"] <= 1 and res.recall["sampled"] > 0


def test_coded_to_gold_gives_training_sentences(scored):
    sheet = sample_for_coding(scored.matches, CORPUS, n_per_stratum=5, nonmatch_sentences=4)
    sheet["code"] = [0 if r.match == "might" else 1 if r.kind == "match" else 0 for r in sheet.itertuples()]
    sheet["code"] = sheet["code"].astype("Int64")
    sheet.attrs["code_columns"] = ["code"]
    from analysis.validate.coding import coded_to_gold

    gold = coded_to_gold(sheet, CORPUS)
    for text, cues in zip(gold["text"], gold["cues"]):
        for s, e, cue, _ in cues:
            assert text[s:e] == cue
    by_text = gold.set_index("text")
    assert by_text.loc["Officials might act.", "label"] == False  # its only match was coded 0
    assert by_text.loc["Militias may strike.", "label"] == True
    assert by_text.loc["It rained.", "label"] == False  # a non-match coded 0
