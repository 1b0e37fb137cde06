"""Loading a goal file: YAML with positions → schema validation → checks → typed GoalFile.

Every problem found is collected and reported together, each with its file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema

from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.evaluate import Example
from goalkeeper.core.ownership import OWNER_PATTERN
from goalkeeper.goals import adopted, checks
from goalkeeper.goals.kinds import Kind
from goalkeeper.goals.model import (
    COMMON_PROPERTIES,
    COUNTING,
    NAME_PATTERN,
    Goal,
    GoalExample,
    GoalFile,
    KeyEventSpec,
    file_schema,
    goal_schema,
)
from goalkeeper.goals.source import DataPath, Source, load_yaml, parse_yaml

_HINTS = {
    "required": "add it",
    "additionalProperties": "remove it, or check its spelling",
    "type": "change its type",
    "enum": "use one of the listed values",
    "pattern": "fix its format",
    "oneOf": "see `goalkeeper schema` for the accepted forms",
}


# Patterns of the goal-file schema, in words.
_PATTERN_WORDS = {
    NAME_PATTERN: "must start with a letter and hold only letters, digits and _",
    r"^G-[A-Z0-9]+$": "is not a GA4 measurement id (G- followed by capitals and digits)",
    "^[A-Z]{3}$": "is not an ISO 4217 currency code (three capitals, e.g. USD)",
    r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$": (
        "is not a domain name (such as example.com: labels of letters, digits and -, joined by dots)"
    ),
    f"^{OWNER_PATTERN}$": (
        "is not a short owner id (up to 64 letters, digits, _ . / -, starting and ending with a letter, "
        "digit or _; e.g. shop-tracking)"
    ),
}


def _describe(path: DataPath, source: Source) -> str:
    if len(path) >= 2 and path[0] == "goals" and isinstance(path[1], int):
        goals = source.data.get("goals") or []
        goal = goals[path[1]] if path[1] < len(goals) and isinstance(goals[path[1]], dict) else {}
        where = f"goal {goal.get('name', '#' + str(path[1] + 1))!r}"
        rest = ".".join(str(p) for p in path[2:])
        return f"{where}, field {rest!r}" if rest else where
    return ".".join(str(p) for p in path) or "the file"


def _one_of_inputs(error: jsonschema.ValidationError) -> list[str] | None:
    """The fields of a kind's ``one_of`` when ``error`` is about it (a oneOf of bare requireds)."""
    branches = error.validator_value if error.validator == "oneOf" else None
    if isinstance(branches, list) and all(set(b) == {"required"} for b in branches):
        return [b["required"][0] for b in branches]
    return None


def _rule_message(error: jsonschema.ValidationError) -> str | None:
    """The message of the kind's rule that ``error`` broke (see goalkeeper.goals.kinds), if any."""
    for schema in (error.schema, *(e.schema for e in error.context or ())):
        if isinstance(schema, dict) and isinstance(schema.get("errorMessage"), str):
            return schema["errorMessage"]
    return None


def _schema_problem(error: jsonschema.ValidationError, source: Source) -> Problem:
    path = tuple(error.absolute_path)
    message = error.message
    rule = _rule_message(error)
    if rule:
        return source.problem(path, f"{_describe(path, source)}: {rule}")
    one_of = _one_of_inputs(error)
    if one_of:
        given = [f for f in one_of if isinstance(error.instance, dict) and f in error.instance]
        found = f"it has {', '.join(given)}" if given else "it has none"
        return source.problem(path, f"{_describe(path, source)}: give exactly one of {', '.join(one_of)} ({found})")
    if len(path) == 2 and path[0] == "entities" and error.validator == "oneOf":
        words = sorted(adopted.KIND_WORDS)
        given = [w for w in words if isinstance(error.instance, dict) and w in error.instance]
        found = f"it has {', '.join(given)}" if given else "it has none"
        return source.problem(
            path,
            f"entities[{path[1]}]: an entity starts with exactly one of {', '.join(words)}, naming it ({found})",
        )
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        # Point at the unexpected key itself, not at the mapping holding it.
        known = error.schema.get("properties", {})
        path += tuple(k for k in error.instance if k not in known)[:1]
    if error.validator == "oneOf" and error.context:
        # Of the forms that did not fit, report the one that got furthest: for
        # `key_event: {counting: sometimes}` that is the object's bad value, not "not a boolean".
        closest = max(error.context, key=lambda e: (len(e.relative_path), e.validator != "type"))
        if len(closest.relative_path):
            return _schema_problem(closest, source)
        message = closest.message
    if error.validator == "pattern" and error.validator_value in _PATTERN_WORDS:
        message = f"{error.instance!r} {_PATTERN_WORDS[error.validator_value]}"
    hint = _HINTS.get(str(error.validator), "fix it")
    return source.problem(path, f"{_describe(path, source)}: {message}; {hint}")


