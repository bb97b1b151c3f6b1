"""Writing outputs safely: atomic files, complete output sets, and paths that never leave the output folder.

Every file is written to a temporary name in the same folder and renamed when complete, so a killed run
leaves either the previous complete file or none, never a truncated one. Files and folders get the
permissions the umask gives (0644 and 0755 under umask 022), as ``open`` and ``mkdir`` would: the
temporary names from ``mkstemp``/``mkdtemp`` (0600/0700) are widened before they are renamed into place.

A set of files that belong together (the matches, documents, summary and provenance of one run) is
written with :func:`output_set`, the one protocol every command that writes a folder follows:

1. the target is resolved (a symlinked ``--out`` is followed; the link itself is kept) and an
   exclusive lock is taken on it (``.NAME.lock`` beside it): a second run on the same folder refuses at
   once with a message naming the first, so two runs never mix;
2. an existing target is checked before any work is done: it must be empty, or a previous output set
   of the *same command* (its ``.complete`` marker names the command and lists its files); anything
   else (a user's files, another command's outputs, a read-only folder) is refused and never touched;
3. the files are written into a private staging folder beside the target (``.NAME.XXXX.partial``);
4. when every file is complete the ``.complete`` marker is written and the staging folder takes the
   target's place in one atomic exchange (Linux ``renameat2``; elsewhere two renames, and a run killed
   between them is repaired by the next run); the previous set is then deleted.

A kill at any instant therefore leaves the old complete set or the new complete set under the target's
name, plus at most a hidden staging folder, which the next run removes (only folders this module made:
they hold its marker). File names are chosen by the program, never taken from the data: a doc_id such
as ``../../etc/x`` cannot name a file, :func:`safe_child` refuses any name that resolves outside its
folder, and names made from group labels go through :func:`analysis.safenames.safe_names`.
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["COMPLETE_MARKER", "OutputSetError", "atomic_folder", "atomic_write_bytes", "atomic_write_text", "csv_bytes",
           "file_mode", "folder_mode", "make_folder", "output_set", "previous_set", "safe_child", "write_table"]

COMPLETE_MARKER = ".complete"  # written last into a finished output folder: {"command": ..., "files": [...]}
BUILDING_MARKER = ".building"  # written first into a staging folder, removed just before the swap
MARKER_FORMAT = 1


class OutputSetError(ValueError):
    """The output folder cannot be used (foreign files, another command's outputs, locked, read-only)."""


# --------------------------------------------------------------------------------------------------
# permissions
# --------------------------------------------------------------------------------------------------
def _umask() -> int:
    try:  # thread-safe on Linux; os.umask() must set a value to read it
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Mode a new file gets from ``open()`` under the current umask (0o644 under umask 022)."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    """Mode a new folder gets from ``mkdir()`` under the current umask (0o755 under umask 022)."""
    return 0o777 & ~_umask()


def make_folder(path) -> Path:
    """``mkdir -p`` (parents get the umask's mode too)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _private_folder(parent: Path, prefix: str, suffix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=parent))
    os.chmod(path, folder_mode())  # mkdtemp gives 0700 whatever the umask
    return path


# --------------------------------------------------------------------------------------------------
# single files
# --------------------------------------------------------------------------------------------------
def safe_child(folder, name: str) -> Path:
    """``folder/name``, refusing any name that would resolve outside ``folder``."""
    folder = Path(folder).resolve()
    target = (folder / name).resolve()
    if folder != target.parent and folder not in target.parents:
        raise ValueError(f"refusing to write {name!r}: it is outside the output folder {folder}")
    return target


def atomic_write_bytes(path, data) -> Path:
    """Write ``data`` (bytes, or an iterable of bytes written one after the other) to ``path`` through
    a temporary file in the same folder, renamed when complete.

    The file gets the umask's permissions (0644 under umask 022), like a file made by ``open()``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".partial", dir=path.parent)
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as fh:
            for block in ([data] if isinstance(data, (bytes, bytearray, memoryview)) else data):
                fh.write(block)
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
    """:func:`atomic_write_bytes` of ``text`` encoded as UTF-8."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_table(df, path, *, csv_escape: bool = True) -> Path:
    """Write a table atomically as CSV (``.csv``) or Parquet (``.parquet``).

    CSV cells that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or a carriage
    return) get a leading apostrophe unless ``csv_escape=False`` (see :mod:`analysis.csvsafe`); Parquet
    is written as is (no spreadsheet opens it).
    """
    path = Path(path)
    if path.suffix == ".parquet":
        import io

        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        return atomic_write_bytes(path, buf.getvalue())
    if len(df) > CSV_BLOCK_ROWS and _row_blocks_allowed(df):
        try:
            return atomic_write_bytes(path, _csv_blocks(df, csv_escape))
        except _NotVectorised:  # a column only pandas writes exactly: the whole table at once, below
            pass
    return atomic_write_bytes(path, csv_bytes(df, escape=csv_escape))


#: rows of a large table formatted at a time (escaped, turned to CSV bytes, written): the bytes are those of
#: the whole table at once, while only one block's strings exist (a 40M-word corpus's match table written
#: whole took 4 GB more memory than the table itself)
CSV_BLOCK_ROWS = 100_000


class _NotVectorised(Exception):
    pass


def _row_blocks_allowed(df) -> bool:
    """False when a block could be written otherwise than the whole table: a date column is written
    as dates only when none of its values has a time of day, which is a property of the whole column."""
    for name in df.columns:
        column = df[name]
        if getattr(column.dtype, "kind", None) == "M":
            times = column.dropna()
            if len(times) and not (times.dt.normalize() == times).all():
                return False
    return not df.columns.duplicated().any() and len(df.columns) > 0


def _csv_blocks(df, csv_escape: bool):
    from .csvwrite import to_csv_bytes

    for a in range(0, len(df), CSV_BLOCK_ROWS):
        block = df.iloc[a:a + CSV_BLOCK_ROWS]
        data = to_csv_bytes(block, header=a == 0, escape=csv_escape)
        if data is None:
            raise _NotVectorised
        yield data


def csv_rows(df, csv_escape: bool = True):
    """The rows of ``df`` as the CSV :func:`write_table` writes them, without the header (bytes), or
    None when only pandas writes them exactly (the whole table at once) or when a block could be written
    otherwise than the whole table. ``--jobs`` workers format their pieces of a table with it."""
    from .csvwrite import to_csv_bytes

    if not _row_blocks_allowed(df):
        return None
    return to_csv_bytes(df, header=False, escape=csv_escape)


def column_types(df) -> tuple:
    """The column names and dtypes of ``df``: pieces formatted apart give the bytes of the whole table
    only when their columns are typed alike."""
    return tuple((str(name), str(dtype)) for name, dtype in df.dtypes.items())


def write_csv_parts(df, path, parts, *, csv_escape: bool = True) -> Path:
    """:func:`write_table` of ``df`` as CSV, taking the rows of ``parts`` already formatted (by workers):
    ``parts`` is a list of ``(n_rows, rows or None, column types)`` covering ``df`` in order, ``rows``
    being :func:`csv_rows` of those rows of the table and the types :func:`column_types` of the piece
    they were made from. Rows not given, or made from a piece typed otherwise than ``df``, are
    formatted here. The bytes are those :func:`write_table` writes (the whole table when a piece
    cannot be written by the vectorised writer).
    """
    path = Path(path)
    if (parts is None or path.suffix != ".csv" or sum(n for n, _, _ in parts) != len(df)
            or not _row_blocks_allowed(df)):
        return write_table(df, path, csv_escape=csv_escape)
    types = column_types(df)

    def blocks():
        from .csvwrite import to_csv_bytes

        yield to_csv_bytes(df.iloc[:0], header=True)
        at = 0
        for n, rows, piece_types in parts:
            if rows is not None and piece_types == types:
                yield rows
            else:
                for a in range(at, at + n, CSV_BLOCK_ROWS):
                    data = csv_rows(df.iloc[a:min(at + n, a + CSV_BLOCK_ROWS)], csv_escape)
                    if data is None:
                        raise _NotVectorised
                    yield data
            at += n

    if to_csv_bytes_supported(df):
        try:
            return atomic_write_bytes(path, blocks())
        except _NotVectorised:
            pass
    return write_table(df, path, csv_escape=csv_escape)


def write_concat(frames, path, *, types=None, csv_escape: bool = True) -> Path:
    """:func:`write_table` of ``pd.concat(list(frames()), ignore_index=True, sort=False)`` holding one
    frame at a time when it can.

    ``frames`` is a callable giving a fresh iterator over the pieces in order; ``types`` the
    :func:`column_types` of each piece, as made. When every piece is typed alike and holds no date
    column, the CSV is the header and each piece's :func:`csv_rows` in turn (the bytes of the
    whole table, as :func:`write_csv_parts` relies on); otherwise (Parquet, pieces typed apart, whose
    concatenation retypes columns, or a piece only pandas writes) the pieces are concatenated and
    written as before.
    """
    import pandas as pd

    path = Path(path)
    alike = types is not None and len(types) > 0 and len(set(types)) == 1
    if path.suffix == ".csv" and alike and not any(dtype.startswith("datetime") for _, dtype in types[0]):
        def blocks():
            from .csvwrite import to_csv_bytes

            for k, frame in enumerate(frames()):
                if column_types(frame) != types[0]:
                    raise _NotVectorised
                if k == 0:
                    yield to_csv_bytes(frame.iloc[:0], header=True)
                data = csv_rows(frame, csv_escape)
                if data is None:
                    raise _NotVectorised
                yield data

        try:
            return atomic_write_bytes(path, blocks())
        except _NotVectorised:
            pass
    return write_table(pd.concat(list(frames()), ignore_index=True, sort=False), path, csv_escape=csv_escape)


def to_csv_bytes_supported(df) -> bool:
    """True when the vectorised writer takes every column of ``df`` (tried on its first row)."""
    from .csvwrite import to_csv_bytes

    return len(df.columns) > 0 and to_csv_bytes(df.iloc[:1], header=True) is not None


def csv_bytes(df, header: bool = True, escape: bool = False) -> bytes:
    """``df.to_csv(index=False, lineterminator="\n")`` as UTF-8 bytes, through the vectorised writer of
    :mod:`analysis.csvwrite` (the same bytes, several times faster on big tables) when it can; with
    ``escape``, those of :func:`analysis.csvsafe.escape_frame` of ``df``."""
    from .csvwrite import to_csv_bytes

    data = to_csv_bytes(df, header=header, escape=escape)
    if data is None:
        if escape:
            from .csvsafe import escape_frame

            df = escape_frame(df)
        data = df.to_csv(index=False, header=header, lineterminator="\n").encode("utf-8")
    return data


# --------------------------------------------------------------------------------------------------
# output sets
# --------------------------------------------------------------------------------------------------
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


def _read_marker(folder: Path):
    """The marker of an output set: a dict, ``"legacy"`` (the old plain-text marker), or None."""
    try:
        text = (folder / COMPLETE_MARKER).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError, IsADirectoryError):
        return None
    try:
        marker = json.loads(text)
    except ValueError:
        return "legacy" if text.strip() == "complete" else None
    return marker if isinstance(marker, dict) and isinstance(marker.get("files"), list) else None


def previous_set(folder, command: str) -> list[str] | None:
    """The files of the output set of ``command`` in ``folder`` (from its marker), or None if it holds none."""
    marker = _read_marker(Path(folder))
    if isinstance(marker, dict) and marker.get("command") == command:
        return [str(f) for f in marker["files"]]
    return None


def _check_existing(target: Path, command: str, replaceable) -> None:
    """Refuse a target that is not empty and not a previous output set of ``command``."""
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputSetError(f"{target} exists and is not a folder; choose a folder for the outputs")
    st = target.stat()
    if not st.st_mode & stat.S_IWUSR or not os.access(target, os.W_OK | os.X_OK):
        raise OutputSetError(f"{target} is read-only (mode {stat.S_IMODE(st.st_mode):04o}): not replacing it; "
                             "make it writable or choose another output folder")
    names = sorted(p.name for p in target.iterdir())
    if not names:
        return
    marker = _read_marker(target)
    if isinstance(marker, dict):
        if marker.get("command") != command:
            raise OutputSetError(f"refusing to replace {target}: it holds the outputs of `{marker.get('command')}`, "
                                 f"not `{command}`; choose another output folder")
        allowed = set(map(str, marker["files"])) | set(replaceable) | {COMPLETE_MARKER}
    else:  # no marker (or the old one): only the files this command writes
        allowed = set(replaceable) | {COMPLETE_MARKER}
    foreign = [n for n in names if n not in allowed]
    if foreign:
        raise OutputSetError(
            f"refusing to replace {target}: it holds files this command did not write "
            f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}); choose a new or empty output folder"
        )
    for name in names:
        if (target / name).is_dir() and not (target / name).is_symlink() and name not in allowed:
            raise OutputSetError(f"refusing to replace {target}: {name} is a folder")


