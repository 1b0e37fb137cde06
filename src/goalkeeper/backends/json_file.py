"""What the two file targets share: a JSON document read once, written whole or not at all."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from goalkeeper.backends.base import Backend
from goalkeeper.core.errors import GoalkeeperError, Problem

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
        self._text: str | None = None  # the file as read, newlines untranslated, for save to write alike

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
                with open(self.path, encoding="utf-8", newline="") as stream:
                    text = stream.read()
                document = json.loads(text)
            except OSError as error:
                raise GoalkeeperError(
                    Problem(f"cannot read the {self.what}: {error.strerror}. {self.missing_hint}", str(self.path))
                ) from None
            except json.JSONDecodeError as error:
                raise GoalkeeperError(Problem(f"not valid JSON: {error.msg}", str(self.path), error.lineno)) from None
            self.check(document)
            self._document, self._text = document, text
        return self._document

    def fingerprint(self) -> str:
        """A digest of the file as it is now, for saved plans to notice any change."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def save(self, document: dict[str, Any]) -> None:
        """Write ``document`` to the file, whole or not at all; GoalkeeperError when it cannot be
        written (a read-only folder, a full disk). The text keeps the file's own formatting
        (see ``json_text``), so a diff of the file shows only what changed."""
        try:
            text = json_text(document, self._text)
            write_atomically(self.path, text)
        except OSError as error:
            raise GoalkeeperError(
                Problem(
                    f"the {self.what} could not be written ({error.strerror or error}); it is unchanged", str(self.path)
                )
            ) from None
        self._document, self._text = document, text
