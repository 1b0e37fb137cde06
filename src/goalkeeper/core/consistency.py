"""The consistency check: every key event is something GA4 receives, and nothing is counted twice.

A conversion tracked twice, or a key event nothing sends, is worse than none: the reports lie and
nobody notices. The check reads the goals' entities (``desired``), what the goal file declares
that entities cannot say (``Declarations``) and, when a target was read, the container and the
property (``live``) and the web stream's enhanced-measurement settings. ``goalkeeper validate``
runs it without a target; ``make_plan`` runs it with what the targets hold.

Errors (the plan is refused):

- a key event whose name is a GTM variable (``{{Event}}``): GA4 would wait for an event literally
  named so;
- a key event nothing sends: no goal's tag or event-create rule, and no goal declaring ``external``;
- one interaction sent twice: two goals' tags with one event on one trigger; a goal's tag and a
  tag of the container (not goalkeeper's) sending the same event on the same dataLayer event, the
  same trigger or every page view; a goal sending ``page_view`` where the Google tag already does;
  a goal sending an event enhanced measurement sends while that switch is on;
- event names of the goals that differ only in letter case (GA4 names are case-sensitive: two
  events, two key events).

Warnings (shown with the plan, exit status unchanged):

- the container's Google tag loads another measurement ID than the goal file's, or one that
  cannot be known before the page runs (a lookup table);
- a key event on an event something else sends too (enhanced measurement, other goals, the
  container's tags): every one of them counts as that key event;
- a goal's event also sent by the container's tags on other triggers, or spelt with other letter
  case by them or by a GA4 key event;
- a goal declared ``external`` whose event no tag of the container sends;
- ``google_tag: external`` while the container loads a Google tag for the ID too.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from goalkeeper.core.doublecount import enhanced_doubles, enhanced_senders
from goalkeeper.core.errors import Problem
from goalkeeper.core.events import SentEvent, datalayer_event_fires, sent_events
from goalkeeper.core.googletag import MEASUREMENT_ID, google_tags, resolve
from goalkeeper.core.model import Entity, canonical_json
from goalkeeper.core.state import State

Place = tuple[str | None, int | None]

# Triggers that fire once on every page load: GTM's built-in ones, and page triggers without a filter.
_PAGE_LOAD_TRIGGERS = frozenset({"All Pages", "Initialization - All Pages", "Consent Initialization - All Pages"})
_PAGE_LOAD_TYPES = frozenset({"pageview", "domReady", "windowLoaded", "init", "consentInit"})


@dataclass(frozen=True)
class Declarations:
    """What the goal file says that its entities cannot.

    ``measurement_id``: the GA4 web stream's ID; ``google_tag_external``: the site loads the Google
    tag another way than the container (gtag.js in the page); ``external``: event name → the goals
    declaring it sent by something goalkeeper does not manage; ``shared``: events several goals send
    on purpose; ``places``: goal name → (file, line), and ``target_place`` where the target is
    written, so every finding points at the goal file."""

    measurement_id: str | None = None
    google_tag_external: bool = False
    external: Mapping[str, frozenset[str]] = field(default_factory=dict)
    shared: frozenset[str] = frozenset()
    places: Mapping[str, Place] = field(default_factory=dict)
    target_place: Place = (None, None)

    def at(self, goals: Iterable[str], message: str) -> Problem:
        """A problem at the first of ``goals`` the goal file holds (in file order)."""
        placed = sorted((self.places[g][1] or 0, g) for g in goals if g in self.places)
        file, line = self.places[placed[0][1]] if placed else (None, None)
        return Problem(message, file, line)

    def at_target(self, message: str) -> Problem:
        return Problem(message, *self.target_place)


@dataclass(frozen=True)
class Findings:
    """What the check found: ``errors`` refuse the plan, ``warnings`` go with it."""

    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    def __add__(self, other: Findings) -> Findings:
        return Findings(self.errors + other.errors, self.warnings + other.warnings)


def _goals(goals: Iterable[str]) -> str:
    names = list(dict.fromkeys(goals))
    return ("goal " if len(names) == 1 else "goals ") + " and ".join(repr(g) for g in names)


# ---------------------------------------------------------------------------------------------
# The Google tag


def _ours(desired: State) -> list[Entity]:
    """goalkeeper's own Google tag among the goals' entities (expansion adds it, for goals)."""
    return [e for e in desired.of_kind("gtm.tag") if e.body.get("type") == "googtag" and e.goals]


def settle_google_tag(desired: State, live: State, declared: Declarations) -> tuple[State, Findings]:
    """``desired`` without goalkeeper's own Google tag when the container already has one for the
    measurement ID (or one whose ID cannot be known: a second one would double the page views),
    with warnings when the container's Google tags load other IDs. ``live`` is the container as
    read; call this only when it was read."""
    mid = declared.measurement_id
    # The site's Google tags: the container's own, and those the goal file adopted as they are.
    adopted = {e.name for e in desired.of_kind("gtm.tag") if not e.goals}
    theirs = [t for t in google_tags(live) if not t.managed or t.name in adopted]
    if declared.google_tag_external:
        loading = [t for t in theirs if t.measurement_id in (mid, None) and t.sends_page_view]
        return desired, Findings(
            warnings=tuple(
                declared.at_target(
                    f"target.google_tag says the site loads the Google tag itself, yet the container's Google "
                    f"tag {t.name!r} loads {t.measurement_id or t.written!r} too: with both on the page, every "
                    "page view is counted twice. Remove one of them (or drop google_tag: external)"
                )
                for t in loading
            )
        )
    ours = _ours(desired)
    if not ours or not mid:
        return desired, Findings()
    matching = [t for t in theirs if t.measurement_id == mid]
    unknown = [t for t in theirs if t.measurement_id is None]
    warnings = []
    if not matching:
        warnings += [
            declared.at_target(
                f"the container's Google tag {t.name!r} loads {t.measurement_id}, not measurement_id {mid}: "
                f"goalkeeper's events go to {mid}, through a Google tag of its own. If {t.measurement_id} is "
                "the property you mean, set measurement_id to it"
            )
            for t in theirs
            if t.measurement_id not in (mid, None)
        ]
        warnings += [
            declared.at_target(
                f"cannot tell which measurement ID the container's Google tag {t.name!r} loads ({t.written} is "
                f"not a constant): goalkeeper assumes it loads {mid} and makes no Google tag of its own. Check "
                "that it does, or goalkeeper's events are not received"
            )
            for t in unknown
        ]
    if matching or unknown:
        desired = State(tuple(e for e in desired if e not in ours))
    return desired, Findings(warnings=tuple(warnings))


# ---------------------------------------------------------------------------------------------
# Key events


def _external_senders(declared: Declarations) -> list[SentEvent]:
    """The events goals declare sent by something goalkeeper does not manage."""
    return [SentEvent(event, tuple(sorted(goals)), sender="external") for event, goals in declared.external.items()]


def _key_event_findings(desired: State, senders: list[SentEvent], declared: Declarations) -> Findings:
    errors = []
    for key in desired.of_kind("ga4.key_event"):
        name = key.name
        if "{{" in name:
            errors.append(
                declared.at(
                    key.goals,
                    f"{_goals(key.goals)} marks {name!r} as a GA4 key event, but that is a GTM variable, not an "
                    f"event name: GA4 would wait for an event literally named {name!r}. Give the goal the "
                    "literal event_name GA4 receives",
                )
            )
        elif not any(s.sends(name) for s in [*senders, *_external_senders(declared)]):
            errors.append(
                declared.at(
                    key.goals,
                    f"{_goals(key.goals)} marks {name!r} as a GA4 key event, but nothing sends that event: no "
                    "goal's tag or event-create rule. If something outside goalkeeper sends it (gtag.js on the "
                    "page, a tag already in the container), say `external: true` on the goal",
                )
            )
    return Findings(errors=tuple(errors))


def _generic_key_event_findings(
    desired: State,
    senders: list[SentEvent],
    declared: Declarations,
    theirs: Mapping[str, list[str]],
    enhanced: Mapping[str, Any] | None,
) -> Findings:
    """Key events on events something besides their goals sends: each of those counts too."""
    warnings = []
    for key in desired.of_kind("ga4.key_event"):
        name = key.name
        others = [
            f"enhanced measurement ({label}{'' if enhanced else ', when on'})"
            for label in enhanced_senders(name, enhanced)
        ]
        if name not in declared.shared:
            goals = [g for s in senders if s.managed and s.name == name for g in s.goals if g not in key.goals]
            others += [_goals(goals)] if goals else []
        if not any(external.sends(name) for external in _external_senders(declared)):  # those send it for it
            others += [f"the container's tag {tag!r}" for tag in theirs.get(name, [])]
        if others:
            warnings.append(
                declared.at(
                    key.goals,
                    f"{_goals(key.goals)} marks {name!r} as a GA4 key event, and {name!r} is also sent by "
                    f"{', '.join(others)}: every one of those counts as the key event too. To count only this "
                    "goal's, give it its own event_name (for a form: generate_lead or sign_up)",
                )
            )
    return Findings(warnings=tuple(warnings))


# ---------------------------------------------------------------------------------------------
# Double sends


def _browser_senders(senders: Iterable[SentEvent]) -> list[SentEvent]:
    return [s for s in senders if not s.by_rule and s.literal]


def _own_double_findings(senders: list[SentEvent], declared: Declarations) -> Findings:
    """Two goals' tags sending one event on one trigger (identical triggers are merged into one)."""
    seen: dict[tuple[str, str], SentEvent] = {}
    errors = []
    for sender in _browser_senders(s for s in senders if s.managed):
        for trigger in sender.triggers:
            first = seen.setdefault((sender.name, trigger), sender)
            if first is not sender:
                errors.append(
                    declared.at(
                        sender.goals,
                        f"{_goals(first.goals + sender.goals)} both send {sender.name!r} on the trigger "
                        f"{trigger!r}: GA4 would receive it twice each time. Keep one of the goals, or give one "
                        "its own event_name",
                    )
                )
    return Findings(errors=tuple(errors))


