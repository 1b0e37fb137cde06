"""YAML loading that keeps the line of every value, refuses what a goal file must not contain, and
turns a document into plain data plus a map from data paths to lines."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from ruamel.yaml.nodes import ScalarNode

from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.files import MAX_DEPTH, MAX_GOAL_FILE, read_input

DataPath = tuple[Any, ...]


@dataclass
class Source:
    """A loaded YAML document: plain data, and the line of each path into it."""

    file: str
    data: Any
    lines: dict[DataPath, int] = field(default_factory=dict)

    def line_of(self, path: DataPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def problem(self, path: DataPath, message: str) -> Problem:
        return Problem(message, self.file, self.line_of(path))


def _joined_surrogates(text: str) -> str:
    """YAML reads the escapes "\\ud83d\\uded2" (JSON's spelling of a character beyond U+FFFF, which a
    template's ``tojson`` writes) as two lone surrogates: join them into the one character. A lone
    surrogate left over is no character at all; it becomes U+FFFD."""
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _plain(node: Any, path: DataPath, lines: dict[DataPath, int]) -> Any:
    if isinstance(node, CommentedMap):
        lines.setdefault(path, node.lc.line + 1)
        out = {}
        for key, value in node.items():
            child = (*path, key)
            key_line, _ = node.lc.key(key)
            lines[child] = key_line + 1
            out[str(key)] = _plain(value, child, lines)
        return out
    if isinstance(node, CommentedSeq):
        lines.setdefault(path, node.lc.line + 1)
        out_list = []
        for index, value in enumerate(node):
            child = (*path, index)
            lines[child] = node.lc.item(index)[0] + 1
            out_list.append(_plain(value, child, lines))
        return out_list
    if isinstance(node, str):
        return _joined_surrogates(str(node))
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        if abs(node) > _LARGEST:
            raise _NotANumber(path, "this number is larger than any field of GTM or GA4 takes")
        return int(node)
    if isinstance(node, float):
        if not math.isfinite(node):
            raise _NotANumber(path, "NaN" if math.isnan(node) else "infinity (1e400 and the like read as infinity)")
        return float(node)
    return str(node)


_LARGEST = 2**63  # no field of GTM or GA4 takes more


class _NotANumber(Exception):
    """A NaN, an infinity (1e400 reads as one) or an integer past any API's range, at a path."""


def _syntax_problem(error: MarkedYAMLError, text: str, file: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    if error.context_mark and mark and mark.line >= len(text.splitlines()):
        mark = error.context_mark  # an unclosed bracket: point where it opened, not past the end
    line = mark.line + 1 if mark else None
    what = " ".join(str(p) for p in (error.context, error.problem) if p)
    return Problem(f"invalid YAML: {what}. Fix the syntax at this line.", file, line)


def _refuse_shared(data: Any, file: str) -> None:
    """Aliases load as one object reachable twice; refuse that before anything walks the data (a
    billion-laughs document is small until something expands it)."""
    seen: set[int] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)):
            if id(item) in seen:
                raise GoalkeeperError(Problem("YAML aliases (*name) are not allowed; write the value out", file))
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)


def _json_scalars(data: Any) -> Any:
    if isinstance(data, dict):
        return {_joined_surrogates(str(k)): _json_scalars(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_json_scalars(v) for v in data]
    if isinstance(data, str):
        return _joined_surrogates(data)
    if data is None or isinstance(data, (bool, int, float)):
        return data
    return str(data)  # dates and other YAML types: as the text they were written as


def _generated_loader(pure: bool) -> YAML:
    yaml = YAML(typ="safe", pure=pure)
    yaml.allow_duplicate_keys = False
    return yaml


def _c_loader_or_none() -> YAML | None:
    """ruamel's safe loader on its C parser (ruamel.yaml.clib, libyaml): the same YAML 1.2 resolver
    and constructor as the pure-Python one, about five times faster to parse. None where the C
    extension is not installed (a platform without its wheel), and goalkeeper parses in Python."""
    loader = _generated_loader(pure=False)
    return loader if "clib" in getattr(loader.Parser, "__module__", "") else None


# The loader rendered templates are read with: C-backed where available (``C_LOADER`` is None
# otherwise). Kept per process: building one costs more than parsing a goal's output.
C_LOADER = _c_loader_or_none()
_PURE_LOADER = _generated_loader(pure=True)


def parse_generated(text: str, file: str, *, pure: bool = False) -> Any:
    """Parse YAML that goalkeeper produced itself (a rendered kind template): plain data, no line
    map, many times faster than ``parse_yaml``; aliases and duplicate keys still refused. The C
    parser reads it unless ``pure`` or unavailable; what it refuses, the pure-Python parser reads
    again, so both accept the same documents and report the same errors (libyaml refuses the
    escaped surrogate pairs ``tojson`` writes for characters beyond U+FFFF, which YAML 1.2 allows)."""
    if not pure and C_LOADER is not None:
        try:
            data = C_LOADER.load(text)
        except Exception:  # read again below, where the error is reported
            pass
        else:
            _refuse_shared(data, file)
            return _json_scalars(data)
    try:
        data = _PURE_LOADER.load(text)
    except MarkedYAMLError as error:
        raise GoalkeeperError(_syntax_problem(error, text, file)) from None
    except Exception as error:  # unmarked ruamel errors (duplicate keys)
        raise GoalkeeperError(Problem(f"invalid YAML: {error}", file)) from None
    _refuse_shared(data, file)
    return _json_scalars(data)


class _Unusual(Exception):
    """Something the fast reading of a goal file leaves to the round-trip loader."""


_STR, _INT, _FLOAT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))


