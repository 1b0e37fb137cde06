"""The one entry point of the core: desired and live state (and the policy) in, a checked plan out.

``make_plan`` runs every check the core has, in this order: the live state scoped to the goal
file's owner (``goalkeeper.core.ownership.scope``), goalkeeper's own Google tag settled
against the container's, references (every ``{{Variable}}`` and trigger resolves) and what the
containers can run (usage context, built-in variables a variable's name blocks), the consistency
check (every key event is sent, nothing is counted twice: ``goalkeeper.core.consistency``),
conflicts with unmanaged entities (in the diff), selection (only the chosen goals' and targets'
changes), deletions of what something else still uses (``goalkeeper.core.dependants``), the
preflight of what apply would otherwise discover (GA4 field rules and limits, data streams:
``goalkeeper.core.preflight``), the safety thresholds, and the warnings a reviewer should read
(goals no target tracks, and the consistency check's).
Pure: no I/O; backends and the goal file are read by ``goalkeeper.project``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from goalkeeper.core import ownership, safety
from goalkeeper.core.changes import Delete
from goalkeeper.core.consistency import Declarations, Findings, check, settle_google_tag
from goalkeeper.core.dependants import after_apply, dependants, relation
from goalkeeper.core.diff import (
    claim_key_events,
    diff,
    differs,
    differs_beyond_marker,
    moved_hint,
    only_marker_differs,
)
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.events import event_parameters
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.model import Entity
from goalkeeper.core.plan import Plan
from goalkeeper.core.preflight import TargetFacts, builtin_problems, preflight, usage_problems
from goalkeeper.core.references import dangling, reference_problems
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
    facts: Mapping[str, TargetFacts] | None = None,
    declared: Declarations = Declarations(),
    owner: str | None = None,
    adopt_unowned: bool = False,
    adopted: frozenset[tuple[str, str]] = frozenset(),
) -> Plan:
    """The checked plan that makes the managed part of ``live`` match ``desired``.

    ``desired`` holds every goal's entities, in every target (a GA4 key event is sent by a GTM tag
    even when only GA4 is planned); ``live`` what was read from the ``planned`` targets (``"gtm"``,
    ``"ga4"``; default: the targets ``desired`` and ``live`` have entities in). ``configured`` are
    the targets the goal file names (default: ``planned``); a goal tracked only elsewhere gets a
    warning. ``goals`` maps the goal file's goal names to their categories, for ``selection``.
    ``enhanced_measurement`` is the measured web stream's EnhancedMeasurementSettings (Admin API
    JSON with its ``name``), None when unknown. ``target_problems`` are what the backends found
    wrong with ``desired``; they are raised together with the core's own. ``facts`` are what each
    planned target (``"gtm"``, ``"ga4"``) knows beyond its entities (``Backend.facts``). ``declared``
    is what the goal file says beyond its entities (measurement ID, Google tag, external and shared
    events, the line of each goal) for the consistency check. ``owner`` is the goal file's owner id:
    only live entities whose marker names it are managed (None: every marked entity, as before
    owners existed); ``adopt_unowned`` lets it take on entities marked without an owner that it
    does not desire (see ``goalkeeper.core.ownership.scope``). ``adopted`` are the (kind, name)
    keys the goal file adopts as they are: a live entity of such a key is goalkeeper's from now on, its
    ids kept, the marker it lacks an update shown as ownership bookkeeping.

    Raises GoalkeeperError listing every problem: references that do not resolve, the consistency
    check's errors, containers that cannot run the goals, entities that exist unmanaged under a desired name, unknown goals or
    targets in ``selection``, and whatever the preflight finds the targets would refuse. A plan the
    safety thresholds refuse is returned with its ``refusal`` set, so it can still be shown.
    """
    planned = planned if planned is not None else frozenset(e.target for s in (desired, live) for e in s)
    scoped = ownership.scope(live, desired, owner, adopt_unowned)
    live = scoped.live
    # The checks guard what goalkeeper writes: an adopted entity it keeps as it is (its marker
    # aside) is checked as the container's own, exactly as before it was adopted.
    kept = kept_as_they_are(desired, live, adopted)
    live, adopted_live = as_their_own(adopt(live, adopted - kept.keys()), kept.keys()), adopt(live, adopted)
    desired = State(tuple(e for e in desired if e.key not in kept))
    everything, found = settle_google_tag(desired, live, declared) if "gtm" in planned else (desired, Findings())
    found += check(everything, declared, live, enhanced_measurement if "ga4" in planned else None, planned)
    desired = State(tuple(e for e in everything if e.target in planned))
    facts = facts or {}
    problems = [
        *_others_adopted(scoped.live, adopted),
        *reference_problems(everything, live, planned),
        *found.errors,
        *usage_problems(desired, facts.get("gtm")),
        *builtin_problems(desired, live),
        *target_problems,
    ]
    if problems:
        raise GoalkeeperError(problems)
    live = adopted_live
    desired = State(desired.entities + tuple(e for e in kept.values() if e.target in planned))
    full = Plan.of(diff(desired, live))
    categories = dict(goals or {})
    chosen = selected_goals(selection, categories, {goal for entity in live.managed() for goal in entity.goals})
    plan = keep_or_refuse_used(select(full, selection, chosen, event_goals(desired, live)), live, policy)
    plan = keep_definitions_for_others(keep_google_tag_for_others(plan, live), live)
    problems = preflight(plan, live, facts)
    if problems:
        raise GoalkeeperError(problems)
    # Key events carry no marker: count the ones goalkeeper owns, as the diff does.
    managed = len(claim_key_events(live, desired).managed())
    warnings = untracked_warnings(everything, categories, configured if configured is not None else planned)
    warnings += tuple(dict.fromkeys(str(w) for w in found.warnings))
    if selection.by_goal and not chosen:
        warnings += ("--goal/--category selected no goal of the goal file: nothing was planned for any goal",)
    warnings += ownership_notes(scoped) + moved_warnings(desired, live)
    return safety.check(replace(plan, warnings=plan.warnings + warnings), managed, policy, force)


def _others_adopted(live: State, adopted: frozenset[tuple[str, str]]) -> list[Problem]:
    """An entity another goal file manages, named in this one's ``entities:`` or ``adopted:``."""
    return [
        Problem(
            f"{e.entity_kind.label} {e.name!r} is goalkeeper's for {ownership.whose(e)}: this goal file cannot "
            "adopt it; remove it from entities: (or from the goal's adopted:), or manage it in one goal file only"
            f"{moved_hint(e)}"
        )
        for key in sorted(adopted)
        if (e := live.get(*key)) is not None and ownership.foreign(e)
    ]


