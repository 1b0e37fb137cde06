"""The preflight: what apply would otherwise discover half way, found while planning.

A plan that passes must apply. So before a plan is shown, it is checked against what GTM and GA4
refuse: a container that is not a web container, a built-in variable GTM cannot enable because a
variable of the container has its name, GA4 field values the Admin API refuses (names, lengths,
counts: ``EntityKind.rules``), GA4's per-property limits (``EntityKind.limits``), and event-create
rules in a property without a web data stream. Field rules and limits live in the kinds registry
(``goalkeeper.core.kinds``) with their sources; what only a target knows (its usage context, its
data streams, which key events GA4 does not count) comes from the backends as ``TargetFacts``.
Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from goalkeeper.core.changes import Create
from goalkeeper.core.errors import Problem
from goalkeeper.core.kinds import FieldRule, Limit, kinds_of
from goalkeeper.core.model import Entity
from goalkeeper.core.plan import Plan
from goalkeeper.core.state import State

# A GTM container's usageContext names (discovery document: Container.usageContext; exports spell
# them UPPER_SNAKE, the API lowerCamel), as people call them.
_CONTEXT_NAMES = {
    "server": "server",
    "amp": "AMP",
    "android": "Android app",
    "androidsdk5": "Android app",
    "ios": "iOS app",
    "iossdk5": "iOS app",
}


@dataclass(frozen=True)
class TargetFacts:
    """What a backend knows about its target beyond its entities (``Backend.facts``).

    ``described`` names the target for messages (``GTM container export goals/x.json``) and
    ``file`` is its file, if it is one. GTM: ``usage_context`` is the container's usageContext as
    the target spells it (``["WEB"]``, ``["server"]``), None when unknown. GA4: ``web_stream``
    says whether the property has a web data stream for event-create rules (None: unknown);
    ``uncounted`` holds the (kind, name) of live entities GA4 does not count towards its limits
    (default key events: the Admin API's ``KeyEvent.custom`` is false); ``service_level`` is the
    property's ``serviceLevel`` (``GOOGLE_ANALYTICS_STANDARD``, ``GOOGLE_ANALYTICS_360``), None
    when unknown (read as standard, the stricter limits)."""

    described: str = ""
    file: str | None = None
    usage_context: tuple[str, ...] | None = None
    web_stream: bool | None = None
    uncounted: frozenset[tuple[str, str]] = frozenset()
    service_level: str | None = None


def _normal_context(context: str) -> str:
    return context.replace("_", "").lower()


def _goals(entity: Entity) -> str:
    return ", ".join(entity.goals) or "?"


def usage_problems(desired: State, gtm: TargetFacts | None) -> list[Problem]:
    """A container that is not a web container (server, AMP, iOS, Android) cannot run the web
    triggers and tags goals make: GTM would take some of them, and they would never fire."""
    if gtm is None or gtm.usage_context is None or not any(e.target == "gtm" for e in desired):
        return []
    other = sorted(
        {_CONTEXT_NAMES.get(_normal_context(c), c) for c in gtm.usage_context if _normal_context(c) != "web"}
    )
    if not other:
        return []
    article = "an" if other[0][0].lower() in "aeiou" else "a"
    return [
        Problem(
            f"{gtm.described or 'the GTM container'} is {article} {' and '.join(other)} container "
            f"(usageContext {', '.join(gtm.usage_context)}); goalkeeper's goals make web triggers and tags, which "
            "only a web container runs. Point target.gtm at the web container the site loads",
            gtm.file,
        )
    ]


def builtin_problems(desired: State, live: State) -> list[Problem]:
    """GTM refuses to enable a built-in variable while a variable of the container has its name
    (older containers made their own "Video Title" before the YouTube built-ins existed): the Tag
    Manager API answers "Found entity with duplicate name", and an export holding both fails to
    import. One rule for every GTM target."""
    return [
        Problem(
            f"goal {_goals(b)} needs GTM's built-in variable {b.name!r}, but the container has a variable of its "
            f"own named {b.name!r}, and GTM cannot enable the built-in while it exists. Rename that variable in "
            "GTM (and what refers to it), then run goalkeeper again"
        )
        for b in desired.of_kind("gtm.builtin_variable")
        if live.get("gtm.builtin_variable", b.name) is None and live.get("gtm.variable", b.name) is not None
    ]


def _parents(body: Mapping[str, Any], path: str) -> tuple[list[Mapping[str, Any]], str]:
    """The objects holding the last field of ``path`` in ``body``, and that field's name."""
    *steps, leaf = path.split(".")
    nodes: list[Mapping[str, Any]] = [body]
    for step in steps:
        key = step.removesuffix("[]")
        values = [node.get(key) for node in nodes]
        if step.endswith("[]"):
            nodes = [item for value in values if isinstance(value, list) for item in value if isinstance(item, Mapping)]
        else:
            nodes = [value for value in values if isinstance(value, Mapping)]
    return nodes, leaf


def _missing(value: Any) -> bool:
    return value is None or value == "" or value == []


def _breaks(rule: FieldRule, value: Any) -> bool:
    """Whether a set ``value`` breaks ``rule`` (uniqueness aside)."""
    if rule.items is not None and not (isinstance(value, list) and rule.items[0] <= len(value) <= rule.items[1]):
        return True
    if rule.between is not None:
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if number is None or not rule.between[0] <= number <= rule.between[1]:
            return True
    text = value if isinstance(value, str) else None
    if rule.pattern is not None and (text is None or not re.fullmatch(rule.pattern, text)):
        return True
    return rule.max_length is not None and text is not None and len(text) > rule.max_length


def rule_violations(entity: Entity, rule: FieldRule) -> list[str]:
    """What in ``entity``'s body breaks ``rule``: each offending value, quoted, or "missing"."""
    if rule.scope is not None and entity.body.get("scope", "EVENT") != rule.scope:
        return []
    nodes, leaf = _parents(entity.body, rule.path)
    values = [node.get(leaf) for node in nodes]
    found = ["missing" for value in values if _missing(value) and rule.required]
    found += [repr(value) for value in values if not _missing(value) and _breaks(rule, value)]
    if rule.unique:
        seen: set[str] = set()
        for value in values:
            if not _missing(value) and str(value) in seen:
                found.append(f"{value!r} twice")
            seen.add(str(value))
    return found


def field_problems(entities: Iterable[Entity]) -> list[Problem]:
    """Every value of the GA4 entities goalkeeper is about to write that the Admin API refuses."""
    problems = []
    for entity in entities:
        for rule in entity.entity_kind.rules:
            for found in rule_violations(entity, rule):
                problems.append(
                    Problem(
                        f"{entity.entity_kind.label} {entity.name!r} (goal {_goals(entity)}): {rule.path} {found}: "
                        f"GA4 takes {rule.rule}. Change the goal so that it does"
                    )
                )
    return problems


def stream_problems(written: Sequence[Entity], ga4: TargetFacts | None) -> list[Problem]:
    """Event-create rules live in a web data stream: a property without one cannot take them."""
    rules = [e for e in written if e.kind == "ga4.event_create_rule"]
    if not rules or ga4 is None or ga4.web_stream is not False:
        return []
    goals = ", ".join(sorted({g for rule in rules for g in rule.goals}))
    return [
        Problem(
            f"goal {goals} needs GA4 event-create rules, which live in a web data stream, and "
            f"{ga4.described or 'the GA4 property'} has none. Add the site's web data stream in GA4 (Admin > Data "
            "streams), or track the goal through GTM (destination goals: via: gtm)",
            ga4.file,
        )
    ]


def _counts(limit: Limit, ga4: TargetFacts, entity: Entity) -> bool:
    in_scope = limit.scope is None or entity.body.get("scope", "EVENT") == limit.scope
    return in_scope and entity.key not in ga4.uncounted


def limit_problems(plan: Plan, live: State, ga4: TargetFacts | None) -> list[Problem]:
    """GA4's per-property limits, counting what the property holds and what the plan creates.
    Apply creates before it removes, so a plan's removals free no room for its own creations."""
    ga4 = ga4 or TargetFacts()
    problems = []
    for kind in kinds_of("ga4"):
        for limit in kind.limits:
            have = sum(1 for e in live.of_kind(kind.key) if _counts(limit, ga4, e))
            adding = [c.entity for c in plan.changes if isinstance(c, Create) and c.kind == kind.key]
            adding = [e for e in adding if _counts(limit, ga4, e)]
            allowed = limit.allowed(ga4.service_level)
            if adding and have + len(adding) > allowed:
                level = "an Analytics 360" if ga4.service_level == "GOOGLE_ANALYTICS_360" else "a standard"
                names = ", ".join(repr(e.name) for e in adding)
                problems.append(
                    Problem(
                        f"GA4 allows {allowed} {limit.what} in {level} property; "
                        f"{ga4.described or 'the property'} has {have} and the plan adds {len(adding)} ({names}). "
                        f"Archive or delete {limit.what} no longer needed in GA4 first, or plan fewer goals "
                        "(goalkeeper creates before it removes)",
                        ga4.file,
                    )
                )
    return problems


def written(plan: Plan) -> list[Entity]:
    """The entities a plan writes (what creates, updates and replaces send to the target)."""
    return [after for change in plan.changes if (after := change.ends[1]) is not None]


def preflight(plan: Plan, live: State, facts: Mapping[str, TargetFacts]) -> list[Problem]:
    """Everything in ``plan`` that the targets would refuse at apply time (see the module doc)."""
    entities = written(plan)
    ga4 = facts.get("ga4")
    return [
        *field_problems(e for e in entities if e.target == "ga4"),
        *stream_problems(entities, ga4),
        *limit_problems(plan, live, ga4),
    ]
