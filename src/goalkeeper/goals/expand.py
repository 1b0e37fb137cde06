"""Expansion: each goal, through its kind's template, into the GTM and GA4 entities that track it.

Templates describe entities in a short form (conditions as ``{type, arg0, arg1}``, parameters as a
mapping); this module turns that into the APIs' own shapes, adds what every goal gets the same way
(the measurement-id variable, key events, custom dimensions, ownership markers) and merges entities
that several goals share.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import jsonschema

from goalkeeper.core import gtm_body, ownership
from goalkeeper.core.builtins import BUILTIN_VARIABLE_NAMES, builtin_name
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.gtm_body import to_parameter, to_parameters
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.model import Entity, canonical_json
from goalkeeper.core.references import INVALID_NAME_CHARACTERS
from goalkeeper.core.state import State
from goalkeeper.goals import adopted
from goalkeeper.goals.adopted import adopted_entity
from goalkeeper.goals.checks import MAX_EVENT_PARAMETERS
from goalkeeper.goals.helpers import TEMPLATE_HELPERS
from goalkeeper.goals.kinds import Kind
from goalkeeper.goals.model import Goal, GoalFile
from goalkeeper.goals.source import parse_generated

# Jinja2 is imported by the first goal rendered: the commands that render none (--version, ci
# init, kinds, login) start without it.
if TYPE_CHECKING:
    from jinja2 import Template

    from goalkeeper.goals.sandbox import BudgetedSandbox

MEASUREMENT_ID_VARIABLE = "goalkeeper - GA4 Measurement ID"
MEASUREMENT_ID_REF = "{{" + MEASUREMENT_ID_VARIABLE + "}}"
GOOGLE_TAG = "goalkeeper - Google tag"
# Google's recommended trigger for the Google tag: it loads before any other tag fires.
GOOGLE_TAG_TRIGGER = "Initialization - All Pages"

_CONDITION_OPTIONS = ("ignore_case", "negate")


@functools.cache
def _environment() -> BudgetedSandbox:
    """The one sandbox every kind's template renders in, built on first use."""
    from goalkeeper.goals import sandbox

    env = sandbox.environment()
    env.globals.update(TEMPLATE_HELPERS)
    return env


@functools.lru_cache(maxsize=256)
def _compiled(source: str, path: str) -> Template:
    """A kind's template, compiled once however many goals use it; one that would load another
    file is refused (GoalkeeperError at its line)."""
    from goalkeeper.goals import sandbox

    return sandbox.compile_kind(_environment(), source, path)


# ---------------------------------------------------------------------------------------------
# Short forms → API shapes


def to_condition(condition: Mapping[str, Any]) -> dict[str, Any]:
    if "parameter" in condition:
        return dict(condition)
    params = [to_parameter("arg0", str(condition["arg0"])), to_parameter("arg1", str(condition["arg1"]))]
    params += [to_parameter(opt, True) for opt in _CONDITION_OPTIONS if condition.get(opt)]
    return {"type": condition["type"], "parameter": params}


def gtm_entity_body(kind: str, short: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for key, value in short.items():
        if key == "parameter":
            value = to_parameters(value)
        elif key in ("filter", "autoEventFilter", "customEventFilter"):
            value = [to_condition(c) for c in value]
        elif kind == "gtm.trigger" and key in gtm_body.TRIGGER_PARAMETER_FIELDS and not isinstance(value, Mapping):
            value = {k: v for k, v in to_parameter(None, value).items()}
        body[key] = value
    return gtm_body.normalize(body)


# ---------------------------------------------------------------------------------------------
# What a template may emit (docs/kinds.md), checked before anything is built from it


def _items(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _named(*required: str, **properties: Any) -> dict[str, Any]:
    names = {name: {"type": "string", "minLength": 1} for name in required}
    return {"type": "object", "required": list(required), "properties": {**names, **properties}}


_CONDITION = {"type": "object", "anyOf": [{"required": ["parameter"]}, {"required": ["type", "arg0", "arg1"]}]}
_PARAMETERS = {"anyOf": [{"type": "object"}, _items({"type": "object", "required": ["type"]})]}
_CONDITIONS = _items(_CONDITION)

OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "events": {"type": ["array", "null"], "items": {"type": ["string", "number"]}},
        "gtm": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {
                "builtin_variables": _items({"enum": sorted(BUILTIN_VARIABLE_NAMES)}),
                "variables": _items(_named("name", "type", parameter=_PARAMETERS)),
                "triggers": _items(
                    _named(
                        "name",
                        "type",
                        parameter=_PARAMETERS,
                        filter=_CONDITIONS,
                        autoEventFilter=_CONDITIONS,
                        customEventFilter=_CONDITIONS,
                    )
                ),
                "tags": _items(_named("name", "type", parameter=_PARAMETERS, firingTrigger=_items({"type": "string"}))),
            },
        },
        "ga4": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {
                "event_create_rules": _items(_named("destinationEvent")),
                "audiences": _items(_named("displayName")),
                "custom_dimensions": _items(_named("parameterName", "displayName")),
                "custom_metrics": _items(_named("parameterName", "displayName")),
            },
        },
    },
}


