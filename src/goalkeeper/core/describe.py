"""Readable fields of an entity body, so plans show field-level diffs a reviewer can read.

``fields(entity)`` (``body_fields(body)``) flattens a body into ordered ``label -> text`` pairs: a trigger condition reads
``Click URL contains "/checkout"``, a GA4 tag parameter ``eventSettingsTable[link_url]``, never a
raw JSON blob. Renderers print these pairs; the diff compares them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from goalkeeper.core import ownership
from goalkeeper.core.changes import FieldChange
from goalkeeper.core.kinds import EntityKind
from goalkeeper.core.model import Entity
from goalkeeper.core.vocabulary import Vocabulary

_CONDITION_WORDS = {
    "equals": "equals",
    "contains": "contains",
    "startsWith": "starts with",
    "endsWith": "ends with",
    "matchRegex": "matches RegEx",
    "cssSelector": "matches CSS selector",
    "urlMatches": "URL matches",
    "greater": "greater than",
    "greaterOrEquals": "greater than or equal to",
    "less": "less than",
    "lessOrEquals": "less than or equal to",
}
_NEGATED_WORDS = {
    "equals": "does not equal",
    "contains": "does not contain",
    "startsWith": "does not start with",
    "endsWith": "does not end with",
    "matchRegex": "does not match RegEx",
    "cssSelector": "does not match CSS selector",
}
_CONDITION_KEYS = ("filter", "autoEventFilter", "customEventFilter")
# Maps GA4 tags use for their tables: shown as table[name] = value.
_PAIR_KEYS = (("parameter", "parameterValue"), ("name", "value"))


def quote(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def condition_text(condition: Mapping[str, Any]) -> str:
    """A GTM condition as a sentence: ``Click URL contains "/checkout"``."""
    params = {p.get("key"): p.get("value") for p in condition.get("parameter", [])}
    ctype = condition.get("type", "")
    negate = params.get("negate") == "true"
    verb = (_NEGATED_WORDS if negate else _CONDITION_WORDS).get(ctype) or (("not " if negate else "") + ctype)
    subject = re.sub(r"^\{\{(.*)\}\}$", r"\1", str(params.get("arg0", "")))
    text = f"{subject} {verb} {quote(params.get('arg1', ''))}"
    if params.get("ignore_case") == "true":
        text += " (ignore case)"
    return text


def ga4_condition_text(condition: Mapping[str, Any]) -> str:
    """A GA4 matching condition: ``page_location starts with "/checkout"``."""
    ctype = str(condition.get("comparisonType", "EQUALS"))
    words = ctype.lower().replace("_case_insensitive", "").replace("_", " ")
    words = {"regular expression": "matches RegEx"}.get(words, words)
    text = f"{condition.get('field')} {'not ' if condition.get('negated') else ''}{words} {quote(condition.get('value', ''))}"
    if ctype.endswith("CASE_INSENSITIVE"):
        text += " (ignore case)"
    return text


def _parameter_value(param: Mapping[str, Any]) -> Any:
    ptype = param.get("type")
    if ptype == "list":
        return [_parameter_value(p) for p in param.get("list", [])]
    if ptype == "map":
        return {p.get("key"): _parameter_value(p) for p in param.get("map", [])}
    if ptype == "boolean":
        return param.get("value") == "true"
    return param.get("value")


def _flatten(label: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            _flatten(f"{label}.{key}" if label else str(key), item, out)
    elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        for index, item in enumerate(value):
            pair = next((p for p in _PAIR_KEYS if set(item) == set(p)), None)
            if pair:
                out[f"{label}[{item[pair[0]]}]"] = quote(item[pair[1]])
            else:
                _flatten(f"{label}[{index}]", item, out)
    elif isinstance(value, list):
        out[label] = ", ".join(quote(v) for v in value) if value else "(none)"
    else:
        out[label] = quote(value)


_SCOPES = {
    "AUDIENCE_FILTER_SCOPE_WITHIN_SAME_EVENT": "within one event",
    "AUDIENCE_FILTER_SCOPE_WITHIN_SAME_SESSION": "within one session",
    "AUDIENCE_FILTER_SCOPE_ACROSS_ALL_SESSIONS": "across all sessions",
}
_NUMERIC = {"EQUAL": "=", "LESS_THAN": "<", "GREATER_THAN": ">"}


def _number(value: Mapping[str, Any]) -> str:
    return str(value.get("int64Value", value.get("doubleValue", "")))


def _dimension_text(condition: Mapping[str, Any]) -> str:
    """A GA4 AudienceDimensionOrMetricFilter: ``eventCount > 2``, ``page_location contains "/blog"``."""
    name = str(condition.get("fieldName", "?"))
    if "stringFilter" in condition:
        text = condition["stringFilter"]
        match = str(text.get("matchType", "EXACT")).lower().replace("_", " ")
        words = {"exact": "equals", "full regexp": "matches RegEx", "partial regexp": "contains RegEx"}.get(
            match, match
        )
        return f"{name} {words} {quote(text.get('value', ''))}"
    if "numericFilter" in condition:
        numeric = condition["numericFilter"]
        return f"{name} {_NUMERIC.get(str(numeric.get('operation')), numeric.get('operation'))} {_number(numeric.get('value', {}))}"
    if "betweenFilter" in condition:
        between = condition["betweenFilter"]
        return f"{name} between {_number(between.get('fromValue', {}))} and {_number(between.get('toValue', {}))}"
    if "inListFilter" in condition:
        return f"{name} in {', '.join(quote(v) for v in condition['inListFilter'].get('values', []))}"
    return f"{name} {quote(condition)}"


def _expression_text(expression: Mapping[str, Any]) -> str:
    """A GA4 AudienceFilterExpression as words: groups joined with and/or, events and their parameters."""
    for group, joiner in (("andGroup", " and "), ("orGroup", " or ")):
        if group in expression:
            parts = [_expression_text(e) for e in expression[group].get("filterExpressions", [])]
            text = joiner.join(parts)
            return f"({text})" if len(parts) > 1 and group == "orGroup" else text
    if "notExpression" in expression:
        return f"not {_expression_text(expression['notExpression'])}"
    if "eventFilter" in expression:
        event = expression["eventFilter"]
        text = f"event {quote(event.get('eventName', ''))}"
        where = event.get("eventParameterFilterExpression")
        return f"{text} where {_expression_text(where)}" if where else text
    if "dimensionOrMetricFilter" in expression:
        return _dimension_text(expression["dimensionOrMetricFilter"])
    return quote(expression)


def audience_clause_text(clause: Mapping[str, Any]) -> str:
    """A GA4 audience filter clause as a sentence: ``include users across all sessions: event
    "article_view" where eventCount > 2``; a sequence lists its steps with "then"."""
    verb = "exclude" if clause.get("clauseType") == "EXCLUDE" else "include"
    if "sequenceFilter" in clause:
        sequence = clause["sequenceFilter"]
        steps = [_expression_text(s.get("filterExpression", {})) for s in sequence.get("sequenceSteps", [])]
        return f"{verb} users {_SCOPES.get(str(sequence.get('scope')), '')}: {' then '.join(steps)}"
    simple = clause.get("simpleFilter", {})
    return f"{verb} users {_SCOPES.get(str(simple.get('scope')), '')}: {_expression_text(simple.get('filterExpression', {}))}"


def _conditions(
    label: str, conditions: list[Mapping[str, Any]], render: Callable[[Mapping[str, Any]], str], out: dict[str, str]
) -> None:
    if len(conditions) == 1:
        out[label] = render(conditions[0])
    for index, condition in enumerate(conditions if len(conditions) > 1 else ()):
        out[f"{label}[{index}]"] = render(condition)


def fields(entity: Entity) -> dict[str, str]:
    """Ordered, human-readable fields of an entity's body."""
    return body_fields(entity.body)