def _unknown_kind(goal: Mapping[str, Any], index: int, kinds: Mapping[str, Kind], source: Source) -> Problem:
    known = ", ".join(sorted(kinds))
    return source.problem(
        ("goals", index, "kind"),
        f"goal {goal.get('name', '#' + str(index + 1))!r}: unknown kind {goal.get('kind')!r}; "
        f"use one of: {known} (`goalkeeper kinds` describes them)",
    )


def _schema_errors(data: Any, kinds: Mapping[str, Kind]) -> list[jsonschema.ValidationError]:
    """What ``file_schema(kinds)`` finds wrong with ``data``, found faster: the file without its
    goals' per-kind branches, then each goal against its own kind's schema only (the branch the
    file schema's ``if kind == …`` selects), its errors' paths prefixed as the file's would be."""
    schema = file_schema(kinds)
    goals_schema = schema["properties"]["goals"]
    items = {k: v for k, v in goals_schema["items"].items() if k != "allOf"}
    schema["properties"] = {**schema["properties"], "goals": {**goals_schema, "items": items}}
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    goals = data.get("goals") if isinstance(data, dict) else None
    by_kind: dict[str, jsonschema.protocols.Validator] = {}
    for index, goal in enumerate(goals if isinstance(goals, list) else []):
        kind = goal.get("kind") if isinstance(goal, dict) else None
        if not isinstance(kind, str) or kind not in kinds:
            continue
        if kind not in by_kind:
            by_kind[kind] = jsonschema.Draft202012Validator(goal_schema(kinds[kind]))
        for error in by_kind[kind].iter_errors(goal):
            error.path.extendleft(reversed(("goals", index)))  # as jsonschema's own descent does
            errors.append(error)
    return errors


def _schema_problems(source: Source, kinds: Mapping[str, Kind]) -> tuple[list[Problem], set[int]]:
    """Every schema violation, and the positions of the goals that have one."""
    problems = []
    broken: set[int] = set()
    goals = source.data.get("goals") if isinstance(source.data, dict) else None
    for error in sorted(_schema_errors(source.data, kinds), key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(error.absolute_path)
        if len(path) >= 2 and path[0] == "goals" and isinstance(path[1], int):
            broken.add(path[1])
        if len(path) == 3 and path[0] == "goals" and path[2] == "kind" and isinstance(goals, list):
            problems.append(_unknown_kind(goals[path[1]], path[1], kinds, source))
        else:
            problems.append(_schema_problem(error, source))
    # A field checked by two parts of the schema (a goal's name) is one problem, reported once.
    return list(dict.fromkeys(problems)), broken


def _key_event(value: Any, defaults: Mapping[str, Any]) -> KeyEventSpec | None:
    if value is None or value is False:
        return None
    settings = value if isinstance(value, dict) else {}
    return KeyEventSpec(
        counting=COUNTING[settings.get("counting", "once_per_event")],
        value=settings.get("value"),
        currency=settings.get("currency", defaults.get("currency", "USD")),
    )


def _dimensions(value: list[Any]) -> tuple[dict[str, str], ...]:
    out = []
    for item in value:
        parameter = item if isinstance(item, str) else item["parameter"]
        display = (
            parameter.replace("_", " ").capitalize()
            if isinstance(item, str)
            else item.get("display_name", parameter.replace("_", " ").capitalize())
        )
        out.append({"parameterName": parameter, "displayName": display})
    return tuple(out)


# {goal} or {some_input} in a kind's default event name; GTM's {{References}} are left alone.
_EVENT_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def default_event_name(kind: Kind, raw: Mapping[str, Any]) -> str:
    """The kind's ``event`` with ``{goal}`` → the goal's name and ``{field}`` → that input."""
    if not kind.sends_events:
        return ""
    values = {**{k: v for k, v in raw.items() if isinstance(v, str)}, "goal": raw["name"]}
    return _EVENT_PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), kind.event)