OUTPUT_VALIDATOR = jsonschema.Draft202012Validator(OUTPUT_SCHEMA)  # built once, used per goal


def _output_problems(kind: Kind, goal: Goal, output: Any) -> list[Problem]:
    """What is wrong with a template's rendered output, before any entity is built from it."""
    problems = []
    for error in sorted(OUTPUT_VALIDATOR.iter_errors(output), key=lambda e: list(map(str, e.absolute_path))):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        problems.append(
            Problem(
                f"template of kind {kind.name!r} rendered for goal {goal.name!r}: "
                f"{where + ': ' if where else ''}{error.message} (docs/kinds.md says what a template may emit)",
                kind.path,
            )
        )
    return problems


# ---------------------------------------------------------------------------------------------
# Rendering one goal


def _param_text(value: Any) -> str:
    # YAML true → GTM's "true", not Python's "True".
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _event_tag_helper(goal: Goal, event: str) -> Callable[..., dict[str, Any]]:
    def event_tag(
        trigger: str | Iterable[str],
        name: str | None = None,
        event_name: str | None = None,
        params: Mapping[str, Any] | None = None,
        ecommerce: bool = False,
    ) -> dict[str, Any]:
        """A GA4 Event tag (gaawe) sending the goal's event, with its parameters and the goal's
        extra parameters (which win on a clash), to the measurement id goalkeeper manages.
        ``ecommerce`` sends the dataLayer's ecommerce object (items, value, currency) too."""
        table = {
            **{k: str(v) for k, v in (params or {}).items()},
            **{k: _param_text(v) for k, v in goal.params.items()},
        }
        parameter: dict[str, Any] = {
            "eventName": event_name or event,
            "measurementIdOverride": MEASUREMENT_ID_REF,
            "sendEcommerceData": bool(ecommerce),
        }
        if ecommerce:
            parameter["getEcommerceDataFrom"] = "dataLayer"
        if table:
            parameter["eventSettingsTable"] = [{"parameter": k, "parameterValue": str(v)} for k, v in table.items()]
        triggers = [trigger] if isinstance(trigger, str) else list(trigger)
        return {
            "name": name or f"GA4 event - {goal.name}",
            "type": "gaawe",
            "firingTrigger": triggers,
            "parameter": parameter,
        }

    return event_tag


def render(kind: Kind, goal: Goal, file: GoalFile) -> dict[str, Any]:
    """Render a goal's template into its short-form entity description."""

    context = {  # the helpers are the environment's globals
        "goal": {**goal.inputs, "name": goal.name, "category": goal.category},
        "event": goal.event_name,
        "defaults": file.defaults,
        "event_tag": _event_tag_helper(goal, goal.event_name),
    }
    from jinja2.exceptions import SecurityError, TemplateError

    from goalkeeper.goals import sandbox

    try:
        template = _compiled(kind.source, kind.path)
        text = sandbox.render_within_budget(template, context)
    except SecurityError as error:
        raise GoalkeeperError(
            Problem(f"template of kind {kind.name!r} did something unsafe: {error}", kind.path)
        ) from None
    except ValueError as error:
        # A helper refused one of the goal's values (a regex GA4 cannot read the same way).
        raise GoalkeeperError(Problem(f"goal {goal.name!r}: {error}", file.path, goal.line)) from None
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        raise GoalkeeperError(
            Problem(f"template of kind {kind.name!r} failed for goal {goal.name!r}: {error}", kind.path, line)
        ) from None
    output = parse_generated(text, f"{kind.path} (rendered for goal {goal.name})") or {}
    if not isinstance(output, dict):
        raise GoalkeeperError(Problem(f"template of kind {kind.name!r} must render a YAML mapping", kind.path))
    problems = _output_problems(kind, goal, output)
    if problems:
        raise GoalkeeperError(problems)
    return output