def _ours(folder: Path, replaceable) -> bool:
    """A leftover staging or swapped-out folder that this module made (safe to delete)."""
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError:
        return False
    if not names or BUILDING_MARKER in names or _read_marker(folder) is not None:
        return True
    return names <= set(replaceable)  # a swapped-out set written before markers existed


def _clean_leftovers(target: Path, replaceable) -> None:
    parent, name = target.parent, target.name
    olds = []
    for pattern in (f".{name}.*.partial", f".{name}.*.old"):
        for stale in parent.glob(pattern):
            if stale.is_dir() and not stale.is_symlink() and _ours(stale, replaceable):
                olds.append(stale)
    # a run killed between the two renames of the fallback swap: put the previous set back
    if not os.path.lexists(target):
        for stale in olds:
            if stale.name.endswith(".old") and _read_marker(stale) is not None:
                os.rename(stale, target)
                olds.remove(stale)
                break
    for stale in olds:
        shutil.rmtree(stale, ignore_errors=True)


class _Lock:
    """An exclusive ``flock`` on ``.NAME.lock`` beside the target, refused (not waited for) when held."""

    def __init__(self, path: Path, target: Path):
        self.path, self.target, self.fd = path, target, None

    def acquire(self):
        import fcntl

        for _ in range(5):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, file_mode())
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = ""
                try:
                    holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
                except OSError:
                    pass
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    who = f" (process {holder})" if holder.isdigit() else ""
                    raise OutputSetError(
                        f"another run is writing {self.target}{who}: wait for it to finish or choose another "
                        "output folder (two runs into one folder would mix their files)") from None
                raise
            try:  # the file we locked must still be the one at the path (a finishing run unlinks it)
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
                self.fd = fd
                return self
            os.close(fd)
        raise OutputSetError(f"could not lock {self.target}: another run keeps replacing it")

    def release(self):
        if self.fd is None:
            return
        try:
            os.unlink(self.path)  # while still holding it: a waiting run re-checks the inode
        except FileNotFoundError:
            pass
        os.close(self.fd)
        self.fd = None


