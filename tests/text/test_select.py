"""select_documents: one selection for score, compare, figures and the notebooks, with what it removed."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.text.select import parse_day, select_documents


@pytest.fixture
def docs():
    return pd.DataFrame({
        "doc_id": list("abcdefg"),
        "outlet": ["Alpha", "Alpha", "Beta", "Gamma", "Gamma", "Delta", "Beta"],
        "lean": ["left", "left", "right", "left", "right", "right", None],
        "date": ["2020-01-05", "2020-02-10", None, "2020-03-31", "2021-01-01", "2019-12-31", "2020-03-01"],
    })


def test_nothing_asked_keeps_everything(docs):
    kept, rec = select_documents(docs)
    assert kept.equals(docs) and not rec.active and rec.removed == {}
    assert rec.summary() == "selection: all 7 documents"


def test_each_step_counts_what_it_removed(docs):
    kept, rec = select_documents(docs, exclude_outlets=["Delta"], since="2020-01", until="2020-03-31")
    # Delta out (1); then c has no date (1); e is after the 31st of March (1)
    assert kept["doc_id"].tolist() == ["a", "b", "d", "g"]
    assert rec.removed == {"exclude_outlets": 1, "no_date": 1, "since": 0, "until": 1}
    assert rec.n_before == 7 and rec.n_after == 4
    prov = rec.provenance()
    assert prov["since"] == "2020-01-01" and prov["until"] == "2020-03-31" and prov["rows_after"] == 4


def test_until_includes_its_whole_day():
    docs = pd.DataFrame({"outlet": ["A", "A"], "date": pd.to_datetime(["2020-03-31 23:59", "2020-04-01 00:00"])})
    kept, _ = select_documents(docs, until="2020-03-31")
    assert len(kept) == 1


def test_pair_and_outlets_on_another_column(docs):
    kept, rec = select_documents(docs, pair=["left", "right"], by="lean")
    assert kept["doc_id"].tolist() == list("abcdef") and rec.removed == {"pair": 1}
    kept, _ = select_documents(docs, outlets="Beta")
    assert kept["doc_id"].tolist() == ["c", "g"]


@pytest.mark.parametrize("kwargs, message", [
    ({"outlets": ["Alpah"]}, "'Alpah' is not a value of column 'outlet'; did you mean 'Alpha'"),
    ({"pair": ["Alpha", "Alpha"]}, "two different groups"),
    ({"pair": ["Alpha"]}, "two different groups"),
    ({"since": "2021-02-01", "until": "2020-01-01"}, "is after until"),
    ({"since": "soon"}, "not a day"),
    ({"outlets": ["Alpha"], "by": "topic"}, "no column 'topic'"),
    ({"since": "2030"}, "keeps none of the 7 documents"),
])
def test_bad_requests_are_refused_with_one_line(docs, kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        select_documents(docs, **kwargs)


def test_parse_day_forms():
    assert parse_day("2020") == pd.Timestamp("2020-01-01")
    assert parse_day("2020-03-07") == pd.Timestamp("2020-03-07")
    assert parse_day(None) is None and parse_day(" ") is None