# ---------------------------------------------------------------------------------------------
# Goal → entities


def _gtm_entities(goal: Goal, gtm: Mapping[str, Any]) -> list[Entity]:
    entities = [
        Entity("gtm.builtin_variable", builtin_name(t), {"type": t}, (goal.name,))
        for t in gtm.get("builtin_variables", [])
    ]
    for section, kind in (("variables", "gtm.variable"), ("triggers", "gtm.trigger"), ("tags", "gtm.tag")):
        for short in gtm.get(section, []):
            body = gtm_entity_body(kind, {k: v for k, v in short.items() if k != "name"})
            entities.append(Entity(kind, short["name"], body, (goal.name,)))
    return entities


def _ga4_entities(goal: Goal, ga4: Mapping[str, Any], events: list[str], file: GoalFile) -> list[Entity]:
    entities: list[Entity] = []
    for rule in ga4.get("event_create_rules", []):
        body = dict(rule)
        body.setdefault("sourceCopyParameters", True)
        body["parameterMutations"] = [
            *body.get("parameterMutations", []),
            {"parameter": ownership.GOAL_PARAMETER, "parameterValue": goal.name},
        ]
        entities.append(Entity("ga4.event_create_rule", body["destinationEvent"], body, (goal.name,)))
    for audience in ga4.get("audiences", []):
        entities.append(Entity("ga4.audience", audience["displayName"], dict(audience), (goal.name,)))
    for dimension in [*ga4.get("custom_dimensions", []), *goal.dimensions]:
        body = {
            "parameterName": dimension["parameterName"],
            "displayName": dimension["displayName"],
            "scope": dimension.get("scope", "EVENT"),
        }
        entities.append(Entity("ga4.custom_dimension", KINDS["ga4.custom_dimension"].name_of(body), body, (goal.name,)))
    for metric in ga4.get("custom_metrics", []):
        body = {
            "parameterName": metric["parameterName"],
            "displayName": metric["displayName"],
            "scope": "EVENT",
            "measurementUnit": metric.get("measurementUnit", "STANDARD"),
        }
        entities.append(Entity("ga4.custom_metric", body["parameterName"], body, (goal.name,)))
    if goal.key_event is not None and events:
        key_event: dict[str, Any] = {"eventName": events[0], "countingMethod": goal.key_event.counting}
        if goal.key_event.value is not None:
            key_event["defaultValue"] = {
                "numericValue": float(goal.key_event.value),
                "currencyCode": goal.key_event.currency,
            }
        entities.append(Entity("ga4.key_event", events[0], key_event, (goal.name,)))
    return entities


def _tag_problems(goal: Goal, entities: list[Entity], file: GoalFile) -> list[Problem]:
    problems = []
    for tag in (e for e in entities if e.kind == "gtm.tag"):
        table = next((p for p in tag.body.get("parameter", []) if p.get("key") == "eventSettingsTable"), None)
        count = len(table.get("list", [])) if table else 0
        if count > MAX_EVENT_PARAMETERS:
            problems.append(
                Problem(
                    f"goal {goal.name!r}: its tag {tag.name!r} sends {count} event parameters; GA4 keeps at most "
                    f"{MAX_EVENT_PARAMETERS} per event; drop some of its params",
                    file.path,
                    goal.line,
                )
            )
    return problems