def _datalayer_event(trigger: Entity | None) -> str | None:
    """The dataLayer event a goal's custom-event trigger fires on (goals write ``equals``)."""
    if trigger is None or trigger.body.get("type") != "customEvent":
        return None
    for condition in trigger.body.get("customEventFilter", []):
        params = {p.get("key"): p.get("value") for p in condition.get("parameter", [])}
        if condition.get("type") == "equals" and params.get("arg0") == "{{_event}}":
            return str(params.get("arg1", ""))
    return None


def _every_page_load(trigger: Entity | None, name: str) -> bool:
    if name in _PAGE_LOAD_TRIGGERS:
        return True
    return trigger is not None and trigger.body.get("type") in _PAGE_LOAD_TYPES and not trigger.body.get("filter")


def _without_notes(trigger: Entity | None) -> str | None:
    return canonical_json({k: v for k, v in trigger.body.items() if k != "notes"}) if trigger else None


def _same_interaction(
    ours: SentEvent, trigger: str, theirs: SentEvent, their_trigger: str, desired: State, live: State
) -> str | None:
    """How a goal's tag firing on ``trigger`` and a container tag firing on ``their_trigger`` send
    the same event on the same interaction, in words; None when they do not (or cannot be told to)."""
    mine, other = desired.get("gtm.trigger", trigger), live.get("gtm.trigger", their_trigger)
    pushed = _datalayer_event(mine)
    if pushed is not None and other is not None and datalayer_event_fires(other, pushed):
        return f"the dataLayer event {pushed!r}" if theirs.name_on(pushed) == ours.name else None
    if theirs.name != ours.name:
        return None
    if mine is not None and mine.body.get("type") == "pageview" and _every_page_load(other, their_trigger):
        return "page views"
    if _without_notes(mine) is not None and _without_notes(mine) == _without_notes(other):
        return f"the same trigger as {their_trigger!r}"
    same_type = mine is not None and other is not None and mine.body.get("type") == other.body.get("type")
    if same_type and other is not None and not other.body.get("filter") and other.body.get("type") != "customEvent":
        return f"every {other.body.get('type')} event (the trigger {their_trigger!r} has no filter)"
    return None