def _goal(raw: Mapping[str, Any], index: int, kind: Kind, source: Source, defaults: Mapping[str, Any]) -> Goal:
    common = set(COMMON_PROPERTIES)
    return Goal(
        name=raw["name"],
        kind=raw["kind"],
        category=raw.get("category", kind.category),
        event_name=raw.get("event_name") or default_event_name(kind, raw),
        inputs={k: v for k, v in raw.items() if k not in common},
        key_event=_key_event(raw.get("key_event"), defaults),
        params=raw.get("params", {}),
        dimensions=_dimensions(raw.get("dimensions", [])),
        description=raw.get("description", ""),
        line=source.line_of(("goals", index)),
        index=index,
        external=bool(raw.get("external", False)),
        shared_event=bool(raw.get("shared_event", False)),
        adopted=raw.get("adopted") or {},
        adopted_lines={key: source.line_of(("goals", index, "adopted", key)) for key in raw.get("adopted") or {}},
        examples=tuple(
            GoalExample(expect == "counts", spec, source.line_of(("goals", index, "examples", expect, position)))
            for expect in ("counts", "does_not_count")
            for position, spec in enumerate((raw.get("examples") or {}).get(expect, []))
        ),
    )


def _at(value: Any, dotted: str) -> list[tuple[DataPath, Any]]:
    """Every (relative data path, value) that a dotted input path such as ``page.path_regex``
    reaches in ``value``; lists on the way are walked item by item."""
    found: list[tuple[DataPath, Any]] = [((), value)]
    for key in dotted.split("."):
        step = []
        for path, item in found:
            items = list(enumerate(item)) if isinstance(item, list) else [(None, item)]
            for position, element in items:
                base = path if position is None else (*path, position)
                if isinstance(element, dict) and key in element:
                    step.append(((*base, key), element[key]))
        found = step
    out = []
    for path, item in found:  # a list at the end: check each value
        out += [((*path, i), v) for i, v in enumerate(item)] if isinstance(item, list) else [(path, item)]
    return out


def _input_check_problems(
    name: str, inputs: Mapping[str, Any], here: DataPath, kind: Kind, source: Source
) -> list[Problem]:
    """Regexes, CSS selectors and URLs among a goal's inputs that GTM or GA4 could not use, or that could never match."""
    problems = []
    for dotted, check in kind.checks.items():
        for path, value in _at(dict(inputs), dotted):
            if check in checks.CHECKS:
                field = next((str(p) for p in reversed(path) if isinstance(p, str)), dotted)
                problem = checks.CHECKS[check](str(value), field)
            else:
                problem = (
                    f"template of kind {kind.name!r} asks for an unknown check {check!r} "
                    f"(use one of {', '.join(checks.CHECKS)})"
                )
            if problem:
                problems.append(source.problem((*here, *path), f"goal {name!r}: {problem}"))
    return problems


def _goal_problems(goal: Goal, index: int, kind: Kind, source: Source) -> list[Problem]:
    here = ("goals", index)
    if not kind.sends_events:
        raw = source.data["goals"][index]
        return [
            source.problem(
                (*here, field),
                (
                    f"goal {goal.name!r}: {'an' if kind.name[:1] in 'aeiou' else 'a'} {kind.name} goal describes "
                    "visitors, not a hit: it sends no GA4 "
                    f"event, so {field} makes no sense; remove it (mark the events of the goals it builds on instead)"
                ),
            )
            for field in (
                "key_event",
                "event_name",
                "params",
                "dimensions",
                "external",
                "shared_event",
                "examples",
                "adopted",
            )
            if field in raw
        ] + _input_check_problems(goal.name, goal.inputs, here, kind, source)
    # Without its own event_name, a goal's event is named after the goal: point at its name.
    named_at = (*here, "event_name") if (*here, "event_name") in source.lines else (*here, "name")
    problems = [source.problem(named_at, f"goal {goal.name!r}: {p}") for p in checks.ga4_name_problems(goal.event_name)]
    if goal.external and goal.adopted:
        problems.append(
            source.problem(
                (*here, "adopted"),
                (
                    f"goal {goal.name!r} says `external: true`: goalkeeper makes no GTM entities for it, so "
                    "adopted has nothing to take over; remove adopted (or external, to manage its trigger and tag)"
                ),
            )
        )
    if goal.adopted and goal.params and any("parameter" in kept for kept in goal.adopted.values()):
        problems.append(
            source.problem(
                (*here, "params"),
                (
                    f"goal {goal.name!r}: its tag keeps its own parameters (adopted: … parameter), so params would "
                    "have no effect; add them to the kept eventSettingsTable, or remove parameter from adopted"
                ),
            )
        )
    if goal.external and goal.params:
        problems.append(
            source.problem(
                (*here, "params"),
                (
                    f"goal {goal.name!r} says `external: true`: goalkeeper makes no tag for it, so its params "
                    "would go nowhere; set them where the event is sent, and remove them here"
                ),
            )
        )
    if len(goal.params) > checks.MAX_EVENT_PARAMETERS:
        problems.append(
            source.problem(
                (*here, "params"),
                (
                    f"goal {goal.name!r} has {len(goal.params)} params; GA4 keeps at most "
                    f"{checks.MAX_EVENT_PARAMETERS} parameters per event"
                ),
            )
        )
    for param, value in goal.params.items():
        problems += [
            source.problem((*here, "params", param), f"goal {goal.name!r}: {p}")
            for p in checks.ga4_name_problems(param, "GA4 parameter name")
        ]
        if len(str(value)) > checks.MAX_PARAMETER_VALUE and "{{" not in str(value):
            problems.append(
                source.problem(
                    (*here, "params", param),
                    f"goal {goal.name!r}: value of parameter {param!r} is longer than GA4's {checks.MAX_PARAMETER_VALUE} characters",
                )
            )
    for position, dimension in enumerate(goal.dimensions):
        problems += [
            source.problem((*here, "dimensions", position), f"goal {goal.name!r}: {p}")
            for p in checks.ga4_name_problems(dimension["parameterName"], "GA4 parameter name")
        ]
    return (
        problems + _input_check_problems(goal.name, goal.inputs, here, kind, source) + _example_problems(goal, source)
    )