def expand_goal(kind: Kind, goal: Goal, file: GoalFile) -> list[Entity]:
    """The entities one goal needs.

    A template may list its ``events`` (the first is the one a key event marks); without the list
    the goal sends its event name, unless its kind sends no events at all (audiences)."""
    output = render(kind, goal, file)
    if goal.external:
        # Something else sends the event: keep only what GA4 needs to count and report it.
        ga4 = output.get("ga4") or {}
        output = {**output, "gtm": None, "ga4": {k: v for k, v in ga4.items() if k != "event_create_rules"}}
    if "events" in output:
        events = [str(e) for e in output.get("events") or []]
    else:
        events = [goal.event_name] if kind.sends_events else []
    entities = _gtm_entities(goal, output.get("gtm") or {})
    problems = _tag_problems(goal, entities, file) + _hidden_inputs(kind, goal, file, output)
    entities, taken_over = _taken_over(
        goal, entities + _ga4_entities(goal, output.get("ga4") or {}, events, file), file
    )
    problems += taken_over
    if problems:
        raise GoalkeeperError(problems)
    if any(e.kind == "gtm.tag" and MEASUREMENT_ID_REF in str(e.body) for e in entities):
        entities.append(
            Entity(
                "gtm.variable",
                MEASUREMENT_ID_VARIABLE,
                gtm_entity_body("gtm.variable", {"type": "c", "parameter": {"value": file.measurement_id or ""}}),
                (goal.name,),
            )
        )
    return entities


# ---------------------------------------------------------------------------------------------
# Hand-made entities a goal took over (the goal's ``adopted:``)

# What decides when a trigger fires and which event a tag sends: the goal's alone. Of a trigger,
# every field the goal sets is its own too.
_GOALS_OWN = {"gtm.trigger": {"type", "parameter", *adopted.CONDITION_LISTS}, "gtm.tag": {"type", "firingTrigger"}}
_TAKEN_OVER_KINDS = ("gtm.tag", "gtm.trigger", "gtm.variable", "ga4.event_create_rule")


def _taken_over(goal: Goal, entities: list[Entity], file: GoalFile) -> tuple[list[Entity], list[Problem]]:
    """The goal's entities with its ``adopted:`` applied: each named one renamed to the hand-made
    entity's name (and every reference to it within the goal), its kept fields in place of the
    goal's. Problems for a name the goal does not make and for fields that are the goal's own."""
    if not goal.adopted:
        return entities, []
    made = {e.name for e in entities if e.kind in _TAKEN_OVER_KINDS}
    problems = [
        Problem(
            f"goal {goal.name!r}: adopted lists {name!r}, which the goal does not make; it makes "
            f"{', '.join(sorted(made))}",
            file.path,
            goal.adopted_lines.get(name, goal.line),
        )
        for name in goal.adopted
        if name not in made
    ]
    renamed = {old: str(kept.get("name", old)) for old, kept in goal.adopted.items() if old in made}
    out = []
    for entity in entities:
        body = _with_references_renamed(entity.body, renamed)
        kept = goal.adopted.get(entity.name) if entity.kind in _TAKEN_OVER_KINDS else None
        if kept is None:
            out.append(Entity(entity.kind, entity.name, body, entity.goals))
            continue
        kept_body = _kept_fields(body, kept) if entity.target == "gtm" else body
        found = _kept_problems(entity, body, kept, renamed[entity.name], kept_body)
        line = goal.adopted_lines.get(entity.name, goal.line)
        problems += [Problem(f"goal {goal.name!r}: adopted {entity.name!r} {p}", file.path, line) for p in found]
        out.append(Entity(entity.kind, renamed[entity.name], kept_body, entity.goals))
    return out, problems


