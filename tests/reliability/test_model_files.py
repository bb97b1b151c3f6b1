"""Model files (issue 16 item 6): out-of-range weights, huge numbers and deep nesting are refused.

Each hostile file gets a one-line ``ValueError`` that starts with the file's path, from
``load_model`` and from ``python -m analysis evaluate --model`` (exit status 2, one ``error:`` line).
A correct checksum does not make a file trusted: the checksum detects corruption, not tampering, so
the weights are range-checked after it (docs/reliability.md, "Model files").
"""
from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

from analysis.validate.learn import MAX_ABS_WEIGHT, _checksum, load_model, train


@pytest.fixture(scope="module")
def model_dict():
    texts = ["the gene may bind.", "the gene binds.", "cells might grow.", "cells grow."] * 6
    gold = pd.DataFrame({"text": texts, "label": [True, False, True, False] * 6,
                         "doc_id": [f"d{i // 4}" for i in range(len(texts))]})
    return train(gold, {"lexicons": [], "min_df": 1, "induced_cues": False}).to_dict()


def _write(path, data, *, fix_checksum=True):
    data = json.loads(json.dumps(data))
    if fix_checksum:
        data["checksum"] = _checksum(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _refused(path, *needles):
    with pytest.raises(ValueError) as info:
        load_model(path)
    msg = str(info.value)
    assert msg.startswith(str(path)), msg
    assert "\n" not in msg, msg
    for needle in needles:
        assert needle in msg, (needle, msg)
    return msg


def test_a_sound_file_loads(model_dict, tmp_path):
    model = load_model(_write(tmp_path / "ok.json", model_dict))
    assert model.predict(["the gene may bind.", "the gene binds."]).tolist() == [True, False]


def test_huge_coefficient_with_a_valid_checksum_is_refused(model_dict, tmp_path):
    # the file of the issue: loads, re-checksummed, and every sentence would be "uncertain"
    data = dict(model_dict, coef=[1e308] * len(model_dict["coef"]))
    _refused(_write(tmp_path / "big.json", data), "coefficient 0", "1e+308", f"{MAX_ABS_WEIGHT:g}")


@pytest.mark.parametrize("field", ["intercept", "threshold"])
def test_huge_intercept_or_threshold_is_refused(model_dict, tmp_path, field):
    data = json.loads(json.dumps(model_dict))
    if field == "intercept":
        data["intercept"] = -5e6
    else:
        data["settings"]["threshold"] = 1e300
    _refused(_write(tmp_path / "x.json", data), field)


def test_a_weight_at_the_bound_still_loads(model_dict, tmp_path):
    data = dict(model_dict, coef=[MAX_ABS_WEIGHT] + model_dict["coef"][1:])
    assert load_model(_write(tmp_path / "edge.json", data)).coef[0] == MAX_ABS_WEIGHT


def test_float_overflow_literal_names_the_file(model_dict, tmp_path):
    p = tmp_path / "inf.json"
    text = json.dumps(model_dict).replace('"intercept": ', '"intercept": 1e400, "x_": ', 1)
    p.write_text(text, encoding="utf-8")
    _refused(p, "1e400", "out of the range")


def test_five_thousand_digit_integer_names_the_file(model_dict, tmp_path):
    p = tmp_path / "digits.json"
    text = json.dumps(model_dict).replace('"n_features": ', '"n_features": ' + "9" * 5000 + ", \"y_\": ", 1)
    p.write_text(text, encoding="utf-8")
    _refused(p, "5000 digits")


def test_deep_nesting_is_refused_before_parsing(tmp_path):
    p = tmp_path / "deep.json"
    p.write_text('{"format": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    limit = sys.getrecursionlimit()
    _refused(p, "100001 levels deep")
    assert sys.getrecursionlimit() == limit


def test_brackets_inside_strings_do_not_count_as_nesting(model_dict, tmp_path):
    data = json.loads(json.dumps(model_dict))
    data["training"]["sources"] = ["[" * 500 + '\\"{' * 200]
    model = load_model(_write(tmp_path / "strings.json", data))
    assert model.training["sources"] == data["training"]["sources"]


def test_feature_count_out_of_range(model_dict, tmp_path):
    data = dict(model_dict, n_features=-1)
    _refused(_write(tmp_path / "neg.json", data), "n_features -1")


def test_checksum_still_catches_an_edit(model_dict, tmp_path):
    data = json.loads(json.dumps(model_dict))
    data["coef"][0] += 0.25
    _refused(_write(tmp_path / "edit.json", data, fix_checksum=False), "checksum mismatch")


@pytest.mark.parametrize("kind", ["big", "inf", "digits", "deep"])
def test_cli_prints_one_line_naming_the_file(model_dict, tmp_path, h, kind):
    gold = tmp_path / "gold.csv"
    gold.write_text("sentence,label\nIt may rain.,1\nIt rains.,0\n", encoding="utf-8")
    p = tmp_path / f"{kind}.json"
    if kind == "big":
        _write(p, dict(model_dict, coef=[1e308] * len(model_dict["coef"])))
    elif kind == "inf":
        p.write_text(json.dumps(model_dict).replace('"intercept": ', '"intercept": 1e400, "x_": ', 1))
    elif kind == "digits":
        p.write_text(json.dumps(model_dict).replace('"n_features": ', '"n_features": ' + "1" * 5000 + ', "y_": ', 1))
    else:
        p.write_text("[" * 100_000 + "]" * 100_000)
    code, _out, err = h.run_cli(["evaluate", gold, "--format", "csv", "--model", p])
    h.assert_one_line_error(code, err, str(p))
