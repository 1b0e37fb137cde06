"""What the two file targets share: a JSON document read once, written whole or not at all.

A read-plan-write cycle holds the target's lock (``goalkeeper.files.TargetLock``), and the file's
digest is checked again just before writing: a file another program changed since goalkeeper read
it is never overwritten (StalePlanError, exit 3: plan again).
"""

from __future__ import annotations

import hashlib
import json
import re
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

# A \uXXXX escape of a character outside ASCII, not itself escaped (an even run of backslashes before it).
_ESCAPED_NON_ASCII = re.compile(r"(?<!\\)(?:\\\\)*\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])")
_FIRST_INDENT = re.compile(r"\n([ \t]+)\S")
_FIRST_KEY = re.compile(r'\A\s*\{\s*"(?:[^"\\]|\\.)*"\s*:(\s?)')


def json_text(document: Any, original: str | None) -> str:
    """The text of ``document`` written the way ``original`` (the file's text as it was read,
    newlines untranslated) was: same indentation (spaces, tabs, or none for one-line JSON), line
    endings (CRLF or LF), final newline, and non-ASCII characters as they were (real or \\u-escaped),
    so that a diff of the file shows only what changed. Keys keep the order they have in
    ``document``. Without an original: two spaces, LF, a final newline, characters as they are.

    GTM's Export Container writes four spaces (some older exports two), LF, non-ASCII characters
    unescaped, with or without a final newline: every export in goalkeeper's test collection is
    reproduced byte for byte by this function."""
    if original is None:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    ascii_only = original.isascii() and "\\u" in original and bool(_ESCAPED_NON_ASCII.search(original))
    body = original.strip()
    if "\n" not in body:  # one-line JSON stays on one line, with or without spaces after separators
        key = _FIRST_KEY.match(body)
        spaced = key is None or key.group(1) == " "
        separators = (", ", ": ") if spaced else (",", ":")
        text = json.dumps(document, ensure_ascii=ascii_only, separators=separators)
    else:
        indent = _FIRST_INDENT.search(original)
        unit: str | int = 2 if indent is None else indent.group(1)
        if isinstance(unit, str) and set(unit) == {" "}:
            unit = len(unit)
        text = json.dumps(document, indent=unit, ensure_ascii=ascii_only)
    if original.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n") if "\r\n" in original else text


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
        self._text: str | None = None  # the file as read, newlines untranslated, for save to write alike

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
            self._text = data.decode("utf-8")  # bytes: CRLF stays as it was
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
        is as goalkeeper read it. The text keeps the file's own formatting (see ``json_text``), so a
        diff of the file shows only what changed."""
        with self.lock():
            self.check_writable()
            sweep_temporaries(self.path)  # left by a run that was killed: none is writing now
            text = json_text(document, self._text)
            write_atomically(self.path, text, self.what)
        self._document, self._text = document, text
        self._read_digest = self._current_digest()