def _kept_problems(
    entity: Entity, body: Mapping[str, Any], kept: Mapping[str, Any], name: str, kept_body: Mapping[str, Any]
) -> list[str]:
    """What is wrong with what a taken-over ``entity`` keeps (``kept``, giving ``kept_body``) and
    its hand-made ``name``: fields that are the goal's own, a name GTM refuses, a GA4 event tag
    left without a measurement ID."""
    own = sorted(
        k
        for k in kept
        if k in _GOALS_OWN.get(entity.kind, ())
        or (entity.kind != "gtm.tag" and k in body)
        or entity.kind == "ga4.event_create_rule"  # named by its event: it keeps nothing but its id
    )
    if entity.kind == "gtm.tag" and any(p.get("key") == "eventName" for p in adopted.parameters(kept.get("parameter"))):
        own = ["its eventName parameter"]
    problems = []
    if INVALID_NAME_CHARACTERS.search(name):
        problems.append(
            f"is named {name!r}, but GTM names may not contain : < > & \" or '; use the entity's name as GTM shows it"
        )
    if own:
        problems.append(
            f"keeps {', '.join(own)}, which the goal sets (it decides when the entity fires and what it sends); "
            "change the goal's inputs instead, or leave the entity in entities:"
        )
    elif _sends_nowhere(kept_body):
        problems.append(
            "keeps parameters without measurementIdOverride: GTM refuses a GA4 event tag that sends to no "
            "measurement ID; keep the tag's own, or remove parameter from adopted to send to the goal file's "
            "measurement_id"
        )
    return problems


def _hidden_inputs(kind: Kind, goal: Goal, file: GoalFile, output: Mapping[str, Any]) -> list[Problem]:
    """Inputs that only shape the goal's tag parameters, when ``adopted:`` keeps the tag's own
    (so the input would change nothing): found by rendering the goal without each of them."""
    if not any("parameter" in kept for kept in goal.adopted.values()):
        return []
    shown, whole = _beyond_tag_parameters(output), canonical_json(output)
    problems = []
    for name in (k for k in goal.inputs if k not in kind.required and k not in kind.one_of):
        without = dataclasses.replace(goal, inputs={k: v for k, v in goal.inputs.items() if k != name})
        try:
            other = render(kind, without, file)
        except (GoalkeeperError, TypeError, ValueError):  # the goal needs that input after all
            continue
        # Hidden: it changes the tag's parameters and nothing else (an input at its default changes nothing).
        if _beyond_tag_parameters(other) == shown and canonical_json(other) != whole:
            problems.append(
                Problem(
                    f"goal {goal.name!r}: {name} only shapes its tag's parameters, which adopted keeps as they are, "
                    "so it would change nothing; remove it, or remove parameter from adopted",
                    file.path,
                    goal.line,
                )
            )
    return problems


def _beyond_tag_parameters(output: Mapping[str, Any]) -> str:
    """A rendered goal without its tags' parameters and the variables they read."""
    gtm = dict(output.get("gtm") or {})
    gtm["tags"] = [{k: v for k, v in t.items() if k != "parameter"} for t in gtm.get("tags") or []]
    gtm.pop("variables", None)
    return canonical_json({**output, "gtm": gtm})


def _with_references_renamed(body: Mapping[str, Any], renamed: Mapping[str, str]) -> dict[str, Any]:
    """``body`` referring to the renamed triggers and variables by their new names."""
    if not renamed:
        return dict(body)
    text = canonical_json(body)
    for old, new in renamed.items():
        if old != new:
            text = text.replace(canonical_json("{{" + old + "}}")[1:-1], canonical_json("{{" + new + "}}")[1:-1])
    out: dict[str, Any] = json.loads(text)
    if "firingTrigger" in out:
        out["firingTrigger"] = [renamed.get(t, t) for t in out["firingTrigger"]]
    return out


def _sends_nowhere(body: Mapping[str, Any]) -> bool:
    """A GA4 event tag with no measurement ID: GTM's tag editor requires one, and the workspace
    API refuses the tag without it (``measurementIdOverride: The value must not be empty``, as the
    fake models it); an older tag's ``measurementId`` (a Configuration tag) counts."""
    if body.get("type") != "gaawe":
        return False
    params = {p.get("key"): p for p in body.get("parameter", ())}
    found = params.get("measurementIdOverride") or params.get("measurementId") or {}
    return not str(found.get("value") or "").strip()