def _to_our_stream(sender: SentEvent, live: State, declared: Declarations) -> bool:
    """Whether a container tag sends to the goal file's measurement ID, or may (it cannot be told)."""
    resolved = resolve(sender.destination, live) if sender.destination else None
    if resolved and MEASUREMENT_ID.match(resolved) and declared.measurement_id:
        return resolved == declared.measurement_id
    return True


def _their_senders(live: State, declared: Declarations) -> list[SentEvent]:
    return [s for s in sent_events(live) if not s.managed and not s.by_rule and _to_our_stream(s, live, declared)]


def names_sent(sender: SentEvent, live: State) -> set[str]:
    """The literal event names a container tag sends: its name, or for ``{{Event}}`` the dataLayer
    events its custom-event triggers accept by ``equals``."""
    if sender.literal:
        return {sender.name}
    names = set()
    for trigger in sender.triggers:
        pushed = _datalayer_event(live.get("gtm.trigger", trigger))
        if pushed is not None:
            names.add(sender.name_on(pushed))
    return {n for n in names if "{{" not in n}


def _container_double_findings(
    desired: State, senders: list[SentEvent], live: State, theirs: list[SentEvent], declared: Declarations
) -> tuple[Findings, set[tuple[str, str]]]:
    """Goals' tags sending what a container tag already sends on the same interaction; also the
    (event, container tag) pairs found, so the other-trigger warning leaves them out."""
    errors = []
    found: set[tuple[str, str]] = set()
    for ours in _browser_senders(s for s in senders if s.managed):
        for trigger in ours.triggers:
            for other in theirs:
                for their_trigger in other.triggers:
                    how = _same_interaction(ours, trigger, other, their_trigger, desired, live)
                    if how is None or (ours.name, other.sender) in found:
                        continue
                    found.add((ours.name, other.sender))
                    errors.append(
                        declared.at(
                            ours.goals,
                            f"{_goals(ours.goals)} sends {ours.name!r} on {how}, and the container's tag "
                            f"{other.sender!r} ({_whose(other)}) already sends it there: GA4 would count every one "
                            "twice. Let that tag send it and say `external: true` on the goal (goalkeeper then makes "
                            "only its GA4 key event and dimensions), remove that tag, or give the goal its own "
                            f"event_name{_moved(other)}",
                        )
                    )
    return Findings(errors=tuple(errors)), found