def _fast_scalar(event: ScalarEvent) -> Any:
    """A plain scalar's value as the round-trip loader reads it (YAML 1.2, ruamel's resolver)."""
    if event.tag is not None or C_LOADER is None:
        raise _Unusual  # an explicit tag
    tag = C_LOADER.resolver.resolve(ScalarNode, event.value, event.implicit)
    if tag == _STR:
        return event.value
    if tag == _NULL:
        return None
    if tag in (_INT, _FLOAT, _BOOL):
        return C_LOADER.constructor.construct_object(ScalarNode(tag, event.value), deep=True)
    raise _Unusual  # a timestamp, a merge key, a set…


def _fast_node(event: Any, events: Iterator[Any], path: DataPath, lines: dict[DataPath, int]) -> Any:
    if isinstance(event, ScalarEvent):
        return _fast_scalar(event)
    if isinstance(event, SequenceStartEvent) and event.tag is None:
        lines.setdefault(path, event.start_mark.line + 1)
        items: list[Any] = []
        for item in events:
            if isinstance(item, SequenceEndEvent):
                return items
            child = (*path, len(items))
            lines[child] = item.start_mark.line + 1
            items.append(_fast_node(item, events, child, lines))
    if isinstance(event, MappingStartEvent) and event.tag is None:
        lines.setdefault(path, event.start_mark.line + 1)
        mapping: dict[str, Any] = {}
        keys: set[Any] = set()  # as loaded: the loader takes 1 and true for the same key, as Python does
        for key in events:
            if isinstance(key, MappingEndEvent):
                return mapping
            name = _fast_scalar(key) if isinstance(key, ScalarEvent) else None
            if not isinstance(name, (str, int)) or name in keys or str(name) in mapping:
                raise _Unusual  # a complex key, or a duplicate (the loader words the error)
            keys.add(name)
            child = (*path, name)  # the loaded key, as the round-trip reading keeps it
            lines[child] = key.start_mark.line + 1
            mapping[str(name)] = _fast_node(next(events), events, child, lines)
    raise _Unusual  # an alias, a tagged collection


def _fast_source(text: str, file: str) -> Source | None:
    """The goal file read from libyaml's events in one pass (ruamel.yaml.clib): the same data and
    lines as the round-trip loader, in a fraction of its time. None for anything it leaves to
    that loader (which reports errors, aliases and duplicate keys in its own words): a syntax
    error, an alias, a duplicate or complex key, a tag, a directive, a scalar of another type."""
    if C_LOADER is None:
        return None
    lines: dict[DataPath, int] = {}
    try:
        events = iter(C_LOADER.parse(text))
        if not isinstance(next(events), StreamStartEvent):
            return None
        start = next(events)
        if not isinstance(start, DocumentStartEvent) or start.version or start.tags:
            return None
        data = _fast_node(next(events), events, (), lines)
        if not isinstance(next(events), DocumentEndEvent) or not isinstance(next(events), StreamEndEvent):
            return None
    except Exception:  # _Unusual, or anything libyaml refuses
        return None
    return Source(file, _json_scalars(data), lines)


# Where brackets and quotes matter, for the nesting check before parsing.
_FLOW_CHARACTERS = re.compile(r"""[\[\]{}'"#\n\\]""")
_QUOTE_OPENERS = " \t\n[{,:-"
_DEEP_INDENT = re.compile(rf"^ {{{4 * MAX_DEPTH},}}\S", re.MULTILINE)
# The YAML tags a goal file may spell out (!!str 5); anything else (!!python/..., !custom) is refused.
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")}


