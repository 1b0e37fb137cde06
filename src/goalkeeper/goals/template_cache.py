"""Kind templates compiled once per machine, not once per run.

Jinja2 compiles a template in three steps: it parses it, generates Python source from the tree
and compiles that source to a code object. For the eight kinds of the bundled example that is
about 0.035 s, the largest part of what ``goalkeeper validate`` does itself, and the pre-commit
hook runs validate in a fresh process at every commit. So the code object of each kind template is
kept in the user's cache folder (platformdirs' user cache dir: ``~/.cache/goalkeeper/templates`` on
Linux, ``~/Library/Caches/goalkeeper/templates`` on macOS, ``%LOCALAPPDATA%\\goalkeeper\\Cache\\
templates`` on Windows), as Python keeps a module's bytecode in ``__pycache__``.
``GOALKEEPER_CACHE_DIR`` names another folder; ``GOALKEEPER_CACHE_DIR=off`` turns the cache off.

What makes an entry safe to run instead of compiling:

- Its name is a SHA-256 of the template's text and of everything that shapes the code Jinja2
  generates from it: goalkeeper's, Jinja2's and Python's versions, and the environment's settings
  (delimiters, the sandbox's intercepted operators, filter and test names, extensions...). A
  template whose text or settings differ never meets another's code. What the sandbox checks while
  a template runs (calls, operators, attributes, the time and size budget) goes through the
  environment at run time, so a cached template is checked exactly as a fresh one.
- It is written only for a template that compiled and passed the sandbox's compile-time check
  (no ``include``, ``import`` or ``extends``): the same text with the same settings passes again.
- It carries the SHA-256 of its contents: a damaged entry (truncated, edited, from another format)
  is ignored and the template compiled again.
- It is read only from a folder the user owns and nobody else may write (on POSIX systems), since
  it becomes code that runs.
- It is written whole or not at all (a temporary file renamed over it). Where the folder cannot be
  made or written (a read-only home, a full disk), nothing is written and nothing is said: the
  cache only saves time.
- The folder holds at most MAX_ENTRIES entries; writing more removes the oldest.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING

import goalkeeper

if TYPE_CHECKING:
    from jinja2 import Environment

CACHE_VARIABLE = "GOALKEEPER_CACHE_DIR"
OFF = "off"
MAX_ENTRIES = 256  # about 10 KB each: a few MB at most
SUFFIX = ".code"
# The entry format: this header, the SHA-256 of the marshalled code, the marshalled code.
_HEADER = b"goalkeeper-template-code-1\n"
_DIGEST_SIZE = hashlib.sha256().digest_size


def cache_folder() -> Path | None:
    """Where compiled templates are kept: ``GOALKEEPER_CACHE_DIR`` (None when it is ``off``), else
    ``templates`` in the user's cache folder."""
    setting = os.environ.get(CACHE_VARIABLE, "").strip()
    if setting.lower() == OFF:
        return None
    if setting:
        return Path(setting)
    import platformdirs

    return Path(platformdirs.user_cache_dir("goalkeeper", appauthor=False)) / "templates"


def _settings(env: Environment) -> tuple[object, ...]:
    """What, besides a template's text, shapes the code Jinja2 generates for it in ``env`` (the
    attributes jinja2.compiler and jinja2.lexer read), with the versions of the code's makers."""
    import jinja2
    import jinja2.compiler

    finalize = env.finalize
    return (
        _HEADER,
        goalkeeper.__version__,
        getattr(jinja2, "__version__", None),
        _file_signature(jinja2.compiler.__file__),  # changes with any reinstall of Jinja2
        sys.version,
        f"{type(env).__module__}.{type(env).__qualname__}",
        env.code_generator_class.__qualname__,
        (env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string),
        (env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix),
        (env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline),
        (env.optimized, env.is_async, bool(env.autoescape), callable(env.autoescape)),
        None if finalize is None else getattr(finalize, "__qualname__", type(finalize).__qualname__),
        bool(getattr(env, "sandboxed", False)),
        sorted(getattr(env, "intercepted_binops", ())),
        sorted(getattr(env, "intercepted_unops", ())),
        sorted(env.extensions),
        sorted(env.filters),
        sorted(env.tests),
        sorted((k, repr(v)) for k, v in env.policies.items() if k.startswith("compiler.")),
    )


def _file_signature(path: str | None) -> tuple[int, int] | None:
    """(size, modification time in ns) of a file, or None where it has none (a zipped package)."""
    if path is None:
        return None
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def entry_name(env: Environment, source: str) -> str:
    """The file name of ``source``'s compiled code in ``env``: a SHA-256 of both (hex) and SUFFIX."""
    digest = hashlib.sha256(repr(_settings(env)).encode("utf-8"))
    digest.update(source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest() + SUFFIX


def _private(folder: Path) -> bool:
    """Whether only the user (or the system's administrator) can have written into ``folder``."""
    if not hasattr(os, "getuid"):
        return True  # Windows: the user's local application data is the user's own
    status = folder.stat()
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def _read(path: Path) -> CodeType | None:
    """The code kept in ``path``, or None when it is absent, unreadable or damaged."""
    try:
        if not _private(path.parent):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    header, rest = data[: len(_HEADER)], data[len(_HEADER) :]
    digest, payload = rest[:_DIGEST_SIZE], rest[_DIGEST_SIZE:]
    if header != _HEADER or hashlib.sha256(payload).digest() != digest:
        return None
    try:
        code = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _write(path: Path, code: CodeType) -> None:
    """Keep ``code`` in ``path``, whole or not at all; silently nothing where that is not possible.
    No fsync: an entry a crash cuts short fails its digest and is compiled again."""
    payload = marshal.dumps(code)
    temporary: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(path.parent):
            return
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")  # mode 0600
        with os.fdopen(handle, "wb") as stream:
            stream.write(_HEADER + hashlib.sha256(payload).digest() + payload)
        os.replace(temporary, path)
        temporary = None
        _prune(path.parent)
    except OSError:
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _prune(folder: Path) -> None:
    """Remove the oldest entries beyond MAX_ENTRIES."""
    entries = [p for p in folder.iterdir() if p.name.endswith(SUFFIX)]
    if len(entries) <= MAX_ENTRIES:
        return
    by_age = sorted(entries, key=lambda p: p.stat().st_mtime_ns)
    for old in by_age[: len(entries) - MAX_ENTRIES]:
        with contextlib.suppress(OSError):  # another run may have removed it first
            old.unlink()


def compiled_code(env: Environment, source: str, compile_template: Callable[[], CodeType]) -> CodeType:
    """The code object of ``source`` in ``env``: the cached one, or ``compile_template()``'s, then
    kept for the next run. Whatever ``compile_template`` raises (a syntax error, a refused
    ``include``) propagates, and nothing is kept."""
    folder = cache_folder()
    if folder is None:
        return compile_template()
    path = folder / entry_name(env, source)
    code = _read(path)
    if code is None:
        code = compile_template()
        _write(path, code)
    return code