def _whose(sender: SentEvent) -> str:
    return f"goalkeeper's, for {sender.held_by}" if sender.held_by else "not goalkeeper's"


def _moved(sender: SentEvent) -> str:
    """A hint for the goal file that was moved or renamed, and so no longer has its own owner."""
    if not sender.held_by.startswith("the goal file"):
        return ""
    return ". If this goal file was moved or renamed from that one, set its `owner:` to that goal file's owner"


def _page_view_findings(senders: list[SentEvent], desired: State, live: State, declared: Declarations) -> Findings:
    """Goals sending ``page_view``, which the Google tag sends on every page it loads on."""
    page_views = [s for s in senders if s.managed and s.name == "page_view"]
    if not page_views:
        return Findings()
    if declared.google_tag_external:
        return Findings(
            warnings=tuple(
                declared.at(
                    s.goals,
                    f"{_goals(s.goals)} sends 'page_view', which the Google tag the site loads (gtag.js) sends on "
                    "every page unless configured with send_page_view: false: if it is not, page views are "
                    "counted twice. Give the goal its own event_name",
                )
                for s in page_views
            )
        )
    # The container's Google tags for the ID (or whose ID cannot be known), and goalkeeper's own.
    loaders = [t for t in google_tags(live) if not t.managed and t.measurement_id in (declared.measurement_id, None)]
    loaders += google_tags(State(tuple(_ours(desired))))
    senders_of_views = [t.name for t in loaders if t.sends_page_view]
    return Findings(
        errors=tuple(
            declared.at(
                s.goals,
                f"{_goals(s.goals)} sends 'page_view', which the Google tag {senders_of_views[0]!r} already sends "
                "on every page: GA4 would count those page views twice. Give the goal its own event_name (such as "
                "the goal's name)",
            )
            for s in page_views
            if senders_of_views
        )
    )


