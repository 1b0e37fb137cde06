"""Loading a goal file: YAML with positions → schema validation → checks → typed GoalFile.

Every problem found is collected and reported together, each with its file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import jsonschema

from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.goals import checks
from goalkeeper.goals.kinds import Kind
from goalkeeper.goals.model import COUNTING, Goal, GoalFile, KeyEventSpec, file_schema
from goalkeeper.goals.source import Source, load_yaml, parse_yaml

_HINTS = {
    "required": "add it",
    "additionalProperties": "remove it, or check its spelling",
    "type": "change its type",
    "enum": "use one of the listed values",
    "pattern": "fix its format",
    "oneOf": "see `goalkeeper schema` for the accepted forms",
}


def _describe(path: tuple, source: Source) -> str:
    if len(path) >= 2 and path[0] == "goals" and isinstance(path[1], int):
        goals = source.data.get("goals") or []
        goal = goals[path[1]] if path[1] < len(goals) and isinstance(goals[path[1]], dict) else {}
        where = f"goal {goal.get('name', '#' + str(path[1] + 1))!r}"
        rest = ".".join(str(p) for p in path[2:])
        return f"{where}, field {rest!r}" if rest else where
    return ".".join(str(p) for p in path) or "the file"


def _schema_problem(error: jsonschema.ValidationError, source: Source) -> Problem:
    path = tuple(error.absolute_path)
    message = error.message
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        # Point at the unexpected key itself, not at the mapping holding it.
        known = error.schema.get("properties", {})
        path += tuple(k for k in error.instance if k not in known)[:1]
    if error.validator == "oneOf" and error.context:
        message = jsonschema.exceptions.best_match(error.context).message
    hint = _HINTS.get(str(error.validator), "fix it")
    return source.problem(path, f"{_describe(path, source)}: {message}; {hint}")


def _unknown_kind(goal: Mapping[str, Any], index: int, kinds: Mapping[str, Kind], source: Source) -> Problem:
    known = ", ".join(sorted(kinds))
    return source.problem(("goals", index, "kind"),
                          f"goal {goal.get('name', '#' + str(index + 1))!r}: unknown kind {goal.get('kind')!r}; "
                          f"use one of: {known} (`goalkeeper kinds` describes them)")


def _schema_problems(source: Source, kinds: Mapping[str, Kind]) -> list[Problem]:
    validator = jsonschema.Draft202012Validator(file_schema(kinds))
    problems = []
    goals = source.data.get("goals") if isinstance(source.data, dict) else None
    for error in sorted(validator.iter_errors(source.data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(error.absolute_path)
        if len(path) == 3 and path[0] == "goals" and path[2] == "kind" and isinstance(goals, list):
            problems.append(_unknown_kind(goals[path[1]], path[1], kinds, source))
        else:
            problems.append(_schema_problem(error, source))
    return problems


def _key_event(value: Any, defaults: Mapping[str, Any]) -> KeyEventSpec | None:
    if value is None or value is False:
        return None
    settings = value if isinstance(value, dict) else {}
    return KeyEventSpec(
        counting=COUNTING[settings.get("counting", "once_per_event")],
        value=settings.get("value"),
        currency=settings.get("currency", defaults.get("currency", "USD")),
    )


def _dimensions(value: list) -> tuple[dict[str, str], ...]:
    out = []
    for item in value:
        parameter = item if isinstance(item, str) else item["parameter"]
        display = parameter.replace("_", " ").capitalize() if isinstance(item, str) else item.get(
            "display_name", parameter.replace("_", " ").capitalize())
        out.append({"parameterName": parameter, "displayName": display})
    return tuple(out)


def _goal(raw: Mapping[str, Any], index: int, kind: Kind, source: Source, defaults: Mapping[str, Any]) -> Goal:
    common = {"name", "kind", "category", "event_name", "key_event", "params", "dimensions", "description"}
    return Goal(
        name=raw["name"],
        kind=raw["kind"],
        category=raw.get("category", kind.category),
        event_name=raw.get("event_name") or kind.event.replace("{goal}", raw["name"]),
        inputs={k: v for k, v in raw.items() if k not in common},
        key_event=_key_event(raw.get("key_event"), defaults),
        params=raw.get("params", {}),
        dimensions=_dimensions(raw.get("dimensions", [])),
        description=raw.get("description", ""),
        line=source.line_of(("goals", index)),
    )


def _goal_problems(goal: Goal, index: int, kind: Kind, source: Source) -> list[Problem]:
    here = ("goals", index)
    # Without its own event_name, a goal's event is named after the goal: point at its name.
    named_at = (*here, "event_name") if (*here, "event_name") in source.lines else (*here, "name")
    problems = [source.problem(named_at, f"goal {goal.name!r}: {p}")
                for p in checks.ga4_name_problems(goal.event_name)]
    for param, value in goal.params.items():
        problems += [source.problem((*here, "params", param), f"goal {goal.name!r}: {p}")
                     for p in checks.ga4_name_problems(param, "GA4 parameter name")]
        if len(str(value)) > checks.MAX_PARAMETER_VALUE and "{{" not in str(value):
            problems.append(source.problem((*here, "params", param),
                                           f"goal {goal.name!r}: value of parameter {param!r} is longer than GA4's {checks.MAX_PARAMETER_VALUE} characters"))
    for position, dimension in enumerate(goal.dimensions):
        problems += [source.problem((*here, "dimensions", position), f"goal {goal.name!r}: {p}")
                     for p in checks.ga4_name_problems(dimension["parameterName"], "GA4 parameter name")]
    for field, check in kind.checks.items():
        # A dotted field (page.path_regex) names an input nested in another.
        path = tuple(field.split("."))
        values: Any = goal.inputs
        for part in path:
            values = values.get(part) if isinstance(values, Mapping) else None
        for value in values if isinstance(values, list) else [values] if values is not None else []:
            problem = checks.regex_problem(str(value)) if check == "regex" else checks.css_selector_problem(str(value))
            if problem:
                problems.append(source.problem((*here, *path), f"goal {goal.name!r}: {problem}"))
    return problems


def _file_problems(goals: list[Goal], source: Source) -> list[Problem]:
    problems = []
    for name in sorted(checks.duplicates(g.name for g in goals)):
        later = [i for i, g in enumerate(goals) if g.name == name][1:]
        problems += [source.problem(("goals", i, "name"), f"goal name {name!r} is used more than once; goal names must be unique")
                     for i in later]
    key_events = {g.event_name for g in goals if g.key_event}
    if len(key_events) > checks.MAX_KEY_EVENTS:
        problems.append(source.problem(("goals",), f"{len(key_events)} goals are key events; a GA4 property allows at most {checks.MAX_KEY_EVENTS}"))
    by_event: dict[str, Goal] = {}
    for index, goal in enumerate(goals):
        first = by_event.setdefault(goal.event_name, goal)
        if first is not goal and (first.kind != goal.kind or first.key_event != goal.key_event):
            problems.append(source.problem(("goals", index), (
                f"goals {first.name!r} and {goal.name!r} both send the GA4 event {goal.event_name!r} but "
                f"mean different things (kind or key-event settings differ); give one its own event_name")))
    return problems


def parse_goal_file(source: Source, kinds: Mapping[str, Kind]) -> GoalFile:
    if not isinstance(source.data, dict):
        raise GoalkeeperError(source.problem((), "a goal file must be a YAML mapping with a `goals:` list"))
    problems = _schema_problems(source, kinds)
    defaults = source.data.get("defaults") or {}
    goals: list[Goal] = []
    raw_goals = source.data.get("goals") if isinstance(source.data.get("goals"), list) else []
    failing = {p.line for p in problems}
    for index, raw in enumerate(raw_goals):
        if not isinstance(raw, dict) or raw.get("kind") not in kinds or not isinstance(raw.get("name"), str):
            continue
        goal = _goal(raw, index, kinds[raw["kind"]], source, defaults)
        goals.append(goal)
        if not any(source.line_of(("goals", index)) == line for line in failing):
            problems += _goal_problems(goal, index, kinds[goal.kind], source)
    problems += _file_problems(goals, source)
    if problems:
        raise GoalkeeperError(problems)
    return GoalFile(
        path=source.file,
        target=source.data.get("target") or {},
        goals=tuple(goals),
        defaults=defaults,
        safety=source.data.get("safety") or {},
    )


def load_goal_file(path: Path, kinds: Mapping[str, Kind]) -> GoalFile:
    return parse_goal_file(load_yaml(path), kinds)


def parse_goal_text(text: str, kinds: Mapping[str, Kind], file: str = "goals.yaml") -> GoalFile:
    return parse_goal_file(parse_yaml(text, file), kinds)