def _too_deep(text: str, file: str) -> Problem | None:
    """Nesting deeper than MAX_DEPTH, found before parsing: the YAML parser takes minutes over a
    few thousand nested brackets. Counts brackets outside quotes and comments, and indentation."""
    depth, quote, skip_to = 0, "", -1
    for match in _FLOW_CHARACTERS.finditer(text):
        at, character = match.start(), match.group()
        if at < skip_to:
            continue
        before = text[at - 1] if at else "\n"
        if quote:
            if character == "\\" and quote == '"':
                skip_to = at + 2
            elif character == quote:
                quote = ""
        elif character == "#" and before in " \t\n":
            end = text.find("\n", at)
            skip_to = len(text) if end < 0 else end
        elif character in "'\"" and before in _QUOTE_OPENERS:
            quote = character
        elif character in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, at) + 1
                return Problem(
                    f"lists and mappings nest more than {MAX_DEPTH} deep here; flatten the document", file, line
                )
        elif character in "]}":
            depth = max(0, depth - 1)
    deep = _DEEP_INDENT.search(text)
    if deep:
        line = text.count("\n", 0, deep.start()) + 1
        return Problem(f"indented more than {4 * MAX_DEPTH} columns; flatten the document", file, line)
    return None


def _event_problem(event: Any, depth: int, file: str) -> Problem | None:
    """What a goal file may not hold, seen in one parser event: an alias, a tag that is not plain
    data (!!python/object and the like), nesting deeper than MAX_DEPTH."""
    line = event.start_mark.line + 1 if event.start_mark else None
    if isinstance(event, AliasEvent):
        return Problem("YAML aliases (*name) are not allowed in goal files; write the value out", file, line)
    if isinstance(event, ScalarEvent) and event.value == "<<" and event.style is None:
        return Problem("YAML merge keys (<<) are not allowed in goal files; write the fields out", file, line)
    tag = getattr(event, "tag", None)
    if tag is not None and str(tag) not in _PLAIN_TAGS:
        shown = str(tag).replace("tag:yaml.org,2002:", "!!")
        return Problem(f"YAML tag {shown} is not allowed in goal files: write plain values", file, line)
    if depth > MAX_DEPTH:
        return Problem(f"lists and mappings nest more than {MAX_DEPTH} deep here; flatten the document", file, line)
    return None


def _finite(data: Any) -> bool:
    """Whether every number in ``data`` is one an API takes (no NaN, infinity or huge integer)."""
    if isinstance(data, dict):
        return all(_finite(v) for v in data.values())
    if isinstance(data, list):
        return all(_finite(v) for v in data)
    if isinstance(data, float):
        return math.isfinite(data)
    return not isinstance(data, int) or isinstance(data, bool) or abs(data) <= _LARGEST


def parse_yaml(text: str, file: str, *, pure: bool = False) -> Source:
    """Parse one YAML document safely, in one pass: from libyaml's events where it can (see
    ``_fast_source``), else (or when ``pure``) with ruamel's round-trip loader. Aliases are refused
    before anything is expanded, so a billion-laughs document fails at once instead of eating
    memory; so are deep nesting (before parsing), tags that are not plain data, and numbers no API
    takes (NaN, infinity, 1e400): the round-trip reading reports those with their line."""
    problem = _too_deep(text, file)
    if problem:
        raise GoalkeeperError(problem)
    fast = None if pure else _fast_source(text, file)
    if fast is not None and _finite(fast.data):
        return fast
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        depth = 0
        for event in yaml.parse(text):
            depth += isinstance(event, CollectionStartEvent) - isinstance(event, CollectionEndEvent)
            problem = _event_problem(event, depth, file)
            if problem:
                raise GoalkeeperError(problem)
        document = yaml.load(text)
    except MarkedYAMLError as error:
        raise GoalkeeperError(_syntax_problem(error, text, file)) from None
    except Exception as error:  # ruamel raises a few unmarked errors (duplicate keys, bad tags)
        if isinstance(error, GoalkeeperError):
            raise
        raise GoalkeeperError(Problem(f"invalid YAML: {error}", file)) from None
    lines: dict[DataPath, int] = {}
    try:
        data = _plain(document, (), lines)
    except _NotANumber as error:
        raise GoalkeeperError(
            Problem(
                f"not a number GTM or GA4 can take: {error.args[1]}; write a finite number",
                file,
                lines.get(error.args[0]),
            )
        ) from None
    return Source(file, data, lines)


def load_yaml(path: Path, what: str = "goal file", limit: int = MAX_GOAL_FILE) -> Source:
    """The YAML document in the regular file ``path`` (at most ``limit`` bytes), parsed."""
    try:
        text = read_input(path, what, limit).decode("utf-8")
    except UnicodeDecodeError as error:
        raise GoalkeeperError(
            Problem(f"not UTF-8 text (byte {error.start}); save the goal file as UTF-8", str(path))
        ) from None
    return parse_yaml(text, str(path))
