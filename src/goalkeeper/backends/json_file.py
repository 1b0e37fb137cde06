"""What the two file targets share: a JSON document read once, written whole or not at all."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from goalkeeper.backends.base import Backend
from goalkeeper.core.errors import GoalkeeperError, Problem


def write_atomically(path: Path, text: str) -> None:
    """Write a whole file or nothing: a crash never leaves a half-written target behind."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class JsonFileTarget(Backend):
    """A target kept in one JSON file. Subclasses name it (``what``), say how to get one when it
    is missing (``missing_hint``) and check its shape (``check``)."""

    what = "file"
    missing_hint = ""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._document: dict[str, Any] | None = None

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
            try:
                document = json.loads(self.path.read_text(encoding="utf-8"))
            except OSError as error:
                raise GoalkeeperError(
                    Problem(f"cannot read the {self.what}: {error.strerror}. {self.missing_hint}", str(self.path))
                ) from None
            except json.JSONDecodeError as error:
                raise GoalkeeperError(Problem(f"not valid JSON: {error.msg}", str(self.path), error.lineno)) from None
            self.check(document)
            self._document = document
        return self._document

    def fingerprint(self) -> str:
        """A digest of the file as it is now, for saved plans to notice any change."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def save(self, document: dict[str, Any]) -> None:
        """Write ``document`` to the file, whole or not at all; GoalkeeperError when it cannot be
        written (a read-only folder, a full disk)."""
        try:
            write_atomically(self.path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        except OSError as error:
            raise GoalkeeperError(
                Problem(
                    f"the {self.what} could not be written ({error.strerror or error}); it is unchanged", str(self.path)
                )
            ) from None
        self._document = document