def resolve_target(folder) -> Path:
    """The folder an output set replaces: ``folder`` with a symlink (of any depth) in its last part followed."""
    folder = Path(os.path.abspath(folder))
    if folder.is_symlink():
        return Path(os.path.realpath(folder))
    return folder


def lock_path(folder) -> Path:
    """The lock file of the output folder ``folder``."""
    target = resolve_target(folder)
    return target.parent / f".{target.name}.lock"


@contextmanager
def output_set(folder, command: str, *, replaceable=()):
    """Write one complete output set of ``command`` into ``folder``: yields the staging folder to write into.

    Everything in the module docstring applies: locked against a second run, refused when ``folder``
    holds anything but a previous output set of ``command``, built beside it, swapped atomically when the
    ``with`` block ends without an error, so ``folder`` always holds the old complete set or the new one.
    On an error (or a kill) ``folder`` is untouched.

    Parameters
    ----------
    folder : str or Path
        The output folder (created if needed; a symlink is followed and kept).
    command : str
        The command writing the set (``"score"``, ``"compare"``, ``"figures"``, ...), recorded in the
        ``.complete`` marker: a folder holding another command's outputs is refused.
    replaceable : iterable of str
        File names this command writes, accepted in a folder written before markers named the command.

    Raises
    ------
    OutputSetError
        The folder is locked by another run, read-only, not a folder, or holds files this command did not write.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> with output_set(out, "demo") as tmp:
    ...     _ = atomic_write_text(tmp / "a.csv", "x\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['.complete', 'a.csv']
    >>> previous_set(out, "demo")
    ['a.csv']
    """
    target = resolve_target(folder)
    parent = _writable_parent(target)
    replaceable = list(replaceable)
    lock = _Lock(parent / f".{target.name}.lock", target).acquire()
    try:
        _clean_leftovers(target, replaceable)
        _check_existing(target, command, replaceable)
        staging = _start_staging(parent, target, command)
        try:
            yield staging
            _seal(staging, command)
            _swap_in(staging, target, parent)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        lock.release()