def adopt(live: State, keys: frozenset[tuple[str, str]]) -> State:
    """``live`` with the entities of ``keys`` counted as goalkeeper's (adopted by the goal file);
    never another goal file's (that stays a conflict, or is shared when it is the same)."""
    if not keys:
        return live
    return State(
        tuple(
            replace(e, managed=True) if e.key in keys and not e.managed and not ownership.foreign(e) else e
            for e in live
        )
    )


def as_their_own(live: State, keys: Iterable[tuple[str, str]]) -> State:
    """``live`` with the entities of ``keys`` counted as the container's own, for the checks."""
    keys = set(keys)
    return State(tuple(replace(e, managed=False) if e.key in keys and e.managed else e for e in live))


def kept_as_they_are(desired: State, live: State, adopted: frozenset[tuple[str, str]]) -> dict[tuple[str, str], Entity]:
    """The adopted entities ``desired`` keeps as ``live`` has them, goalkeeper's marker aside."""
    kept = {}
    for key in adopted:
        want, have = desired.get(*key), live.get(*key)
        if want is None or have is None or dangling(want) or ownership.foreign(have):
            continue
        if not differs(want, have) or only_marker_differs(want, have):
            kept[key] = want
    return kept


def keep_or_refuse_used(plan: Plan, live: State, policy: SafetyPolicy) -> Plan:
    """``plan`` without the deletions something in the container still uses, each a warning, when
    ``policy.keep_used``; otherwise GoalkeeperError naming every such deletion and its dependants
    (see goalkeeper.core.dependants)."""
    deleted = [c.entity for c in plan.changes if isinstance(c, Delete)]
    used = dependants(deleted, after_apply(live, plan.changes)) if deleted else {}
    plan, used = _keep_for_others(plan, used)
    if not used:
        return plan
    lines = {key: _used_by(key, users) for key, users in used.items()}
    if not policy.keep_used:
        raise GoalkeeperError(
            [
                Problem(f"{line}. Change that in GTM first, or set safety.keep_used: true to keep what is still used")
                for line in lines.values()
            ]
        )
    kept = [c for c in plan.changes if not (isinstance(c, Delete) and c.entity.key in used)]
    warnings = tuple(f"not planned: {line}, and the goal file sets safety.keep_used" for line in lines.values())
    return replace(plan, changes=tuple(kept), warnings=plan.warnings + warnings)