def _kept_fields(body: Mapping[str, Any], kept: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` with the fields a taken-over entity keeps: a tag's ``parameter`` replaces all its
    parameters but the event name (same readable forms as ``entities:``, goalkeeper.goals.adopted)."""
    out = dict(body)
    for key, value in kept.items():
        if key == "name":
            continue
        if key == "parameter":
            event = [p for p in body.get("parameter", []) if p.get("key") == "eventName"]
            value = event + adopted.parameters(value)
        out[key] = value
    return gtm_body.normalize(out)


def _hand_made_names(file: GoalFile) -> set[tuple[str, str]]:
    """(goal, name) of every hand-made entity the goals of ``file`` took over (``adopted:``)."""
    return {(goal.name, str(kept.get("name", old))) for goal in file.goals for old, kept in goal.adopted.items()}


def taken_over_keys(file: GoalFile, desired: State) -> frozenset[tuple[str, str]]:
    """The (kind, name) of every entity the goal file adopts: its ``entities:``, and the hand-made
    entities its goals took over (``adopted:``), as ``desired`` names them."""
    names = _hand_made_names(file)
    return frozenset((a.kind, a.name) for a in file.entities) | frozenset(
        e.key for e in desired if e.kind in _TAKEN_OVER_KINDS and any((g, e.name) in names for g in e.goals)
    )


# ---------------------------------------------------------------------------------------------
# Sharing and markers


def merge(entities: Iterable[Entity], file: GoalFile | None = None) -> tuple[list[Entity], list[Problem]]:
    """One entity per (kind, name): goals that need the same entity share it; two goals that
    define the same name differently is a problem (at the line of the later goal in ``file``).
    Linear in the entities: each body's canonical form is computed once, and the goals of a
    shared entity are gathered before it is built."""
    lines = {g.name: g.line for g in file.goals} if file else {}
    first: dict[tuple[str, str], tuple[Entity, str]] = {}
    goals: dict[tuple[str, str], dict[str, None]] = {}
    problems: list[Problem] = []
    for entity in entities:
        seen = first.get(entity.key)
        body = canonical_json(entity.body)
        if seen is None:
            first[entity.key] = (entity, body)
            goals[entity.key] = dict.fromkeys(entity.goals)
        elif seen[1] == body:
            goals[entity.key].update(dict.fromkeys(entity.goals))
        else:
            problems.append(
                Problem(
                    f"goals {', '.join(sorted(goals[entity.key]))} and {', '.join(entity.goals)} both define "
                    f"{entity.entity_kind.label} {entity.name!r}, differently; give one of them another name or make "
                    "them agree",
                    file.path if file else None,
                    next((lines[g] for g in entity.goals if g in lines), None),
                )
            )
    merged = [
        entity
        if len(goals[key]) == len(entity.goals)
        else Entity(entity.kind, entity.name, entity.body, tuple(sorted(goals[key])))
        for key, (entity, _) in first.items()
    ]
    return merged, problems


def share_triggers(entities: list[Entity], keep: frozenset[str] = frozenset()) -> list[Entity]:
    """Goals whose triggers are identical share one: the trigger keeps the name the first goal
    gave it (a name in ``keep``, a hand-made trigger a goal took over, before any other), and the
    other goals' tags fire on that one instead of on a copy. Hand-made triggers stay themselves,
    even when identical: each keeps its id."""
    first_by_body: dict[str, str] = {}
    renamed: dict[str, str] = {}
    triggers = [e for e in entities if e.kind == "gtm.trigger"]
    for entity in sorted(triggers, key=lambda e: e.name not in keep):
        first = first_by_body.setdefault(canonical_json(entity.body), entity.name)
        if first != entity.name and entity.name not in keep:
            renamed[entity.name] = first
    if not renamed:
        return entities
    out = []
    for entity in entities:
        if entity.kind == "gtm.trigger" and entity.name in renamed:
            entity = Entity(entity.kind, renamed[entity.name], entity.body, entity.goals)
        elif entity.kind == "gtm.tag" and any(t in renamed for t in entity.body.get("firingTrigger", [])):
            body = dict(entity.body)
            body["firingTrigger"] = list(dict.fromkeys(renamed.get(t, t) for t in body["firingTrigger"]))
            entity = Entity(entity.kind, entity.name, body, entity.goals)
        out.append(entity)
    return out


def google_tag(variable: Entity) -> Entity:
    """goalkeeper's own Google tag (googtag) loading the measurement ID of ``variable``, for the
    goals that send through it. The planner drops it when the container already has a Google tag
    for that ID (goalkeeper.core.consistency.settle_google_tag)."""
    body = gtm_entity_body(
        "gtm.tag",
        {"type": "googtag", "parameter": {"tagId": MEASUREMENT_ID_REF}, "firingTrigger": [GOOGLE_TAG_TRIGGER]},
    )
    return Entity("gtm.tag", GOOGLE_TAG, body, variable.goals)


def _shared_key_events(merged: list[Entity], file: GoalFile) -> list[Entity]:
    """A key event on an event several goals share on purpose (``shared_event``) is all of theirs:
    every one of their tags records it, so it stays goalkeeper's while any of them sends it."""
    sharing: dict[str, set[str]] = {}
    for goal in file.goals:
        if goal.shared_event:
            sharing.setdefault(goal.event_name, set()).add(goal.name)
    out = []
    for entity in merged:
        goals = sharing.get(entity.name, set()) if entity.kind == "ga4.key_event" else set()
        if goals - set(entity.goals):
            entity = Entity(entity.kind, entity.name, entity.body, tuple(sorted(goals | set(entity.goals))))
        out.append(entity)
    return out


def expand(file: GoalFile, kinds: Mapping[str, Kind]) -> State:
    """The desired State of every target: all goals expanded, shared entities merged, markers set,
    and goalkeeper's Google tag for the measurement ID unless the site loads it itself."""
    entities: list[Entity] = []
    problems: list[Problem] = []
    for goal in file.goals:
        try:
            entities += expand_goal(kinds[goal.kind], goal, file)
        except GoalkeeperError as error:
            problems += error.problems
    if problems:
        raise GoalkeeperError(problems)
    merged, problems = merge(share_triggers(entities, frozenset(name for _, name in _hand_made_names(file))), file)
    if problems:
        raise GoalkeeperError(problems)
    merged = _shared_key_events(merged, file)
    variable = next((e for e in merged if e.key == ("gtm.variable", MEASUREMENT_ID_VARIABLE)), None)
    if variable is not None and file.target.get("gtm") and not file.measurement_id:
        raise GoalkeeperError(
            Problem(
                "target.measurement_id (G-XXXX) is needed: goalkeeper's GA4 tags send events to it",
                file.path,
                file.target_line,
            )
        )
    if variable is not None and not file.google_tag_external:
        merged.append(google_tag(variable))
    # A tag's notes record the key events made for its goals: that is how goalkeeper knows later
    # which key events are its own (GA4 key events carry no marker).
    key_events_by_goal: dict[str, set[str]] = {}
    for key_event in (e for e in merged if e.kind == "ga4.key_event"):
        for goal_name in key_event.goals:
            key_events_by_goal.setdefault(goal_name, set()).add(key_event.name)
    marked = [_marked(e, {k for g in e.goals for k in key_events_by_goal.get(g, ())}, file.owner) for e in merged]
    return State.of(marked + _adopted_entities(file, {e.key for e in marked}))


def _marked(entity: Entity, key_events: set[str], owner: str | None) -> Entity:
    """``entity`` with goalkeeper's marker (goalkeeper.core.ownership.mark), and after it the notes
    a hand-made entity a goal took over keeps."""
    user = entity.body.get("notes") if entity.entity_kind.marker == "notes" else None
    marked = ownership.mark(entity, key_events, owner)
    if not user:
        return marked
    body = {**marked.body, "notes": adopted.with_user_text(str(marked.body["notes"]), str(user))}
    return Entity(marked.kind, marked.name, body, marked.goals)


def _adopted_entities(file: GoalFile, taken: set[tuple[str, str]]) -> list[Entity]:
    """The goal file's ``entities:``, as the plan wants them; one that a goal makes too is a problem."""
    problems = [
        Problem(
            f"{KINDS[a.kind].label} {a.name!r} is both in entities and made by a goal; remove it from entities "
            "(or rename the goal's)",
            file.path,
            a.line,
        )
        for a in file.entities
        if (a.kind, a.name) in taken
    ]
    if problems:
        raise GoalkeeperError(problems)
    return [adopted_entity(a, file.owner) for a in file.entities]
