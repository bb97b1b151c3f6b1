"""Writing outputs safely: atomic files, and output paths that can never leave the output folder.

Every file is written to a temporary name in the same folder and renamed when complete, so a killed run
leaves either the previous complete file or none, never a truncated one. A set of files that belong
together (matches, documents, summary, provenance of one run) is written with :func:`atomic_folder`:
into a hidden staging folder beside the output folder, which replaces the output folder only when every
file is complete, so a killed run leaves the previous complete set or none, never a mixture. File names
are chosen by the program, never taken from the data (a doc_id such as ``../../etc/x`` cannot name a
file; :func:`safe_child` refuses any name that resolves outside its folder).
"""
from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

__all__ = ["COMPLETE_MARKER", "atomic_folder", "atomic_write_bytes", "atomic_write_text", "safe_child", "write_table"]

COMPLETE_MARKER = ".complete"  # written last into a finished output folder


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


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory file descriptors
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False when unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


@contextmanager
def atomic_folder(folder, replaceable=()):
    """Write a set of output files so that ``folder`` always holds one complete set, or nothing.

    Yields a hidden staging folder beside ``folder`` (``.NAME.XXXX.partial``); write every file into it
    (use :func:`safe_child` for names). When the ``with`` block ends without an error, a
    ``.complete`` marker is written and the staging folder takes the place of ``folder`` in one atomic
    exchange on Linux (elsewhere: two renames, with a moment when ``folder`` is absent); the previous
    folder is then deleted. On an error, or if the process is killed, ``folder`` is untouched; a killed
    run may leave a ``.NAME.*.partial`` folder, removed by the next successful run.

    Parameters
    ----------
    folder : str or Path
        The output folder. If it exists it may hold only names in ``replaceable`` (the files a previous
        run wrote) and the marker: a folder holding anything else is refused, never deleted.
    replaceable : iterable of str
        File names that may be replaced.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> with atomic_folder(out, replaceable=["a.csv"]) as tmp:
    ...     _ = atomic_write_text(tmp / "a.csv", "x\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['.complete', 'a.csv']
    """
    folder = Path(folder)
    if folder.exists():
        if not folder.is_dir():
            raise ValueError(f"{folder} exists and is not a folder")
        allowed = set(replaceable) | {COMPLETE_MARKER}
        foreign = sorted(p.name for p in folder.iterdir() if p.name not in allowed)
        if foreign:
            raise ValueError(
                f"refusing to replace {folder}: it holds files this command did not write "
                f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}); choose a new or empty output folder"
            )
    parent = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=parent))
    try:
        yield staging
        atomic_write_text(staging / COMPLETE_MARKER, "complete\n")
        _fsync_dir(staging)
        if not folder.exists():
            os.rename(staging, folder)
        elif _exchange(staging, folder):
            shutil.rmtree(staging)  # now holds the previous outputs
        else:
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=parent))
            os.rmdir(old)
            os.rename(folder, old)
            os.rename(staging, folder)
            shutil.rmtree(old, ignore_errors=True)
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for pattern in (f".{folder.name}.*.partial", f".{folder.name}.*.old"):
        for stale in parent.glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)  # left by killed runs
