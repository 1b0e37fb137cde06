"""The user's files: locked while goalkeeper reads, plans and writes them.

A file target (a container export, a GA4 snapshot) is locked for a whole read-plan-write cycle by
a lock file beside it (``.example-container.json.lock``), so two goalkeeper runs on one file take
turns instead of overwriting each other's work. The lock is the ``filelock`` library's: an
operating-system lock (``flock`` on Linux and macOS, ``LockFileEx`` on Windows), released by the
system when the process dies, so a crashed run never leaves the file locked. The lock file itself
stays (deleting it would let a waiting run lock a file nobody else sees); it is empty.
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

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
        self._lock = FileLock(str(lock_path(self.path)), timeout=seconds_setting(LOCK_TIMEOUT_VARIABLE, LOCK_TIMEOUT))

    @property
    def held(self) -> bool:
        return bool(self._lock.is_locked)

    def __enter__(self) -> TargetLock:
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
