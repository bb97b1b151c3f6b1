"""The core's string helpers build Arrow string buffers without a Python object per string.

``take_strings`` picks strings of a small table by code (the category, entry, lexicon and voice columns of
the match table); the result must equal pandas' own ``take`` on the same table, and bad buffers must be
refused rather than read out of bounds.
"""

from itertools import pairwise

import numpy as np
import pytest

from analysis.measure import core

pytestmark = pytest.mark.skipif(not core.AVAILABLE, reason="analysis._core is not built (see test_environment)")


def _table(values):
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(e) for e in encoded])
    return b"".join(encoded), offsets


def _decode(data, offsets):
    off = np.frombuffer(offsets, dtype=np.int64)
    return [data[a:b].decode("utf-8") for a, b in pairwise(off.tolist())]


@pytest.mark.parametrize("pad", [0, 15, 16])
@pytest.mark.parametrize("values", [
    ["hedging.modal", "sourcing.anonymous", "", "naïve ‘x’", "Ελλάδα", "🚀 launch",
     "people familiar with the matter, speaking on condition of anonymity"],
    ["only"],
])
def test_take_strings_picks_by_code(values, pad):
    """With 16 spare bytes after the table, strings are copied 16 bytes at a time."""
    data, offsets = _table(values)
    data += b"\xff" * pad
    codes = np.random.default_rng(0).integers(0, len(values), 500).astype(np.int32)
    out_data, out_offsets = core._core.take_strings(data, offsets, codes)
    assert _decode(out_data, out_offsets) == [values[c] for c in codes]


def test_take_strings_with_no_codes():
    data, offsets = _table(["a", "b"])
    out_data, out_offsets = core._core.take_strings(data, offsets, np.zeros(0, dtype=np.int32))
    assert out_data == b""
    assert np.frombuffer(out_offsets, dtype=np.int64).tolist() == [0]


@pytest.mark.parametrize("code", [-1, 2, 1 << 30])
def test_take_strings_refuses_a_code_out_of_range(code):
    data, offsets = _table(["a", "b"])
    with pytest.raises(IndexError, match="out of range"):
        core._core.take_strings(data, offsets, np.array([0, code], dtype=np.int32))


@pytest.mark.parametrize("offsets", [
    np.array([0, 1, 5], dtype=np.int64),  # past the end of the data
    np.array([0, 2, 1, 3], dtype=np.int64),  # decreasing
    np.array([1, 3], dtype=np.int64),  # not from 0
    np.array([0, 3], dtype=np.int32),  # not int64
])
def test_take_strings_refuses_bad_offsets(offsets):
    with pytest.raises(ValueError, match="offsets"):
        core._core.take_strings(b"abc", offsets, np.array([0], dtype=np.int32))


@pytest.mark.parametrize("values", [["narration", "quote", "attributed"], ["hedging.modal", "naïve ‘x’", "🚀"]])
def test_string_table_take_equals_pandas_take(values):
    import pandas as pd

    array = pd.Series(values).array
    codes = np.random.default_rng(1).integers(0, len(values), 300).astype(np.int32)
    got, want = core.StringTable(array).take(codes), array.take(codes)
    assert type(got) is type(want)
    assert got.dtype == want.dtype
    assert list(got) == list(want)


def test_string_table_of_a_non_arrow_array_is_pandas_take():
    import pandas as pd

    array = pd.array(["ok", None, "x"], dtype=object)
    got = core.StringTable(array).take(np.array([1, 0, 2], dtype=np.int32))
    want = array.take(np.array([1, 0, 2]))
    assert type(got) is type(want)
    assert list(got) == list(want)
