"""Kind templates compiled by one run are kept for the next (the pre-commit hook runs validate at
every commit): a kept template expands exactly as a freshly compiled one, and only an intact entry
of the same template compiled with the same settings is ever used."""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType

import pytest
from jinja2 import TemplateSyntaxError

import goalkeeper
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.goals import expand, sandbox, template_cache
from goalkeeper.goals.kinds import load_kinds
from goalkeeper.goals.load import parse_goal_text

KINDS = load_kinds(None)
SOURCE = "events: [<< event | tojson >>]\n"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch) -> Iterator[Path]:
    """An empty cache folder, and no template compiled in this process yet."""
    cache = tmp_path / "cache"
    monkeypatch.setenv(template_cache.CACHE_VARIABLE, str(cache))
    expand._compiled.cache_clear()
    yield cache
    expand._compiled.cache_clear()


class Compiler:
    """A template's compile step as sandbox.compile_kind gives it, counting its calls."""

    def __init__(self, source: str = SOURCE):
        self.env = sandbox.environment()
        self.source = source
        self.calls = 0

    def __call__(self) -> CodeType:
        self.calls += 1
        return self.env.compile(self.env.parse(self.source))

    def code(self) -> CodeType:
        return template_cache.compiled_code(self.env, self.source, self)


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{template_cache.SUFFIX}")) if folder.is_dir() else []


def expand_example(name: str):
    kind = KINDS[name]
    goals = "".join(f"  {line}\n" for line in kind.example.splitlines())
    goal_file = parse_goal_text(f"target: {{measurement_id: G-TEST123}}\ngoals:\n{goals}", KINDS)
    return expand.expand(goal_file, KINDS)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_kind_compiled_by_an_earlier_run_expands_as_a_freshly_compiled_one(name: str, folder: Path, monkeypatch):
    monkeypatch.setenv(template_cache.CACHE_VARIABLE, template_cache.OFF)
    fresh = expand_example(name)
    monkeypatch.setenv(template_cache.CACHE_VARIABLE, str(folder))
    expand._compiled.cache_clear()
    expand_example(name)  # the earlier run: compiles and keeps the template
    expand._compiled.cache_clear()

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the kept template was compiled again")

    monkeypatch.setattr(expand._environment(), "parse", no_parsing)
    assert expand_example(name) == fresh
    assert len(entries(folder)) == 1


def test_the_next_run_takes_the_kept_code_without_compiling(folder: Path):
    first, second = Compiler(), Compiler()
    kept = first.code()
    assert marshal.dumps(second.code()) == marshal.dumps(kept)
    assert (first.calls, second.calls) == (1, 0)


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flipped(data: bytes) -> bytes:
    return data[:-10] + bytes([data[-10] ^ 0x01]) + data[-9:]


def _other_format(data: bytes) -> bytes:
    return b"goalkeeper-template-code-0\n" + data[len(template_cache._HEADER) :]


def _not_code(data: bytes) -> bytes:  # intact, but not a code object
    import hashlib

    payload = marshal.dumps({"not": "code"})
    return template_cache._HEADER + hashlib.sha256(payload).digest() + payload


def _not_marshal(data: bytes) -> bytes:  # intact, but not marshal data
    import hashlib

    payload = b"\xff garbage"
    return template_cache._HEADER + hashlib.sha256(payload).digest() + payload


def _emptied(data: bytes) -> bytes:
    return b""