def body_fields(body: Mapping[str, Any]) -> dict[str, str]:
    """Ordered ``label -> text`` pairs of a GTM or GA4 body (see the module docstring)."""
    out: dict[str, str] = {}
    # The type first and goalkeeper's notes last: what an entity is, then how, then who owns it.
    keys = sorted(body, key=lambda k: (k != "type", k in ("notes", "description"), 0))
    for key, value in ((k, body[k]) for k in keys):
        if key == "parameter":
            for param in value:
                _flatten(param.get("key", ""), _parameter_value(param), out)
        elif key in _CONDITION_KEYS:
            _conditions(key, value, condition_text, out)
        elif key == "eventConditions":
            _conditions("conditions", value, ga4_condition_text, out)
        elif key == "filterClauses" and isinstance(value, list):
            _conditions(key, value, audience_clause_text, out)
        elif key == "firingTrigger":
            out["firing triggers"] = ", ".join(quote(v) for v in value)
        elif isinstance(value, Mapping) and set(value) <= {"type", "value", "key"} and "type" in value:
            # top-level GTM Parameter fields such as waitForTags
            out[key] = quote(_parameter_value(value))
        else:
            _flatten(key, value, out)
    return out


def _parsed(text: str | None) -> Any:
    try:
        return json.loads(text) if text is not None else None
    except json.JSONDecodeError:  # a sentence (a condition), not a JSON value
        return text