def _writable_parent(target: Path) -> Path:
    """The parent of ``target``, created if needed; refused when it cannot hold the set or ``target`` is the cwd."""
    parent = target.parent
    try:
        here = Path.cwd().resolve()
    except OSError:
        here = None
    if here is not None and (here == target.resolve() or target.resolve() in here.parents):
        raise OutputSetError(f"{target} is the current folder (or holds it): the output set replaces the whole "
                             "folder, so give a folder inside it, such as --out results")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputSetError(f"{parent} exists and is not a folder") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputSetError(f"cannot create files in {parent} (permission denied); choose another output folder")
    return parent


def _start_staging(parent: Path, target: Path, command: str) -> Path:
    """A new private staging folder beside ``target``, holding the building marker of ``command``."""
    staging = _private_folder(parent, f".{target.name[:200]}.", ".partial")
    try:
        # not atomic on purpose: from the instant it exists, its name marks the folder as ours
        fd = os.open(staging / BUILDING_MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
        os.write(fd, (json.dumps({"command": command}) + "\n").encode("utf-8"))
        os.close(fd)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _seal(staging: Path, command: str) -> None:
    """Replace the building marker of a finished staging folder by the complete marker listing its files."""
    files = sorted(p.name for p in staging.iterdir() if p.name not in (BUILDING_MARKER, COMPLETE_MARKER))
    marker = {"command": command, "files": files, "marker_format": MARKER_FORMAT}
    atomic_write_text(staging / COMPLETE_MARKER, json.dumps(marker, indent=1) + "\n")
    os.unlink(staging / BUILDING_MARKER)
    _fsync_dir(staging)


def _swap_in(staging: Path, target: Path, parent: Path) -> None:
    """Put the sealed ``staging`` folder in place of ``target`` (atomically where the system can exchange)."""
    if not os.path.lexists(target):
        os.rename(staging, target)
    elif _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous outputs
    else:
        old = _private_folder(parent, f".{target.name[:200]}.", ".old")
        os.rmdir(old)
        os.rename(target, old)
        os.rename(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(parent)


@contextmanager
def atomic_folder(folder, replaceable=(), command: str = "score"):
    """:func:`output_set` under its former name (``command`` defaults to ``"score"``)."""
    with output_set(folder, command, replaceable=replaceable) as staging:
        yield staging