def _keep_for_others(
    plan: Plan, used: dict[tuple[str, str], list[Entity]]
) -> tuple[Plan, dict[tuple[str, str], list[Entity]]]:
    """``plan`` without the deletions only other goal files' entities still use (the measurement-ID
    variable two goal files share, say), each a warning: what they use is not this goal file's to
    take away, so it stays, marked as it is, until no goal file uses it."""
    theirs = {key: users for key, users in used.items() if all(ownership.foreign(u) for u in users)}
    if not theirs:
        return plan, used
    kept = [c for c in plan.changes if not (isinstance(c, Delete) and c.entity.key in theirs)]
    warnings = tuple(
        f'not planned: deleting {KINDS[kind].label} "{name}", which {_others_using(users)} uses too: it stays '
        "until no goal file uses it"
        for (kind, name), users in theirs.items()
    )
    rest = {key: users for key, users in used.items() if key not in theirs}
    return replace(plan, changes=tuple(kept), warnings=plan.warnings + warnings), rest


def _others_using(users: Sequence[Entity]) -> str:
    """``the goal file whose owner is 'content.yaml' (10 entities, GTM tag 'A' among them)``."""
    by_owner: dict[str, list[Entity]] = {}
    for user in users:
        by_owner.setdefault(ownership.whose(user), []).append(user)
    return "; ".join(
        f"{who} ({len(found)} entit{'y' if len(found) == 1 else 'ies'}, {found[0].entity_kind.label} {found[0].name!r}"
        f"{' among them' if len(found) > 1 else ''})"
        for who, found in sorted(by_owner.items())
    )


def keep_google_tag_for_others(plan: Plan, live: State) -> Plan:
    """``plan`` without the deletion of goalkeeper's own Google tag while another goal file's GA4
    event tags send through it (they name no Google tag, but need one on the page: see
    goalkeeper.core.googletag), with a warning."""
    others = sorted(
        {
            ownership.owner_of(t) or ""
            for t in live.of_kind("gtm.tag")
            if ownership.foreign(t) and t.body.get("type") == "gaawe"
        }
    )
    if not others:
        return plan
    doomed = [
        c
        for c in plan.changes
        if isinstance(c, Delete) and c.kind == "gtm.tag" and c.entity.body.get("type") == "googtag"
    ]
    if not doomed:
        return plan
    kept = [c for c in plan.changes if c not in doomed]
    owners = ", ".join(repr(o) if o else "an earlier goalkeeper's" for o in others)
    warnings = tuple(
        f'not planned: deleting GTM tag "{c.name}", the Google tag the GA4 event tags of other goal files '
        f"({owners}) send through: it stays until no goal file needs it"
        for c in doomed
    )
    return replace(plan, changes=tuple(kept), warnings=plan.warnings + warnings)


