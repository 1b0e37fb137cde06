"""The one entry point of the core: desired and live state (and the policy) in, a checked plan out.

``make_plan`` runs every check the core has, in this order: references (every ``{{Variable}}``
and trigger resolves, every key event is sent), conflicts with unmanaged entities (in the diff),
selection (only the chosen goals' and targets' changes), the safety thresholds, and the warnings
a reviewer should read (goals no target tracks, events enhanced measurement already counts).
Pure: no I/O; backends and the goal file are read by ``goalkeeper.project``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from goalkeeper.core import safety
from goalkeeper.core.diff import claim_key_events, diff
from goalkeeper.core.doublecount import double_count_warnings
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.plan import Plan
from goalkeeper.core.references import reference_problems
from goalkeeper.core.safety import SafetyPolicy
from goalkeeper.core.selection import Selection, event_goals, select, selected_goals
from goalkeeper.core.state import State


def make_plan(
    desired: State,
    live: State,
    *,
    planned: frozenset[str] | None = None,
    configured: frozenset[str] | None = None,
    goals: Mapping[str, str] | None = None,
    selection: Selection = Selection(),
    policy: SafetyPolicy = SafetyPolicy(),
    force: bool = False,
    enhanced_measurement: Mapping[str, Any] | None = None,
    target_problems: Sequence[Problem] = (),
) -> Plan:
    """The checked plan that makes the managed part of ``live`` match ``desired``.

    ``desired`` holds every goal's entities, in every target (a GA4 key event is sent by a GTM tag
    even when only GA4 is planned); ``live`` what was read from the ``planned`` targets (``"gtm"``,
    ``"ga4"``; default: the targets ``desired`` and ``live`` have entities in). ``configured`` are
    the targets the goal file names (default: ``planned``); a goal tracked only elsewhere gets a
    warning. ``goals`` maps the goal file's goal names to their categories, for ``selection``.
    ``enhanced_measurement`` is the measured web stream's EnhancedMeasurementSettings (Admin API
    JSON with its ``name``), None when unknown. ``target_problems`` are what the backends found
    wrong with ``desired``; they are raised together with the core's own.

    Raises GoalkeeperError listing every problem: references that do not resolve, entities that
    exist unmanaged under a desired name, unknown goals or targets in ``selection``. A plan the
    safety thresholds refuse is returned with its ``refusal`` set, so it can still be shown.
    """
    everything = desired
    planned = planned if planned is not None else frozenset(e.target for s in (desired, live) for e in s)
    desired = State(tuple(e for e in everything if e.target in planned))
    problems = [*reference_problems(everything, live, planned), *target_problems]
    if problems:
        raise GoalkeeperError(problems)
    full = Plan.of(diff(desired, live))
    categories = dict(goals or {})
    chosen = selected_goals(selection, categories, {goal for entity in live.managed() for goal in entity.goals})
    plan = select(full, selection, chosen, event_goals(desired, live))
    # Key events carry no marker: count the ones goalkeeper owns, as the diff does.
    managed = len(claim_key_events(live, desired).managed())
    warnings = untracked_warnings(everything, categories, configured if configured is not None else planned)
    if enhanced_measurement and "ga4" in planned:
        warnings += double_count_warnings(everything, enhanced_measurement)
    return safety.check(replace(plan, warnings=warnings), managed, policy, force)


def untracked_warnings(everything: State, goals: Mapping[str, str], configured: frozenset[str]) -> tuple[str, ...]:
    """Warnings for goals whose every entity belongs to a target the goal file does not name: they
    would silently do nothing (a ``via: ga4_rule`` destination in a GTM-only file, say)."""
    targets_of: dict[str, set[str]] = {}
    for entity in everything:  # one pass over the entities, not one per goal
        for goal in entity.goals:
            targets_of.setdefault(goal, set()).add(entity.target)
    warnings = []
    for goal in goals:
        targets = targets_of.get(goal, set())
        if targets and not targets & configured:
            missing = " and ".join(sorted(t.upper() for t in targets))
            warnings.append(
                f"goal {goal!r} is tracked only in {missing}, which the goal file has no "
                f"target for: nothing is planned for it (add target.{sorted(targets)[0]})"
            )
    return tuple(warnings)