def _example_problems(goal: Goal, source: Source) -> list[Problem]:
    """Examples whose elements cannot be read (HTML with no element in it)."""
    problems = []
    for example in goal.examples:
        try:
            Example.from_spec(example.spec)
        except ValueError as error:
            problems.append(Problem(f"goal {goal.name!r}, example: {error}", source.file, example.line))
    return problems


def _file_problems(goals: list[Goal], raw_goals: list[Any], source: Source) -> list[Problem]:
    """Problems between goals. Paths use each goal's position in the file (goals the schema
    refused are not in ``goals``, so list positions would point at the wrong lines)."""
    problems = []
    named = [
        (i, raw["name"])
        for i, raw in enumerate(raw_goals)
        if isinstance(raw, dict) and isinstance(raw.get("name"), str)
    ]
    for name in sorted(checks.duplicates(n for _, n in named)):
        later = [i for i, n in named if n == name][1:]
        problems += [
            source.problem(
                ("goals", i, "name"), f"goal name {name!r} is used more than once; goal names must be unique"
            )
            for i in later
        ]
    key_events: dict[str, int] = {}
    for goal in goals:
        if goal.key_event:
            key_events.setdefault(goal.event_name, goal.index)
    if len(key_events) > checks.MAX_KEY_EVENTS:
        # Point at the key event that goes over the limit: the ones after it are the ones to drop.
        over = list(key_events.values())[checks.MAX_KEY_EVENTS]
        problems.append(
            source.problem(
                ("goals", over, "key_event"),
                (
                    f"{len(key_events)} goals are key events; a GA4 property allows at most "
                    f"{checks.MAX_KEY_EVENTS} (this is number {checks.MAX_KEY_EVENTS + 1})"
                ),
            )
        )
    return problems + _shared_event_problems(goals, source)


def _shared_event_problems(goals: list[Goal], source: Source) -> list[Problem]:
    """Goals sending one GA4 event must mean one thing: the same kind with the same key-event
    settings, or each of them saying ``shared_event: true`` (one event from several interactions,
    one key event for all: the settings of those that declare it must agree)."""
    problems = []
    by_event: dict[str, list[Goal]] = {}
    for goal in goals:
        if goal.event_name:  # a goal that sends no event (an audience) has none
            by_event.setdefault(goal.event_name, []).append(goal)
    for event, sending in by_event.items():
        first = sending[0]
        for goal in sending[1:]:
            if all(g.shared_event for g in (first, goal)):
                declared = [g for g in sending[: sending.index(goal)] if g.key_event]
                if goal.key_event and declared and declared[0].key_event != goal.key_event:
                    problems.append(
                        source.problem(
                            ("goals", goal.index, "key_event"),
                            (
                                f"goals {declared[0].name!r} and {goal.name!r} share the GA4 event {event!r} but "
                                "declare its key event differently; it is one key event: declare it the same way, "
                                "or on one of them only"
                            ),
                        )
                    )
            elif first.kind != goal.kind or first.key_event != goal.key_event:
                unshared = goal if not goal.shared_event else first
                problems.append(
                    source.problem(
                        ("goals", unshared.index),
                        (
                            f"goals {first.name!r} and {goal.name!r} both send the GA4 event {event!r} but mean "
                            "different things (kind or key-event settings differ); give one its own event_name, "
                            "or, when one event from several interactions is meant, say `shared_event: true` on "
                            "each of them"
                        ),
                    )
                )
    return problems


