"""Reading a trained model file safely: one function for every loader (sentence classifiers, the
attribution cue model).

:func:`read_model_json` refuses what is not a model file before any model code sees it: a missing
path, a file over the loader's size cap, a pickle, JSON nested more than :data:`MAX_JSON_DEPTH` deep,
non-finite or out-of-range floats and integer literals longer than :data:`MAX_INT_DIGITS` digits. Each
refusal is one ``ValueError`` (``FileNotFoundError`` for a missing file) starting with the file name.
The loaders then check their own schema, ranges and checksum.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

#: Deepest nesting of JSON arrays and objects in a model file (a real one has depth 4).
MAX_JSON_DEPTH = 32
#: Longest integer literal (in digits) accepted in a model file.
MAX_INT_DIGITS = 20


class _ModelFileError(ValueError):
    """Raised while decoding a model file; the loader prefixes the file name."""


def _refuse_constant(name):
    raise _ModelFileError(f"non-finite number {name} in model file")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _ModelFileError(f"number {text[:30]} is out of the range of a float")
    return value


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _ModelFileError(f"integer literal with {digits} digits (at most {MAX_INT_DIGITS} allowed)")
    return int(text)


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def json_depth(raw: bytes) -> tuple[int, int]:
    """Deepest nesting of ``[``/``{`` outside strings, and the byte offset where it is first reached.

    >>> json_depth(b'{"a": [[1], "[[["]}')
    (3, 6)
    """
    blanked = _JSON_STRING.sub(b'""', raw)  # a literal replacement: no Python call per string
    arr = np.frombuffer(blanked, dtype=np.uint8)
    if not arr.size:
        return 0, 0
    step = (np.isin(arr, (0x5B, 0x7B)).astype(np.int64)
            - np.isin(arr, (0x5D, 0x7D)).astype(np.int64))
    depth = np.cumsum(step)
    at = int(np.argmax(depth))
    return int(depth[at]), at


def decode_model_json(raw: bytes, where: str, kind: str = "model"):
    """Parse model JSON with bounded depth, finite floats and short integers; errors name ``where``."""
    depth, at = json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"{where}: JSON nested {depth} levels deep near byte {at} (a model file has at "
                         f"most {MAX_JSON_DEPTH}): not a {kind} file")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant,
                          parse_float=_parse_float, parse_int=_parse_int)
    except _ModelFileError as exc:
        raise ValueError(f"{where}: {exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{where}: not a JSON {kind} file ({exc})") from None
    except (ValueError, RecursionError) as exc:  # defensive: anything json itself refuses
        raise ValueError(f"{where}: not a JSON {kind} file ({type(exc).__name__}: {exc})") from None


def read_model_json(path, *, max_bytes: int, kind: str = "model"):
    """The decoded JSON of the model file ``path`` (at most ``max_bytes``; never a pickle).

    ``kind`` names the file in messages ("model", "attribution model").
    """
    return read_model_json_and_bytes(path, max_bytes=max_bytes, kind=kind)[0]


def read_model_json_and_bytes(path, *, max_bytes: int, kind: str = "model"):
    """``(decoded JSON, the file's bytes)`` of the model file ``path``, checked as :func:`read_model_json`
    checks it (a loader may use the bytes, for example to hash the file as it is)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such {kind} file")
    if path.stat().st_size > max_bytes:
        raise ValueError(f"{path}: larger than {max_bytes // 2**20} MB: not a {kind} file")
    raw = path.read_bytes()
    if raw[:1] == b"\x80":
        raise ValueError(f"{path}: looks like a pickle; only JSON model files are loaded")
    return decode_model_json(raw, str(path), kind), raw
