"""Writing outputs safely: atomic files, and output paths that can never leave the output folder.

Every file is written to a temporary name in the same folder and renamed when complete, so a killed run
leaves either the previous complete file or none, never a truncated one. File names are chosen by the
program, never taken from the data (a doc_id such as ``../../etc/x`` cannot name a file).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

__all__ = ["atomic_write_text", "atomic_write_bytes", "write_table", "safe_child"]


def safe_child(folder, name: str) -> Path:
    """``folder/name``, refusing any name that would resolve outside ``folder``."""
    folder = Path(folder).resolve()
    target = (folder / name).resolve()
    if folder != target.parent and folder not in target.parents:
        raise ValueError(f"refusing to write {name!r}: it is outside the output folder {folder}")
    return target


def atomic_write_bytes(path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_table(df: pd.DataFrame, path) -> Path:
    """Write a table atomically as CSV (``.csv``) or Parquet (``.parquet``)."""
    path = Path(path)
    if path.suffix == ".parquet":
        import io

        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        return atomic_write_bytes(path, buf.getvalue())
    return atomic_write_text(path, df.to_csv(index=False, lineterminator="\n"))