def _blank_problems(source: Source) -> list[Problem]:
    """Values of only spaces: GTM and GA4 would get an empty-looking condition, name or filter
    that matches everything or nothing; a description may be anything."""
    problems: list[Problem] = []
    todo: list[tuple[DataPath, Any]] = [((), source.data)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, dict):
            todo += [((*path, k), v) for k, v in value.items() if k != "description"]
        elif isinstance(value, list):
            todo += [((*path, i), v) for i, v in enumerate(value)]
        elif isinstance(value, str) and value and not value.strip():
            where = _describe(path, source)
            problems.append(
                source.problem(path, f"{where}: {value!r} is only blank space; give a value, or leave it out")
            )
    return sorted(problems, key=lambda p: p.line or 0)


def parse_goal_file(source: Source, kinds: Mapping[str, Kind]) -> GoalFile:
    if not isinstance(source.data, dict):
        raise GoalkeeperError(source.problem((), "a goal file must be a YAML mapping with a `goals:` list"))
    problems, broken = _schema_problems(source, kinds)
    problems += _blank_problems(source)
    defaults = source.data.get("defaults") or {}
    goals: list[Goal] = []
    listed = source.data.get("goals")
    raw_goals: list[Any] = listed if isinstance(listed, list) else []
    for index, raw in enumerate(raw_goals):
        if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str) or raw["kind"] not in kinds:
            continue  # the schema reported it
        if index in broken:
            # A goal the schema refused is not built, but its regexes and selectors are still
            # checked, so one run reports every problem.
            problems += _input_check_problems(
                str(raw.get("name", f"#{index + 1}")), raw, ("goals", index), kinds[raw["kind"]], source
            )
            continue
        goal = _goal(raw, index, kinds[raw["kind"]], source, defaults)
        goals.append(goal)
        problems += _goal_problems(goal, index, kinds[goal.kind], source)
    problems += _file_problems(goals, raw_goals, source)
    owner, owner_problems = _owner(source)
    problems += owner_problems
    entities, entity_problems = _adopted(source)
    problems += entity_problems
    if problems:
        raise GoalkeeperError(problems)
    return GoalFile(
        path=source.file,
        target=source.data.get("target") or {},
        goals=tuple(goals),
        defaults=defaults,
        safety=source.data.get("safety") or {},
        target_line=source.line_of(("target", "measurement_id")),
        owner=owner,
        entities=tuple(entities),
        adopt_unowned=bool(source.data.get("adopt_unowned", False)),
    )


def default_owner(file: str) -> str:
    """A goal file's owner when it sets none: its path relative to the root of the git work tree
    holding it (the folder with ``.git``, a directory or, in a linked work tree, a file), or its
    name when it is in none. ``goals/b2b.yaml`` stays ``goals/b2b.yaml`` from any working directory."""
    path = Path(file).resolve()
    root = next((folder for folder in path.parents if (folder / ".git").exists()), path.parent)
    return path.relative_to(root).as_posix()


def _owner(source: Source) -> tuple[str | None, list[Problem]]:
    written = source.data.get("owner")
    if written is not None:
        return str(written), []  # the schema checked it
    owner = default_owner(source.file)
    if re.fullmatch(OWNER_PATTERN, owner):
        return owner, []
    return None, [
        source.problem(
            (),
            f"the goal file's path {owner!r} cannot be its owner id (at most 64 letters, digits, _ . / -): "
            "set `owner:` at the top of the file to a short id, say `owner: shop-tracking`",
        )
    ]


def _adopted(source: Source) -> tuple[list[adopted.Adopted], list[Problem]]:
    """The ``entities:`` entries the schema accepted, and a problem for each one listed twice."""
    listed = source.data.get("entities")
    found: list[adopted.Adopted] = []
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for index, item in enumerate(listed if isinstance(listed, list) else []):
        if not isinstance(item, dict) or adopted.kind_word(item) is None:
            continue  # the schema said what is wrong with it
        entry = adopted.parse(item, source.line_of(("entities", index)))
        if (entry.kind, entry.name) in seen:
            problems.append(
                source.problem(
                    ("entities", index),
                    f"{adopted.KINDS[entry.kind].label} {entry.name!r} is listed twice in entities; keep one",
                )
            )
        seen.add((entry.kind, entry.name))
        found.append(entry)
    return found, problems


def load_goal_file(path: Path, kinds: Mapping[str, Kind]) -> GoalFile:
    return parse_goal_file(load_yaml(path), kinds)


def parse_goal_text(text: str, kinds: Mapping[str, Kind], file: str = "goals.yaml") -> GoalFile:
    return parse_goal_file(parse_yaml(text, file), kinds)
