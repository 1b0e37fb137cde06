"""Goals in hand-made entities: which built-in goal kinds, with which inputs, could have made a
GTM trigger and the GA4 Event tag firing on it, or a GA4 event-create rule (``goalkeeper
import``, docs/adopting.md).

The proposers read one trigger (or rule) each and propose goal inputs; they never decide.
``recognise`` renders every proposal and keeps it only when the goal makes exactly what exists
(its ``adopted:`` holding the names and the tag's other settings) and passes the checks
``validate`` runs, so a proposal that is wrong costs a render, never a change. Bodies are in
goalkeeper's State form (references by name, conditions as the Tag Manager API writes them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from goalkeeper.core import consistency, ownership
from goalkeeper.core.builtins import builtin_name
from goalkeeper.core.diff import comparable, differs_beyond_marker
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.events import DATALAYER_EVENT_NAMES
from goalkeeper.core.model import Entity, canonical_json
from goalkeeper.core.state import State
from goalkeeper.goals.adopted import readable_condition, readable_parameters
from goalkeeper.goals.expand import GOOGLE_TAG, expand
from goalkeeper.goals.helpers import CONDITION_TYPES, SOCIAL_NETWORKS, page_url_regex
from goalkeeper.goals.kinds import Kind
from goalkeeper.goals.load import default_event_name, parse_goal_file
from goalkeeper.goals.model import COUNTING
from goalkeeper.goals.source import parse_yaml

# GTM's condition type → the op word goal inputs use (url_contains, path_starts_with, …)
_OPS = {gtm: op for op, gtm in CONDITION_TYPES.items()}


@dataclass(frozen=True)
class Proposal:
    """Goal inputs (besides name and event) of ``kind`` that might make the entities read."""

    kind: str
    inputs: Mapping[str, Any]


def _ref(builtin_type: str) -> str:
    return "{{" + builtin_name(builtin_type) + "}}"


@dataclass(frozen=True)
class Condition:
    """One GTM trigger condition: ``variable`` (a ``{{Reference}}``) ``op`` (goal inputs' word:
    contains, starts_with, regex, css…) ``value``, with GTM's ignore-case and negate flags."""

    variable: str
    op: str
    value: str
    ignore_case: bool = False
    negate: bool = False


def _conditions(body: Mapping[str, Any], key: str = "filter") -> list[Condition] | None:
    """A trigger's condition list as Conditions; None when one has no readable form."""
    out = []
    for condition in body.get(key) or []:
        short = readable_condition(condition)
        flags = {flag: short.pop(flag, False) for flag in ("ignore_case", "negate")} if isinstance(short, dict) else {}
        if not isinstance(short, dict) or len(short) != 1:
            return None
        gtm_type, (variable, value) = next(iter(short.items()))
        op = _OPS.get(gtm_type)
        if op is None:
            return None
        out.append(Condition(str(variable), op, str(value), bool(flags["ignore_case"]), bool(flags["negate"])))
    return out


def _only_condition(body: Mapping[str, Any], key: str = "filter") -> tuple[str, str, str] | None:
    """The one plain condition (no ignore-case, no negation) of a trigger's condition list, as
    (variable, op word, value); None when the list holds none, several, or another form."""
    found = _conditions(body, key)
    if not found or len(found) != 1 or found[0].ignore_case or found[0].negate:
        return None
    return found[0].variable, found[0].op, found[0].value


def _field(body: Mapping[str, Any], key: str) -> Any:
    """A trigger field GTM keeps as a parameter (``waitForTags``, ``interval``), as a plain value."""
    value = body.get(key)
    if not isinstance(value, Mapping):
        return value
    short = readable_parameters([{**value, "key": key}])
    return short.get(key) if isinstance(short, Mapping) else None


def _parameters(body: Mapping[str, Any]) -> dict[str, Any]:
    short = readable_parameters(body.get("parameter") or [])
    return dict(short) if isinstance(short, Mapping) else {}