def _enhanced_findings(desired: State, enhanced: Mapping[str, Any] | None, declared: Declarations) -> Findings:
    errors = []
    for double in enhanced_doubles(desired, enhanced):
        sent = double.event.name
        what = repr(sent) if double.matched == (sent,) else f"{sent!r} (as {', '.join(map(repr, double.matched))})"
        where = f" of web stream {double.stream}" if double.stream else ""
        errors.append(
            declared.at(
                double.event.goals,
                f"{_goals(double.event.goals)} sends the GA4 event {what}, which enhanced measurement{where} "
                f"already sends ({double.label} is on): GA4 would count it twice. Switch {double.label} off in GA4 "
                "Admin > Data streams > Enhanced measurement, or give the goal its own event_name",
            )
        )
    return Findings(errors=tuple(dict.fromkeys(errors)))


# ---------------------------------------------------------------------------------------------
# Names


def _case_findings(
    desired: State, senders: list[SentEvent], declared: Declarations, live_names: Mapping[str, str]
) -> Findings:
    """Event names that differ only in letter case: among the goals an error, against the container
    or the property (``live_names``: name → what has it) a warning."""
    spellings: dict[str, dict[str, set[str]]] = {}
    named = [(s.name, s.goals) for s in senders if s.managed and s.literal]
    named += [(k.name, k.goals) for k in desired.of_kind("ga4.key_event")]
    named += [(s.name, s.goals) for s in _external_senders(declared) if s.literal]
    for name, sending in named:
        spellings.setdefault(name.lower(), {}).setdefault(name, set()).update(sending)
    errors, warnings = [], []
    for variants in spellings.values():
        # Spellings that only hand-made tags and adopted key events use are the container's own.
        if len(variants) > 1 and any(variants.values()):
            spelt = [g for names in variants.values() for g in sorted(names)]
            errors.append(
                declared.at(
                    spelt,
                    f"{_goals(spelt)} send {' and '.join(map(repr, sorted(variants)))}: GA4 event names are "
                    "case-sensitive, so these are different events (and key events). Spell them the same",
                )
            )
    for lowered, variants in spellings.items():
        for name, owners in variants.items():
            for other, holder in live_names.items() if owners else ():
                if other.lower() == lowered and other != name:
                    warnings.append(
                        declared.at(
                            owners,
                            f"{_goals(sorted(owners))} sends {name!r}, and {holder} has {other!r}: GA4 event names are "
                            "case-sensitive, so these are different events. Spell them alike if one event is meant",
                        )
                    )
    return Findings(errors=tuple(errors), warnings=tuple(warnings))


def _live_names(live: State, theirs: list[SentEvent]) -> dict[str, str]:
    names = {name: f"the container's tag {s.sender!r}" for s in theirs for name in names_sent(s, live)}
    names.update({k.name: "GA4's key event" for k in live.of_kind("ga4.key_event") if not k.managed})
    return names