@pytest.mark.parametrize(
    "damage", [_truncated, _flipped, _other_format, _not_code, _not_marshal, _emptied], ids=lambda f: f.__name__
)
def test_a_damaged_entry_is_compiled_again_and_replaced(folder: Path, damage: Callable[[bytes], bytes]):
    Compiler().code()
    [entry] = entries(folder)
    entry.write_bytes(damage(entry.read_bytes()))
    again = Compiler()
    again.code()
    assert again.calls == 1
    after = Compiler()
    after.code()
    assert after.calls == 0  # the entry was written whole again


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("{% include 'other.yaml.j2' %}\n" + SOURCE, GoalkeeperError),
        ("{% if %}\n" + SOURCE, TemplateSyntaxError),
        ("<< event | no_such_filter >>\n", TemplateSyntaxError),
    ],
)
def test_nothing_is_kept_for_a_template_that_does_not_compile(folder: Path, source: str, error: type[Exception]):
    env = sandbox.environment()
    with pytest.raises(error):
        sandbox.compile_kind(env, source, "mine.yaml.j2")
    assert entries(folder) == []


def _delimiters(env) -> None:
    env.variable_start_string, env.variable_end_string = "{{", "}}"


def _no_operator_checks(env) -> None:
    env.intercepted_binops = frozenset()


def _a_filter(env) -> None:
    env.filters["shout"] = str.upper


def _trimmed_blocks(env) -> None:
    env.trim_blocks = True


@pytest.mark.parametrize(
    "change", [_delimiters, _no_operator_checks, _a_filter, _trimmed_blocks], ids=lambda f: f.__name__
)
def test_settings_that_shape_the_generated_code_name_another_entry(change: Callable):
    env = sandbox.environment()
    before = template_cache.entry_name(env, SOURCE)
    change(env)
    assert template_cache.entry_name(env, SOURCE) != before


def test_another_goalkeeper_or_template_text_names_another_entry(monkeypatch):
    env = sandbox.environment()
    before = template_cache.entry_name(env, SOURCE)
    assert template_cache.entry_name(env, SOURCE + "\n") != before
    monkeypatch.setattr(goalkeeper, "__version__", goalkeeper.__version__ + ".post1")
    assert template_cache.entry_name(env, SOURCE) != before


def test_where_the_cache_cannot_be_written_the_template_still_compiles(tmp_path: Path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(template_cache.CACHE_VARIABLE, str(tmp_path / "a-file" / "cache"))  # cannot be made
    compiler = Compiler()
    assert isinstance(compiler.code(), CodeType)
    assert compiler.calls == 1


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757], ids=oct)
def test_a_folder_others_may_write_is_neither_read_nor_written(folder: Path, mode: int):
    Compiler().code()
    [entry] = entries(folder)
    folder.chmod(mode)
    try:
        compiler = Compiler()
        compiler.code()
        assert compiler.calls == 1
        entry.unlink()
        Compiler().code()
        assert entries(folder) == []
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="only root gives a folder to another user")
def test_a_folder_of_another_user_is_not_read(folder: Path):
    Compiler().code()
    os.chown(folder, 65534, -1)
    compiler = Compiler()
    compiler.code()
    assert compiler.calls == 1


def test_off_keeps_nothing(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(template_cache.CACHE_VARIABLE, "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / ".cache"))
    first, second = Compiler(), Compiler()
    first.code(), second.code()
    assert (first.calls, second.calls) == (1, 1)
    assert template_cache.cache_folder() is None and list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG folders are Linux's")
def test_by_default_the_users_cache_folder_holds_them(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(template_cache.CACHE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    Compiler().code()
    assert len(entries(tmp_path / "goalkeeper" / "templates")) == 1


def test_the_oldest_entries_go_beyond_the_limit(folder: Path, monkeypatch):
    monkeypatch.setattr(template_cache, "MAX_ENTRIES", 2)
    for age, source in enumerate(["a\n", "b\n"]):
        Compiler(source).code()
        [newest] = [p for p in entries(folder) if p.name == template_cache.entry_name(sandbox.environment(), source)]
        os.utime(newest, ns=(10**18 + age, 10**18 + age))
    Compiler("c\n").code()
    kept = {p.name for p in entries(folder)}
    env = sandbox.environment()
    assert kept == {template_cache.entry_name(env, "b\n"), template_cache.entry_name(env, "c\n")}