def _numbers(text: Any) -> list[int] | None:
    parts = [p.strip() for p in str(text or "").split(",")]
    return [int(p) for p in parts] if parts and all(p.isdigit() for p in parts) else None


def _conditions_only(body: Mapping[str, Any], *allowed: str) -> bool:
    return not any(body.get(key) for key in ("filter", "autoEventFilter", "customEventFilter") if key not in allowed)


def link_click(trigger: Mapping[str, Any], tag: Mapping[str, Any]) -> Iterator[Proposal]:
    found = _only_condition(trigger)
    if trigger.get("type") != "linkClick" or not found or found[0] != _ref("clickUrl"):
        return
    _, op, value = found
    if op in ("contains", "equals", "starts_with", "ends_with", "regex"):
        for wait in (False, True):
            yield Proposal("link_click", {f"url_{op}": value, **({"wait_for_tags": True} if wait else {})})


def element_click(trigger: Mapping[str, Any], tag: Mapping[str, Any]) -> Iterator[Proposal]:
    found = _only_condition(trigger)
    if trigger.get("type") != "click" or not found:
        return
    variable, op, value = found
    inputs = {
        (_ref("clickElement"), "css"): "selector",
        (_ref("clickId"), "equals"): "element_id",
        (_ref("clickText"), "equals"): "text",
        (_ref("clickText"), "contains"): "text_contains",
    }
    name = inputs.get((variable, op))
    if name == "selector":
        # The goal adds each part's descendants (``a, a *``): propose the selector without them.
        parts = [p.strip() for p in value.split(",")]
        yield Proposal("element_click", {name: ", ".join(p for p in parts if not p.endswith(" *"))})
    elif name:
        yield Proposal("element_click", {name: value})


def datalayer_event(trigger: Mapping[str, Any], tag: Mapping[str, Any]) -> Iterator[Proposal]:
    found = _only_condition(trigger, "customEventFilter")
    if trigger.get("type") != "customEvent" or not found or not _conditions_only(trigger, "customEventFilter"):
        return
    variable, op, value = found
    if variable == "{{_event}}" and op == "equals":
        # With the ecommerce input when the tag sends ecommerce data and the goal's own parameters
        # can be kept; without it when adopted: keeps the tag's (which then say so themselves).
        if _parameters(tag).get("sendEcommerceData") is True:
            yield Proposal("datalayer_event", {"datalayer_event": value, "ecommerce": True})
        yield Proposal("datalayer_event", {"datalayer_event": value})


def youtube_video(trigger: Mapping[str, Any], tag: Mapping[str, Any]) -> Iterator[Proposal]:
    if trigger.get("type") != "youTubeVideo" or not _conditions_only(trigger):
        return
    params = _parameters(trigger)
    track = [status for status in ("start", "progress", "complete") if params.get(f"capture{status.title()}")]
    if params.get("capturePause"):
        track += ["pause", "seek", "buffering"]
    inputs: dict[str, Any] = {"track": track}
    if "progress" in track:
        unit = params.get("radioButtonGroup1")
        thresholds = _numbers(
            params.get("progressThresholdsTimeInSeconds" if unit == "TIME" else "progressThresholdsPercent")
        )
        if thresholds is None:
            return
        inputs["progress_seconds" if unit == "TIME" else "progress_percent"] = thresholds
    if track:
        yield Proposal("youtube_video", inputs)


def scroll_depth(trigger: Mapping[str, Any], tag: Mapping[str, Any]) -> Iterator[Proposal]:
    if trigger.get("type") != "scrollDepth" or not _conditions_only(trigger, "filter"):
        return
    params = _parameters(trigger)
    pixels = params.get("verticalThresholdUnits") == "PIXELS"
    thresholds = _numbers(params.get("verticalThresholdsPixels" if pixels else "verticalThresholdsPercent"))
    if thresholds is None:
        return
    inputs: dict[str, Any] = {"pixels" if pixels else "percents": thresholds}
    if trigger.get("filter"):
        found = _only_condition(trigger)
        if not found or found[:2] != (_ref("pagePath"), "regex"):
            return
        inputs["page_path_regex"] = found[2]
    yield Proposal("scroll_depth", inputs)


