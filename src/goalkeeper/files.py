"""The user's files: locked while goalkeeper reads, plans and writes them, written whole or not at all.

A file target (a container export, a GA4 snapshot) is locked for a whole read-plan-write cycle by
a lock file beside it (``.example-container.json.lock``), so two goalkeeper runs on one file take
turns instead of overwriting each other's work. The lock is the ``filelock`` library's: an
operating-system lock (``flock`` on Linux and macOS, ``LockFileEx`` on Windows), released by the
system when the process dies, so a crashed run never leaves the file locked. The lock file itself
stays (deleting it would let a waiting run lock a file nobody else sees); it is empty.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.environment import seconds_setting

LOCK_TIMEOUT_VARIABLE = "GOALKEEPER_LOCK_TIMEOUT"
LOCK_TIMEOUT = 120.0  # seconds: longer than a file target's apply, shorter than a CI job's patience


def real_path(path: Path) -> Path:
    """Where ``path`` really is: symbolic links followed (a missing file: its folder's real path)."""
    return Path(os.path.realpath(path))


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: beside the real file, hidden, named after it."""
    real = real_path(path)
    return real.with_name(f".{real.name}.lock")


class TargetLock:
    """The lock of one file target, re-entrant within a process (``with lock: with lock: ...``)."""

    def __init__(self, path: Path, what: str):
        self.path = Path(path)
        self.what = what
        from filelock import FileLock  # here: `validate` (a pre-commit hook) locks nothing

        self._lock = FileLock(str(lock_path(self.path)), timeout=seconds_setting(LOCK_TIMEOUT_VARIABLE, LOCK_TIMEOUT))

    @property
    def held(self) -> bool:
        return bool(self._lock.is_locked)

    def __enter__(self) -> TargetLock:
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            raise GoalkeeperError(
                Problem(
                    f"another goalkeeper run is writing this {self.what} (it holds {lock_path(self.path)}); "
                    f"let it finish, then run again (goalkeeper waited {self._lock.timeout:g} s, "
                    f"{LOCK_TIMEOUT_VARIABLE} sets how long)",
                    str(self.path),
                )
            ) from None
        except OSError as error:
            raise GoalkeeperError(
                Problem(
                    f"cannot lock the {self.what} for writing ({lock_path(self.path).name}: {error.strerror}); "
                    "goalkeeper needs to create a file in its folder",
                    str(self.path),
                )
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


TEMPORARY_SUFFIX = ".goalkeeper-tmp"


def _temporaries(real: Path) -> list[Path]:
    return list(real.parent.glob(f".{real.name}.*{TEMPORARY_SUFFIX}"))


def sweep_temporaries(path: Path) -> None:
    """Remove temporary files a killed run left beside ``path``. Call it only under the file's
    lock: then no other run is writing one."""
    for leftover in _temporaries(real_path(path)):
        leftover.unlink(missing_ok=True)


def _keeps_identity(temporary: Path, status: os.stat_result) -> bool:
    """Give the temporary file the target's mode and owner; whether that worked (a file owned by
    someone else, writable through its group, cannot be given away: it is written in place).
    Windows has no owners to give: there only the mode is kept."""
    os.chmod(temporary, stat.S_IMODE(status.st_mode))
    mine = temporary.stat()
    if (status.st_uid, status.st_gid) == (mine.st_uid, mine.st_gid) or not hasattr(os, "chown"):
        return True
    try:
        os.chown(temporary, status.st_uid, status.st_gid)
    except PermissionError:
        return False
    return True


def _overwrite(real: Path, data: bytes) -> None:
    """Write ``data`` into the existing file itself (its inode, so hard links and owner stay),
    putting the old content back if that fails half-way."""
    with open(real, "r+b") as stream:
        original = stream.read()
        try:
            stream.seek(0)
            stream.write(data)
            stream.truncate()
            stream.flush()
            os.fsync(stream.fileno())
        except BaseException:
            stream.seek(0)
            stream.write(original)
            stream.truncate()
            raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_atomically(path: Path, text: str, what: str = "file", mode: int | None = None) -> None:
    """Write a whole file or nothing: a crash never leaves a half-written file behind.

    A symbolic link is followed (the real file is updated, the link stays); an existing file keeps
    its mode and owner; a file with hard links is written in place, after the new content was
    written in full beside it (so a full disk fails before the file is touched). ``mode`` (e.g.
    0o600) is forced on the file instead of the old one's. Raises GoalkeeperError naming ``path``
    and the system's reason (read-only folder, full disk...); the temporary file is always removed.
    """
    real = real_path(path)
    data = text.encode("utf-8")
    temporary: Path | None = None
    status = None
    try:
        status = real.stat() if real.exists() else None
        handle, name = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=TEMPORARY_SUFFIX)
        temporary = Path(name)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            in_place = (
                status is not None and mode is None and (status.st_nlink > 1 or not _keeps_identity(temporary, status))
            )
            if mode is not None or status is None:  # a new file: as the umask says, not mkstemp's 0600
                os.chmod(temporary, mode if mode is not None else 0o666 & ~_umask())
        if in_place:
            _overwrite(real, data)
        else:
            os.replace(temporary, real)
    except OSError as error:
        full = error.errno == errno.ENOSPC
        reason = "the disk is full" if full else (error.strerror or type(error).__name__)
        kept = "; it was left as it was" if status is not None else ""
        raise GoalkeeperError(Problem(f"cannot write the {what} ({reason}){kept}", str(path))) from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def check_writable(path: Path, what: str) -> None:
    """Raise GoalkeeperError unless ``path`` can be written: an existing file's mode allows it (a
    file marked read-only is refused even where the system would let goalkeeper write it), and its
    folder takes the temporary file (a new file, such as ``goalkeeper export`` writes, needs only
    that)."""
    real = real_path(path)
    try:
        status = real.stat()
    except FileNotFoundError:
        status = None
        if not real.parent.is_dir():
            raise GoalkeeperError(Problem(f"cannot write the {what}: no folder {real.parent}", str(path))) from None
    except OSError as error:
        raise GoalkeeperError(Problem(f"cannot write the {what}: {error.strerror}", str(path))) from None
    if status is not None and (not status.st_mode & stat.S_IWUSR or not os.access(real, os.W_OK)):
        raise GoalkeeperError(
            Problem(
                f"the {what} is read-only ({stat.filemode(status.st_mode)}); nothing was written anywhere. "
                "Make it writable (chmod u+w) if goalkeeper should update it",
                str(path),
            )
        )
    if not os.access(real.parent, os.W_OK):
        raise GoalkeeperError(
            Problem(
                f"the folder {real.parent} is not writable, and goalkeeper writes the {what} through a temporary "
                "file beside it; nothing was written anywhere",
                str(path),
            )
        )


def same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file (links followed); a missing file is compared by path."""
    try:
        return os.path.samefile(one, other)
    except OSError:
        return real_path(one) == real_path(other)