def _elsewhere_findings(
    senders: list[SentEvent],
    live: State,
    theirs: list[SentEvent],
    doubles: set[tuple[str, str]],
    declared: Declarations,
    desired: State,
) -> tuple[Findings, dict[str, list[str]]]:
    """Goals' events that container tags send on other triggers (a warning), and event → those tags."""
    by_name: dict[str, list[str]] = {}
    for other in theirs:
        for name in names_sent(other, live):
            by_name.setdefault(name, []).append(other.sender)
    warnings = []
    keyed = {k.name for k in desired.of_kind("ga4.key_event")}
    for ours in _browser_senders(s for s in senders if s.managed):
        tags = [t for t in by_name.get(ours.name, []) if (ours.name, t) not in doubles]
        if tags and ours.name not in keyed:  # key events get the key-event warning instead
            warnings.append(
                declared.at(
                    ours.goals,
                    f"{_goals(ours.goals)} sends {ours.name!r}, which the container's "
                    f"{'tag' if len(tags) == 1 else 'tags'} {', '.join(map(repr, tags))} also "
                    f"{'sends' if len(tags) == 1 else 'send'} on other triggers: GA4 reports them as one event. "
                    "Give the goal its own event_name if they are different things",
                )
            )
    return Findings(warnings=tuple(dict.fromkeys(warnings))), {
        name: [t for t in tags if (name, t) not in doubles] for name, tags in by_name.items()
    }


def _external_findings(live: State, theirs: list[SentEvent], declared: Declarations) -> Findings:
    sent = {name for s in theirs for name in names_sent(s, live)}
    dynamic = [s for s in theirs if not names_sent(s, live)]  # {{Event}} on a regex, a lookup table: anything
    return Findings(
        warnings=tuple(
            declared.at(
                external.goals,
                f"{_goals(external.goals)} says `external: true`, and no tag in the container sends "
                f"{external.name!r}: make sure the site sends it itself (gtag.js in the page, a platform's "
                "integration), or it never reaches GA4",
            )
            for external in _external_senders(declared)
            # an adopted key event (no goal) marks an event the site sent before goalkeeper came
            if external.goals and not dynamic and not any(external.sends(name) for name in sent)
        )
    )


# ---------------------------------------------------------------------------------------------
# The check


def check(
    desired: State,
    declared: Declarations,
    live: State | None = None,
    enhanced_measurement: Mapping[str, Any] | None = None,
    read: frozenset[str] = frozenset({"gtm", "ga4"}),
) -> Findings:
    """Everything the check finds in ``desired`` (every goal's entities, goalkeeper's Google tag
    settled by ``settle_google_tag``) with ``declared``; with ``live`` (what was read of the
    ``read`` targets, ``"gtm"`` and ``"ga4"``; None without a target) also against them, and with
    ``enhanced_measurement`` (the web stream's EnhancedMeasurementSettings in the Admin API's JSON,
    None when unknown) against it."""
    senders = sent_events(desired)
    findings = _key_event_findings(desired, senders, declared) + _own_double_findings(senders, declared)
    theirs = _their_senders(live, declared) if live is not None else []
    read_container = live is not None and "gtm" in read
    elsewhere: dict[str, list[str]] = {}
    if live is not None:
        doubles, found = _container_double_findings(desired, senders, live, theirs, declared)
        others, elsewhere = _elsewhere_findings(senders, live, theirs, found, declared, desired)
        findings += doubles + others + _case_findings(desired, senders, declared, _live_names(live, theirs))
        if read_container:
            findings += _page_view_findings(senders, desired, live, declared) + _external_findings(
                live, theirs, declared
            )
    else:
        findings += _case_findings(desired, senders, declared, {})
        if declared.google_tag_external:
            findings += _page_view_findings(senders, desired, State(), declared)
    findings += _enhanced_findings(desired, enhanced_measurement, declared)
    return findings + _generic_key_event_findings(desired, senders, declared, elsewhere, enhanced_measurement)
