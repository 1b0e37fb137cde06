"""What the two file targets share: a JSON document read once, written whole or not at all.

A read-plan-write cycle holds the target's lock (``goalkeeper.files.TargetLock``), and the file's
digest is checked again just before writing: a file another program changed since goalkeeper read
it is never overwritten (StalePlanError, exit 3: plan again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from goalkeeper.backends.base import Backend
from goalkeeper.core.errors import GoalkeeperError, Problem, StalePlanError
from goalkeeper.files import (
    MAX_JSON_FILE,
    TargetLock,
    check_writable,
    parse_json,
    read_input,
    sweep_temporaries,
    write_atomically,
)


class JsonFileTarget(Backend):
    """A target kept in one JSON file. Subclasses name it (``what``), say how to get one when it
    is missing (``missing_hint``) and check its shape (``check``)."""

    what = "file"
    missing_hint = ""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._document: dict[str, Any] | None = None
        self._read_digest: str | None = None  # sha256 of the bytes ``document`` parsed
        self._lock: TargetLock | None = None

    def lock(self) -> TargetLock:
        """The lock file beside the target, held from reading to writing (see goalkeeper.files)."""
        if self._lock is None:
            self._lock = TargetLock(self.path, self.what)
        return self._lock

    def check(self, document: Any) -> None:
        """Raise GoalkeeperError when ``document`` is not this kind of file."""

    def check_lists(self, holder: dict[str, Any], keys: Iterable[str], where: str = "") -> None:
        """Raise GoalkeeperError unless each of ``keys`` present in ``holder`` is a list of objects."""
        for key in keys:
            value = holder.get(key, [])
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise GoalkeeperError(
                    Problem(f"not a well-formed {self.what}: {where}{key} must be a list of objects", str(self.path))
                )

    def malformed(self, error: Exception) -> GoalkeeperError:
        """The error for an entry of the file that lacks what every entry of its kind has."""
        detail = f"an entry lacks {error}" if isinstance(error, KeyError) else str(error)
        return GoalkeeperError(
            Problem(f"not a well-formed {self.what} ({detail}); was it edited by hand?", str(self.path))
        )

    def document(self) -> dict[str, Any]:
        if self._document is None:
            data = read_input(self.path, self.what, MAX_JSON_FILE, self.missing_hint)
            document = parse_json(data, self.what, self.path)
            self.check(document)
            self._document = document
            self._read_digest = hashlib.sha256(data).hexdigest()
        return self._document

    def fingerprint(self) -> str:
        """A digest of the file as goalkeeper read it (as it is now, before any read), for saved
        plans to notice any change."""
        return self._read_digest or self._current_digest()

    def _current_digest(self) -> str:
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError as error:
            raise GoalkeeperError(Problem(f"cannot read the {self.what}: {error.strerror}", str(self.path))) from None

    def local_files(self) -> list[Path]:
        return [self.path]

    def check_writable(self) -> None:
        """Refuse before anything is written: a file changed since goalkeeper read it
        (StalePlanError), or one that cannot be written (read-only, in a read-only folder)."""
        check_writable(self.path, self.what)
        if self._read_digest is not None and self._current_digest() != self._read_digest:
            raise StalePlanError(
                [
                    Problem(
                        f"the {self.what} changed since goalkeeper read it (another program wrote it meanwhile); "
                        "nothing was written: plan again",
                        str(self.path),
                    )
                ]
            )

    def save(self, document: dict[str, Any]) -> None:
        """Write ``document`` whole, under the target's lock, after checking once more that the file
        is as goalkeeper read it."""
        with self.lock():
            self.check_writable()
            sweep_temporaries(self.path)  # left by a run that was killed: none is writing now
            write_atomically(self.path, json.dumps(document, indent=2, ensure_ascii=False) + "\n", self.what)
        self._document = document
        self._read_digest = self._current_digest()
