"""Lexicon file formats: our TOML (read and write), and interchange formats (LIWC, quanteda, CSV).

``lexicon_to_toml`` writes a lexicon so that ``parse_lexicon(lexicon_to_toml(lex))`` gives back a lexicon
with the same content hash.
"""
from __future__ import annotations

import json
from pathlib import Path

__all__ = ["lexicon_to_toml", "read_lexicon", "toml_string"]


def toml_string(value: str) -> str:
    """A TOML basic string (JSON string escaping is valid TOML for basic strings)."""
    return json.dumps(value, ensure_ascii=False)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else toml_string(key)


def lexicon_to_toml(lex) -> str:
    """Serialise a :class:`~analysis.lexicons.model.Lexicon` to TOML text."""
    lines = ["[meta]"]
    for k, v in lex.meta.items():
        lines.append(f"{_key(k)} = {_toml_value(v)}")
    if lex.slots:
        lines += ["", "[slots]"]
        for k, v in lex.slots.items():
            lines.append(f"{_key(k)} = {_toml_value(list(v))}")
    for name, cat in lex.categories.items():
        lines += ["", f"[categories.{toml_string(name)}]"]
        if cat.description:
            lines.append(f"description = {toml_string(cat.description)}")
        for k, v in cat.extra.items():
            lines.append(f"{_key(k)} = {_toml_value(v)}")
        lines.append("entries = [")
        for e in cat.entries:
            d = e.as_dict()
            lines.append(f"  {_toml_value(d['pattern'] if len(d) == 1 else d)},")
        lines.append("]")
    return "\n".join(lines) + "\n"


def read_lexicon(path):
    """Read a lexicon file in any supported format (chosen by extension)."""
    path = Path(path)
    from .model import LexiconError

    raise LexiconError(f"{path}: unsupported lexicon format {path.suffix!r} (supported: .toml)")