def keep_definitions_for_others(plan: Plan, live: State) -> Plan:
    """``plan`` without the archiving of a custom dimension or metric whose parameter another goal
    file's tags or rules send (both goal files use it; the kinds are shareable), with a warning."""
    sent: dict[str, set[str]] = {}
    for entity in live:
        if ownership.foreign(entity):
            for parameter in event_parameters(entity):
                sent.setdefault(parameter, set()).add(ownership.whose(entity))
    used = [
        c
        for c in plan.changes
        if isinstance(c, Delete)
        and c.kind in ("ga4.custom_dimension", "ga4.custom_metric")
        and str(c.entity.body.get("parameterName")) in sent
    ]
    if not used:
        return plan
    warnings = tuple(
        f'not planned: archiving {c.entity.entity_kind.label} "{c.name}", whose parameter '
        f"{', '.join(sorted(sent[str(c.entity.body.get('parameterName'))]))} sends too: it stays until no goal "
        "file uses it"
        for c in used
    )
    return replace(plan, changes=tuple(c for c in plan.changes if c not in used), warnings=plan.warnings + warnings)


def ownership_notes(scoped: ownership.Scoped) -> tuple[str, ...]:
    """What the plan says about markers without an owner: the entities it adopts, and how many it
    leaves alone."""
    notes = []
    if scoped.adopted:
        names = ", ".join(f"{e.entity_kind.label} {e.name!r}" for e in scoped.adopted[:5])
        more = f" and {len(scoped.adopted) - 5} more" if len(scoped.adopted) > 5 else ""
        notes.append(
            f"adopted {len(scoped.adopted)} entit{'y' if len(scoped.adopted) == 1 else 'ies'} whose goalkeeper marker "
            f"names no owner (written by an earlier goalkeeper): {names}{more}; applying writes this goal file's owner "
            "into their markers"
        )
    if scoped.left:
        notes.append(
            f"left alone: {len(scoped.left)} entit{'y' if len(scoped.left) == 1 else 'ies'} whose goalkeeper marker "
            "names no owner and that this goal file does not define (another goal file may manage them); set "
            "adopt_unowned: true to manage, and delete, them here"
        )
    return tuple(notes)


def moved_warnings(desired: State, live: State) -> tuple[str, ...]:
    """A warning per other owner holding several of the entities this goal file defines, exactly
    as it defines them: they are used as they are and this goal file changes none of them, which is
    what happens when a goal file is moved or renamed (its default owner is its path). One shared
    entity (the measurement-ID variable) is what two goal files on one container have in common."""
    held: dict[str, list[Entity]] = {}
    for want in desired:
        have = live.get(*want.key)
        if have is not None and ownership.foreign(have) and not want.entity_kind.shareable:
            owner = ownership.owner_of(have)
            if owner and not differs_beyond_marker(want, have):
                held.setdefault(owner, []).append(have)
    return tuple(
        f"{len(found)} entities this goal file defines are goalkeeper's for {owner!r} and are used as they are, "
        f"never changed or deleted from here ({found[0].entity_kind.label} {found[0].name!r} among them). If this goal file was moved or renamed from {owner}, set `owner: {owner}` "
        "in it"
        for owner, found in sorted(held.items())
        if len(found) > 1
    )


def _used_by(key: tuple[str, str], users: Sequence[Entity]) -> str:
    kind, name = key
    uses = "; ".join(f'{KINDS[u.kind].label} "{u.name}"{_whose(u)} {relation(u, key)}' for u in users)
    return f'deleting {KINDS[kind].label} "{name}" would leave it missing where it is used: {uses}'


def _whose(entity: Entity) -> str:
    if entity.managed:
        return ""
    if ownership.foreign(entity):
        return f" (managed by goalkeeper for {ownership.whose(entity)})"
    return " (not managed by goalkeeper)"


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