def destination(trigger: Mapping[str, Any], tag: Mapping[str, Any]) -> Iterator[Proposal]:
    found = _only_condition(trigger)
    if trigger.get("type") != "pageview" or not found or not _conditions_only(trigger, "filter"):
        return
    variable, op, value = found
    field = {_ref("pagePath"): "path", _ref("pageUrl"): "url"}.get(variable)
    if field and op in ("equals", "contains", "starts_with", "ends_with", "regex"):
        yield Proposal("destination", {"page": {f"{field}_{op}": value}})


def _page_regex(body: Mapping[str, Any]) -> str | bool | None:
    """The Page Path regex of a trigger's "Enable this trigger when" (autoEventFilter): None when
    it has none, False when it has another condition."""
    found = _conditions(body, "autoEventFilter")
    if not found:
        return None
    if len(found) != 1 or (found[0].variable, found[0].op, found[0].ignore_case, found[0].negate) != (
        _ref("pagePath"),
        "regex",
        False,
        False,
    ):
        return False
    return found[0].value


def timer(trigger: Mapping[str, Any], tag: Mapping[str, Any]) -> Iterator[Proposal]:
    interval, limit, pages = _field(trigger, "interval"), _field(trigger, "limit"), _page_regex(trigger)
    if trigger.get("type") != "timer" or pages is False or not _conditions_only(trigger, "autoEventFilter"):
        return
    milliseconds, repeat = _numbers(interval), _numbers(limit)
    if not milliseconds or not repeat or len(milliseconds) != 1 or milliseconds[0] % 1000:
        return
    inputs: dict[str, Any] = {"seconds": milliseconds[0] // 1000}
    if repeat != [1]:
        inputs["repeat"] = repeat[0]
    if pages not in (None, ".*"):
        inputs["page_path_regex"] = pages
    yield Proposal("timer", inputs)


def form_submit(trigger: Mapping[str, Any], tag: Mapping[str, Any]) -> Iterator[Proposal]:
    found, pages = _only_condition(trigger), _page_regex(trigger)
    if trigger.get("type") != "formSubmission" or not found or pages is False:
        return
    name = {
        (_ref("formId"), "equals"): "form_id",
        (_ref("formClasses"), "contains"): "form_class",
        (_ref("formUrl"), "contains"): "form_url_contains",
    }.get(found[:2])
    if name is None:
        return
    inputs: dict[str, Any] = {name: found[2]}
    for field, word in (("waitForTags", "wait_for_tags"), ("checkValidation", "check_validation")):
        if _field(trigger, field) is True:
            inputs[word] = True
    if pages not in (None, ".*"):
        inputs["on_pages_regex"] = pages
    yield Proposal("form_submit", inputs)


_FREQUENCIES = {"ONCE": "once_per_page", "ONCE_PER_ELEMENT": "once_per_element", "MANY_PER_ELEMENT": "every_time"}


def element_visibility(trigger: Mapping[str, Any], tag: Mapping[str, Any]) -> Iterator[Proposal]:
    params = _parameters(trigger)
    if trigger.get("type") != "elementVisibility" or not _conditions_only(trigger):
        return
    by = {"CSS": ("selector", "elementSelector"), "ID": ("element_id", "elementId")}.get(
        str(params.get("selectorType"))
    )
    ratio, duration = _numbers(params.get("onScreenRatio")), _numbers(params.get("onScreenDuration"))
    if by is None or not isinstance(params.get(by[1]), str) or not ratio:
        return
    inputs: dict[str, Any] = {by[0]: params[by[1]], "min_percent_visible": ratio[0]}
    frequency = _FREQUENCIES.get(str(params.get("firingFrequency")))
    if frequency is None:
        return
    inputs["frequency"] = frequency
    if params.get("useOnScreenDuration") is True and duration:
        inputs["min_seconds"] = duration[0] / 1000 if duration[0] % 1000 else duration[0] // 1000
    if params.get("useDomChangeListener") is True:
        inputs["observe_dom_changes"] = True
    yield Proposal("element_visibility", inputs)


_EXTENSIONS = re.compile(r"\\\.\((?P<list>[a-z0-9|]+)\)\(\[\?#\]\.\*\)\?\$")
_DOMAINS = re.compile(r"\^https\?://\(\[\^/\?#\]\*\\\.\)\?\((?P<list>.+)\)\(:\[0-9\]\+\)\?\(\[/\?#\]\|\$\)")


def _domains(regex: str) -> list[str] | None:
    """The domains of a regex goalkeeper.goals.helpers.domains_regex wrote, None for another one."""
    found = _DOMAINS.fullmatch(regex)
    return [d.replace("\\.", ".").replace("\\-", "-") for d in found["list"].split("|")] if found else None


def link_kinds(trigger: Mapping[str, Any], tag: Mapping[str, Any]) -> Iterator[Proposal]:
    """The link-click kinds whose condition is a regex goalkeeper writes: file_download,
    contact_link, outbound_link and social_link."""
    found = _conditions(trigger)
    if trigger.get("type") != "linkClick" or not found or any(c.variable != _ref("clickUrl") for c in found):
        return
    first = found[0]
    extensions = _EXTENSIONS.fullmatch(first.value) if first.op == "regex" and first.ignore_case else None
    if extensions and not first.negate:
        rest = found[1:]
        if not rest:
            yield Proposal("file_download", {"extensions": extensions["list"].split("|")})
        elif len(rest) == 1 and rest[0].op == "contains" and not (rest[0].ignore_case or rest[0].negate):
            yield Proposal(
                "file_download", {"extensions": extensions["list"].split("|"), "url_contains": rest[0].value}
            )
    if len(found) == 1 and first.ignore_case and not first.negate:
        if first.op == "starts_with" and first.value.endswith(":"):
            yield Proposal("contact_link", {"schemes": [first.value[:-1]]})
        schemes = (
            re.fullmatch(r"\^\((?P<list>[a-z+.-]+(\|[a-z+.-]+)*)\):", first.value) if first.op == "regex" else None
        )
        if schemes:
            yield Proposal("contact_link", {"schemes": schemes["list"].split("|")})
        domains = _domains(first.value) if first.op == "regex" else None
        networks = [n for n, names in SOCIAL_NETWORKS.items() if set(names) <= set(domains or ())]
        if domains and networks:
            yield Proposal("social_link", {"networks": networks})
    if len(found) == 2 and (first.op, first.value, first.ignore_case) == ("regex", "^https?://", True):
        second = found[1]
        domains = _domains(second.value) if second.op == "regex" and second.negate and second.ignore_case else None
        if domains:
            yield Proposal("outbound_link", {"site_domains": domains})


TRIGGER_PROPOSERS: tuple[Callable[[Mapping[str, Any], Mapping[str, Any]], Iterator[Proposal]], ...] = (
    link_click,
    element_click,
    datalayer_event,
    youtube_video,
    scroll_depth,
    destination,
    timer,
    form_submit,
    element_visibility,
    link_kinds,
)


def for_trigger(trigger: Entity, tag: Entity) -> list[Proposal]:
    """What goals might make ``trigger`` and the GA4 Event ``tag`` that fires on it alone."""
    return [p for propose in TRIGGER_PROPOSERS for p in propose(trigger.body, tag.body)]


def for_rule(rule: Entity) -> list[Proposal]:
    """What goals might make the GA4 event-create ``rule``: a destination goal on GA4 (via
    ga4_rule) for a rule on page_view matching page_location with a regular expression."""
    conditions = {
        (c.get("field"), c.get("comparisonType")): c.get("value") for c in rule.body.get("eventConditions", [])
    }
    if len(conditions) != 2 or conditions.get(("event_name", "EQUALS")) != "page_view":
        return []
    regex = conditions.get(("page_location", "REGULAR_EXPRESSION"))
    if not isinstance(regex, str):
        return []
    return [Proposal("destination", {"via": "ga4_rule", "page": page}) for page in _pages_of(regex)]


_MARK = "QqgoalkeeperQq"  # plain letters: every page matcher writes them into its regex unchanged
_PAGE_MATCHERS = [
    f"{field}_{op}" for field in ("path", "url") for op in ("equals", "starts_with", "contains", "ends_with", "regex")
]


def _pages_of(regex: str) -> Iterator[dict[str, str]]:
    """The page matchers (``{path_starts_with: /pricing}``) whose GA4 regex is ``regex``: each
    matcher's regex is written around its text (goalkeeper.goals.helpers.page_url_regex), so the
    text is what lies between the parts written around a marker, when it writes ``regex`` again."""
    for matcher in _PAGE_MATCHERS:
        for lead in ("", "/"):  # some matchers write a path's leading / apart from the rest
            before, _, after = page_url_regex({matcher: lead + _MARK}).partition(_MARK)
            if not (regex.startswith(before) and regex.endswith(after)) or len(regex) < len(before) + len(after):
                continue
            middle = regex[len(before) : len(regex) - len(after)]
            text = lead + (middle if matcher.endswith("regex") else re.sub(r"\\(.)", r"\1", middle))
            if page_url_regex({matcher: text}) == regex:
                yield {matcher: text}


# ---------------------------------------------------------------------------------------------
# Keeping a proposal only when the goal makes exactly what exists

_TAG_OWN = ("type", "firingTrigger", "parameter")
_TRIGGER_OWN = ("type", "parameter", "filter", "autoEventFilter", "customEventFilter")


@dataclass
class Recognised:
    """Goals found (goal-file mappings, in the order found) and the (kind, name) of every live
    entity they make, so the importer lists those under no ``entities:`` entry."""

    goals: list[dict[str, Any]]
    taken: set[tuple[str, str]]


class _Checker:
    """Renders proposed goals in a goal file with ``target`` and compares them with ``live``."""

    def __init__(self, live: State, target: Mapping[str, Any], kinds: Mapping[str, Kind], path: str) -> None:
        self.live, self.kinds, self.path = live, kinds, path
        # A goal first renders with goalkeeper's own measurement-id variable, before ``adopted:``
        # keeps the tag's own: any id will do, since a goal that still needs the variable never
        # matches what exists.
        self.target = {**target, "measurement_id": target.get("measurement_id") or "G-0000000000"}

    def expand(self, goal: Mapping[str, Any]) -> list[Entity] | None:
        """The entities ``goal`` makes, None when it is no valid goal."""
        document = {"target": self.target, "goals": [dict(goal)]}
        try:
            goal_file = parse_goal_file(parse_yaml(json.dumps(document), self.path), self.kinds)
            made = expand(goal_file, self.kinds)
        except GoalkeeperError:
            return None
        # What validate would refuse (a key event nothing sends: the hand-made tag is paused).
        return None if consistency.check(made, goal_file.declarations()).errors else list(made)

    def matches(self, made: list[Entity] | None) -> bool:
        """Whether every entity in ``made`` exists and is as ``live`` has it, goalkeeper's marker aside."""
        if made is None:
            return False
        for want in made:
            have = self.live.get(*want.key)
            if have is None or differs_beyond_marker(want, have):
                return False
        return True


def _event_of(tag: Entity) -> str | None:
    event = _parameters(tag.body).get("eventName")
    return event if isinstance(event, str) and event else None


def _goal_name(text: str, used: set[str]) -> str:
    """A goal name (letters, digits, _; at most 40) from ``text``, not in ``used``."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_") or "goal"
    base = base if base[0].isalpha() else f"goal_{base}"
    name, number = base[:40], 2
    while name in used:
        suffix = f"_{number}"
        name, number = base[: 40 - len(suffix)] + suffix, number + 1
    used.add(name)
    return name


def _kept(want: Entity, have: Entity, own: tuple[str, ...]) -> dict[str, Any] | None:
    """The fields ``have`` (hand-made) keeps over ``want`` (the goal's, not yet renamed) in a goal's
    ``adopted:``: its name, the tag's parameters but the event name, other fields that differ,
    the user's notes. None when ``have`` differs in what the goal decides."""
    live = comparable(want, have)
    kept: dict[str, Any] = {} if want.name == have.name else {"name": have.name}
    for key in sorted(set(live) | set(want.body)):
        if key in ("notes", "parameter") or canonical_json(live.get(key)) == canonical_json(want.body.get(key)):
            continue
        if key in own or key not in live:
            return None
        kept[key] = live[key]
    if want.kind == "gtm.tag":
        mine = [p for p in want.body.get("parameter", []) if p.get("key") != "eventName"]
        theirs = [p for p in live.get("parameter", []) if p.get("key") != "eventName"]
        if canonical_json(mine) != canonical_json(theirs):
            kept["parameter"] = readable_parameters(theirs)
    elif canonical_json(want.body.get("parameter")) != canonical_json(live.get("parameter")):
        return None
    notes = ownership.user_text(have.kind, have.body)
    if notes:
        kept["notes"] = notes
    return kept


def _with_adopted(checker: _Checker, goal: dict[str, Any], pairs: Mapping[str, Entity]) -> dict[str, Any] | None:
    """``goal`` with the ``adopted:`` that makes its trigger and tag the hand-made ``pairs`` (entity
    kind → live entity), when one does."""
    made = checker.expand(goal)
    if made is None:
        return None
    adopted: dict[str, Any] = {}
    renamed: dict[str, str] = {}
    for kind, own in (("gtm.trigger", _TRIGGER_OWN), ("gtm.tag", _TAG_OWN)):
        mine = [e for e in made if e.kind == kind and e.name != GOOGLE_TAG]
        if len(mine) != 1:
            return None
        want = mine[0]
        if "firingTrigger" in want.body:  # the tag fires on the trigger by its hand-made name
            firing = [renamed.get(t, t) for t in want.body["firingTrigger"]]
            want = Entity(want.kind, want.name, {**want.body, "firingTrigger": firing}, want.goals)
        kept = _kept(want, pairs[kind], own)
        if kept is None:
            return None
        renamed[want.name] = pairs[kind].name
        if kept:
            adopted[want.name] = kept
    return {**goal, "adopted": adopted} if adopted else goal


def _with_key_event(checker: _Checker, goal: dict[str, Any], event: str) -> dict[str, Any] | None:
    """``goal`` marking ``event`` as the key event that exists for it, when its settings can say so
    and the goal sends the event."""
    have = checker.live.get("ga4.key_event", event)
    if have is None:
        return None
    settings: dict[str, Any] = {}
    counting = {api: word for word, api in COUNTING.items()}.get(str(have.body.get("countingMethod")))
    if counting is None:
        return None
    if counting != "once_per_event":
        settings["counting"] = counting
    value = have.body.get("defaultValue") or {}
    if value:
        settings["value"] = value.get("numericValue", 0)
        settings["currency"] = value.get("currencyCode")
    with_key_event = {**goal, "key_event": settings or True}
    return with_key_event if checker.matches(checker.expand(with_key_event)) else None


def recognise(
    chosen: list[Entity], live: State, target: Mapping[str, Any], kinds: Mapping[str, Kind], path: str
) -> Recognised:
    """The goals that make groups of ``chosen`` entities exactly as ``live`` has them (a trigger
    and the one GA4 Event tag firing on it; an event-create rule; with the key event on their
    event), as goal-file mappings with ``adopted:``; built-in kinds only."""
    checker = _Checker(live, target, kinds, path)
    keys = {e.key for e in chosen}
    found = Recognised([], set())
    used: set[str] = set()
    for tag in (e for e in chosen if e.kind == "gtm.tag" and e.body.get("type") == "gaawe"):
        triggers = tag.body.get("firingTrigger") or []
        event = _event_of(tag)
        trigger = live.get("gtm.trigger", triggers[0]) if len(triggers) == 1 else None
        if event is None or trigger is None or trigger.key not in keys or trigger.key in found.taken:
            continue
        pairs = {"gtm.trigger": trigger, "gtm.tag": tag}
        _take(checker, found, used, [_goal(checker, p, event, used, pairs, keys) for p in for_trigger(trigger, tag)])
    for rule in (e for e in chosen if e.kind == "ga4.event_create_rule"):
        _take(checker, found, used, [_goal(checker, p, rule.name, used, {}, keys) for p in for_rule(rule)])
    return found


def _event(checker: _Checker, goal: Mapping[str, Any]) -> str:
    """The event GA4 receives from ``goal``: a tag sending ``{{Event}}`` sends the dataLayer event."""
    event = str(goal.get("event_name") or default_event_name(checker.kinds[goal["kind"]], goal))
    return str(goal.get("datalayer_event", event)) if event in DATALAYER_EVENT_NAMES else event


def _take(checker: _Checker, found: Recognised, used: set[str], goals: list[dict[str, Any] | None]) -> None:
    """Add the goal that says the most with the fewest kept settings, of those that make what exists."""
    # One goal per event: the same event (or one differing in case only) from two hand-made tags
    # stays with the entities, where the consistency check cannot mistake it for a double send.
    sent = {_event(checker, g).casefold() for g in found.goals}
    fitting = [g for g in goals if g is not None and _event(checker, g).casefold() not in sent]
    if not fitting:
        return
    goal = min(fitting, key=lambda g: len(canonical_json(g.get("adopted", {}))))
    last = ("event_name", "key_event", "adopted")  # read first what the goal tracks, then how
    goal = {**{k: v for k, v in goal.items() if k not in last}, **{k: goal[k] for k in last if k in goal}}
    used.add(goal["name"])
    found.goals.append(goal)
    found.taken |= {e.key for e in checker.expand(goal) or ()}


def _goal(
    checker: _Checker,
    proposal: Proposal,
    event: str,
    used: set[str],
    pairs: Mapping[str, Entity],
    keys: set[tuple[str, str]],
) -> dict[str, Any] | None:
    """The goal ``proposal`` describes, when it makes exactly the chosen entities ``pairs`` (and
    nothing that is not chosen), with the key event on ``event`` when that is chosen too."""
    # A goal is named after its event; one sent under a variable ({{Event}}) after what fires it.
    source = event if "{{" not in event else proposal.inputs.get("datalayer_event") or proposal.kind
    name = _goal_name(str(source), set(used))
    kind = checker.kinds[proposal.kind]
    inputs = {k: v for k, v in proposal.inputs.items() if v != kind.inputs.get(k, {}).get("default")}
    goal: dict[str, Any] = {"name": name, "kind": proposal.kind, **inputs}
    if default_event_name(kind, goal) != event:
        goal["event_name"] = event
    complete = _with_adopted(checker, goal, pairs) if pairs else {**goal, "adopted": {event: {}}}
    if complete is None:
        return None
    if ("ga4.key_event", event) in keys:
        complete = _with_key_event(checker, complete, event) or complete
    made = checker.expand(complete)
    if made is None or not checker.matches(made):
        return None
    return complete if all(e.key in keys or e.kind == "gtm.builtin_variable" for e in made) else None