def _marker(text: str | None) -> tuple[tuple[str, ...], tuple[str, ...], str | None] | None:
    """The goals, key events and owner goalkeeper's marker text names; None for any other text."""
    value = _parsed(text)
    if not isinstance(value, str) or not value.startswith(ownership.MARKER):
        return None
    return ownership.goals_in(value), ownership.key_events_in(value), ownership.owner_in(value)


def _names(what: str, names: tuple[str, ...], others: int) -> str:
    """``goals a, b and 8 more``: the names that differ, and a count for those both sides share."""
    if not names:
        return f"{others} {what}{'s' if others != 1 else ''}" if others else f"no {what}s"
    text = f"{what}{'s' if len(names) + others > 1 else ''} {', '.join(names)}"
    return text + (f" and {others} more" if others else "")


def marker_words(text: str | None, other: str | None = None) -> str | None:
    """goalkeeper's marker text, shortened to the goals (and key events) it lists: ``goalkeeper's,
    for goals a, b``; compared with ``other`` (the change's other end), names both list are only
    counted, so a shared entity's notes read ``goals c and 8 more -> 8 goals``; the owner is named
    when the two ends' owners differ (a marker adopted from an earlier goalkeeper reads ``no
    owner``), then the user's own text kept after it. Any other text as it was."""
    mine, theirs = _marker(text), _marker(other)
    if mine is None:
        return text
    owner = ""
    if theirs is not None and theirs[2] != mine[2]:
        owner = f" ({mine[2]})" if mine[2] else " (no owner)"
    shared_goals = set(mine[0]) & set(theirs[0]) if theirs else set()
    shared_events = set(mine[1]) & set(theirs[1]) if theirs else set()
    goals = tuple(g for g in mine[0] if g not in shared_goals)
    words = f"goalkeeper's{owner}, for " + _names("goal", goals, len(shared_goals))
    events = tuple(e for e in mine[1] if e not in shared_events)
    if events or shared_events:
        words += "; " + _names("key event", events, len(shared_events))
    value = _parsed(text)
    user = value.partition("\n\n")[2] if isinstance(value, str) else ""  # the user's own text after it
    return words + (f", then {json.dumps(user, ensure_ascii=False)}" if user else "")


def _label(vocabulary: Vocabulary, label: str) -> tuple[str, str]:
    """(the label in the interface's words, the field whose value words apply)."""
    if label in vocabulary.fields:
        return vocabulary.fields[label], label
    match = re.match(r"([^.\[]+)(.*)", label)
    head, rest = (match.group(1), match.group(2)) if match else (label, "")
    if head not in vocabulary.fields:
        return label, head
    key = re.fullmatch(r"\[([^\]]+)\]", rest)
    if key and not key.group(1).isdigit():
        rest = f" {key.group(1)}"  # eventSettingsTable[link_url]: Event parameter link_url
    return vocabulary.fields[head] + rest, head


def _value_words(words: Mapping[str, str] | None, text: str | None) -> str | None:
    value = _parsed(text)
    if words and isinstance(value, str) and value in words:
        return words[value]
    return text


def in_words(kind: EntityKind, item: FieldChange) -> FieldChange | None:
    """``item`` as GTM's and GA4's interfaces word it (their field labels and value names, see
    goalkeeper.core.vocabulary); goalkeeper's marker text shortened to the goals and key events it
    lists. None for the marker of an entity being created: a plan says it once, not per entity."""
    vocabulary = kind.vocabulary
    if item.label == kind.marker:
        before, after = marker_words(item.before, item.after), marker_words(item.after, item.before)
        if item.before is None and after != item.after:
            return None
        return FieldChange(vocabulary.marker, before, after)
    label, key = _label(vocabulary, item.label)
    words = vocabulary.values.get(key)
    return FieldChange(label, _value_words(words, item.before), _value_words(words, item.after))