# Inputs, capped: a goal file of 10,000 goals is about 1 MB, the largest real GTM exports a few MB.
MAX_GOAL_FILE = 10 * 2**20
MAX_TEMPLATE = 2**20
MAX_JSON_FILE = 64 * 2**20
MAX_DEPTH = 64  # nesting of mappings and lists; goal files need 6, GTM exports about 10


def read_input(path: Path, what: str, limit: int, hint: str = "") -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them. A FIFO, a device such as
    /dev/zero or a folder is refused without reading from it (opened without blocking), and so is
    a file over the limit. Raises GoalkeeperError naming the file (``hint`` added when it cannot
    be opened at all)."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise GoalkeeperError(
            Problem(f"cannot read the {what}: {error.strerror}. {hint}".rstrip(". ") + ("." if hint else ""), str(path))
        ) from None
    status = os.fstat(handle)
    if not stat.S_ISREG(status.st_mode):
        os.close(handle)
        raise GoalkeeperError(
            Problem(f"the {what} is not a regular file (a folder, pipe or device); give the path of a file", str(path))
        )
    with os.fdopen(handle, "rb") as stream:
        if status.st_size > limit:
            raise GoalkeeperError(
                Problem(f"the {what} is larger than goalkeeper reads ({limit // 2**20} MB)", str(path))
            )
        try:
            data = stream.read(limit + 1)
        except OSError as error:
            raise GoalkeeperError(Problem(f"cannot read the {what}: {error.strerror}", str(path))) from None
    if len(data) > limit:
        raise GoalkeeperError(Problem(f"the {what} is larger than goalkeeper reads ({limit // 2**20} MB)", str(path)))
    return data


_NON_FINITE = re.compile(r"\b(NaN|-?Infinity)\b")


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large a number")
    return number


_DEEPER = object()


def depth_of(document: object) -> int:
    """How deeply lists and mappings nest in ``document`` (a scalar: 0), without recursion."""
    deepest, todo = 0, [(document, 1)]
    while todo:
        item, level = todo.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, level)
            todo += [(child, level + 1) for child in children]
    return deepest


def parse_json(data: bytes, what: str, path: Path) -> Any:
    """A JSON document from ``data``: UTF-8, only finite numbers (no NaN, Infinity or 1e400, which
    no Google API takes), nested at most MAX_DEPTH deep. Raises GoalkeeperError with the file and,
    where known, the line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise GoalkeeperError(Problem(f"the {what} is not UTF-8 text (byte {error.start})", str(path))) from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
    except json.JSONDecodeError as error:
        raise GoalkeeperError(Problem(f"not valid JSON: {error.msg}", str(path), error.lineno)) from None
    except RecursionError:
        document = _DEEPER  # nested beyond what the parser takes: reported just below
    except ValueError as error:
        found = _NON_FINITE.search(text)
        line = text.count("\n", 0, found.start()) + 1 if found else None
        raise GoalkeeperError(Problem(f"not valid JSON: {error}", str(path), line)) from None
    if document is _DEEPER or depth_of(document) > MAX_DEPTH:
        raise GoalkeeperError(
            Problem(f"the {what} nests lists and objects more than {MAX_DEPTH} deep; is it the right file?", str(path))
        )
    return document
