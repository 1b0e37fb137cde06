"""Would this interaction count? GTM triggers and tags, and GA4 event-create rules, evaluated on an
example the way GTM's and GA4's own code evaluates them, without a browser.

``evaluate(example, entities, goal)`` takes the entities of a container and a property (whatever
made them: goalkeeper's expansion, a container export, a live workspace), an Example (a page and
what the visitor did on it) and the goal whose tags and rules are asked about, and returns a
Verdict: whether the goal's event is sent, and the condition that decided it, in words.
``trigger_fires(name, example, entities)`` answers the same for one trigger.

The model of GTM (sources: the Tag Manager API v2 reference for Condition and Trigger; GTM's help
on trigger types and conditions; the auto-event keys gtm.js pushes, ``gtm.element*``):

- An interaction becomes the dataLayer events GTM's listeners push: a page load ``gtm.init_consent``,
  ``gtm.init``, ``gtm.js``, ``gtm.dom``, ``gtm.load``; a click ``gtm.click``, and ``gtm.linkClick``
  when it lands in a link (the link is then the element); a form ``gtm.formSubmit``; a pushed
  object its own ``event``; a video ``gtm.video`` per status (progress: per threshold reached);
  scrolling ``gtm.scrollDepth`` per threshold reached; ``gtm.elementVisibility``; ``gtm.timer``.
- A trigger fires on an event of its type when all its conditions hold: ``customEventFilter``,
  ``autoEventFilter`` (read on the page: "enable this trigger when") and ``filter``. A condition
  compares its operands as text (undefined reads "undefined"): equals, contains, starts/ends with,
  matches RegEx (RE2, found anywhere), greater/less (as numbers), matches CSS selector (on an
  element, as Element.matches), each with ``ignore_case`` and ``negate``.
- "Check Validation" on a link-click or form trigger: the trigger does not fire when a script
  cancelled the browser's own navigation or submission.
- A trigger group fires when each of its triggers has fired at least once on the page.
- A tag fires on an event when one of its firing triggers fires on it and none of its blocking
  triggers does; a paused tag never fires.

GA4 (source: the Admin API's MatchingCondition; "[GA4] About regular expressions",
support.google.com/analytics/answer/1034324): every page load sends ``page_view`` with
``page_location`` (the Google tag); every GA4 event tag that fires sends its event with its
parameters; an event-create rule creates its event when all its conditions hold, regexes matching
the whole value.

Where a condition reads a variable the model cannot compute (Custom JavaScript, cookies, custom
templates), the verdict is undecided and says which variable; it is never guessed.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import re2

from goalkeeper.core.builtins import BUILTIN_TRIGGERS, BUILTIN_VARIABLE_NAMES
from goalkeeper.core.describe import condition_text, ga4_condition_text, quote
from goalkeeper.core.model import Entity

# Beautiful Soup and soupsieve (about 60 ms to import) are imported when an element is first
# looked at: reading a goal file (`validate`, a pre-commit hook) only checks that each example's
# HTML has an element, which Python's own HTML parser, the one bs4 runs, settles.
if TYPE_CHECKING:
    from bs4 import Tag

DEFAULT_PAGE = "https://www.example.com/"
_REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


class Undecided(Exception):
    """A value the model cannot compute (a Custom JavaScript variable, a cookie, an unknown type)."""


# ---------------------------------------------------------------------------------------------
# The example: a page and what the visitor did on it


class Element:
    """An element of the page an interaction reached, with its ancestors (parsed from HTML, or
    built by ``build`` when first looked at)."""

    def __init__(self, tag: Tag | None = None, build: Callable[[], Tag] | None = None) -> None:
        self._tag = tag
        self._build = build

    @property
    def tag(self) -> Tag:
        if self._tag is None:
            assert self._build is not None, "an Element needs a tag or a way to build one"
            self._tag = self._build()
        return self._tag

    @classmethod
    def innermost(cls, html: str) -> Element:
        """The innermost element of ``html``: its first element, then that element's first child
        element, and so on (``<a href="/x"><span>Go</span></a>`` → the span). Raises ValueError
        when ``html`` has no element."""
        if _has_start_tag(html):
            return cls(build=lambda: _innermost_tag(html))
        return cls(_innermost_tag(html))  # bs4 says what is wrong, as it would later

    def attribute(self, name: str) -> str:
        value = self.tag.get(name)
        if isinstance(value, list):  # bs4 splits class into a list
            return " ".join(value)
        return "" if value is None else str(value)

    @property
    def text(self) -> str:
        return " ".join(self.tag.get_text(" ").split())

    def closest(self, selector: str) -> Element | None:
        import soupsieve

        found = soupsieve.closest(selector, self.tag)
        return Element(found) if found is not None else None

    def matches(self, selector: str) -> bool:
        """Element.matches(selector); raises ValueError on a selector browsers would refuse."""
        import soupsieve

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return bool(soupsieve.match(selector, self.tag))
        except soupsieve.SelectorSyntaxError as error:
            raise ValueError(f"CSS selector {selector!r} does not parse: {str(error).splitlines()[0]}") from None

    def __str__(self) -> str:
        return f"<{self.tag.name}>"


class _StartTags(HTMLParser):
    """Python's HTML parser as bs4's html.parser builder runs it (convert_charrefs off), noting
    whether it met a start tag: bs4 makes an element of every start tag it is handed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.met = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.met = True  # <tag/> comes here too, through handle_startendtag


def _has_start_tag(html: str) -> bool:
    """Whether bs4 would find an element in ``html`` (False also where the parser gives up on
    the markup, which bs4 reports as ParserRejectedMarkup: let bs4 say so)."""
    parser = _StartTags()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:
        return False
    return parser.met


def _innermost_tag(html: str) -> Tag:
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(html, "html.parser")
    node = soup.find(True)
    if not isinstance(node, Tag):
        raise ValueError(f"no HTML element in {html!r}")
    while isinstance(child := node.find(True, recursive=False), Tag):
        node = child
    return node


def _element(spec: Any, tag: str, text_key: str = "text") -> Element:
    """An element from an example's description: ``html``, or ``id``/``classes``/``text``/``tag``
    (and ``url`` for a link's href, ``action`` for a form's)."""
    if isinstance(spec, str):
        spec = {"html": spec} if spec.lstrip().startswith("<") else {"url": spec}
    if spec.get("html"):
        return Element.innermost(str(spec["html"]))
    return Element(build=lambda: _described_tag(spec, tag, text_key))


def _described_tag(spec: Mapping[str, Any], tag: str, text_key: str) -> Tag:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup("", "html.parser")
    node = soup.new_tag(str(spec.get("tag", tag)))
    for key, attribute in (
        ("id", "id"),
        ("classes", "class"),
        ("url", "href"),
        ("action", "action"),
        ("target", "target"),
    ):
        if spec.get(key) is not None:
            node[attribute] = str(spec[key])
    if spec.get(text_key) is not None:
        node.string = str(spec[text_key])
    soup.append(node)
    return node


@dataclass(frozen=True)
class Step:
    """One thing a visitor did on the page: kind ``click``, ``form``, ``push``, ``video``,
    ``scroll``, ``visible`` or ``time``, with what describes it."""

    kind: str
    spec: Mapping[str, Any]
    element: Element | None = field(default=None, compare=False)
    said: str = ""  # the step as the goal file says it: link "/checkout"


@dataclass(frozen=True)
class Example:
    """A page (absolute URL) and the steps a visitor took there, in order."""

    page: str = DEFAULT_PAGE
    steps: tuple[Step, ...] = ()
    referrer: str = ""

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Example:
        """An example as goal files write it (README, "Proving goals with examples"): ``page``, then one step
        (``link``, ``click``, ``form``, ``datalayer``, ``video``, ``scroll``, ``visible``,
        ``time_on_page``) or ``steps: [...]``. Raises ValueError on an element that cannot be read."""
        page = str(spec.get("page") or DEFAULT_PAGE)
        steps = [_step(item) for item in spec.get("steps", [])]
        steps += [_step({key: spec[key]}) for key in STEP_KEYS if key in spec]
        return cls(page, tuple(steps), str(spec.get("referrer", "")))

    def describe(self) -> str:
        """The example in one line, as the goal file says it: ``link "/checkout" on https://…/``."""
        if not self.steps:
            return f"page view of {self.page}"
        return f"{', then '.join(s.said for s in self.steps)} on {self.page}"


STEP_KEYS = ("link", "click", "form", "datalayer", "video", "scroll", "visible", "time_on_page")


def _step(item: Mapping[str, Any]) -> Step:
    key, value = next(iter(item.items()))
    said = (
        f"{key} {quote(value)}"
        if not isinstance(value, Mapping)
        else f"{key} {{{', '.join(f'{k}: {quote(v)}' for k, v in value.items())}}}"
    )
    return replace(_parse_step(key, value), said=said)


def _parse_step(key: str, value: Any) -> Step:
    if key == "link":
        spec = {"url": value} if isinstance(value, str) else dict(value)
        return Step("click", spec, _element(spec, "a"))
    if key == "click":
        spec = {"html": value} if isinstance(value, str) else dict(value)
        return Step("click", spec, _element(spec, "button"))
    if key == "form":
        spec = {"id": value} if isinstance(value, str) else dict(value)
        return Step("form", spec, _element(spec, "form"))
    if key == "datalayer":
        return Step("push", dict(value))
    if key == "video":
        return Step("video", {"status": value} if isinstance(value, str) else dict(value))
    if key == "scroll":
        return Step("scroll", {"percent": value} if isinstance(value, int | float) else dict(value))
    if key == "visible":
        spec = {"html": value} if isinstance(value, str) else dict(value)
        return Step("visible", spec, _element(spec, "div"))
    if key == "time_on_page":
        return Step("time", {"seconds": value})
    raise ValueError(f"unknown step {key!r}; use one of {', '.join(STEP_KEYS)}")


# ---------------------------------------------------------------------------------------------
# Events: what GTM's listeners push for each step


@dataclass
class Event:
    """One dataLayer event: its name, the built-in variables it sets and the keys it pushes."""

    name: str
    builtins: dict[str, Any]
    message: dict[str, Any]
    step: Step | None = None
    trigger: str | None = None  # an event only one trigger's listener pushes (a scroll threshold…)


def _page_builtins(example: Example) -> dict[str, Any]:
    parts = urlsplit(example.page)
    return {
        "Page URL": example.page.split("#", 1)[0],
        "Page Hostname": parts.hostname or "",
        "Page Path": parts.path or "/",
        "Referrer": example.referrer,
    }


def _element_builtins(prefix: str, element: Element, url: str, page: str) -> dict[str, Any]:
    return {
        f"{prefix} Element": element,
        f"{prefix} Classes": element.attribute("class"),
        f"{prefix} ID": element.attribute("id"),
        f"{prefix} Target": element.attribute("target"),
        f"{prefix} URL": urljoin(page, url) if url else "",
        f"{prefix} Text": element.text,
    }


def _auto_keys(builtins: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The gtm.element* keys GTM's listeners push, for data-layer variables that read them."""
    names = {"Element": "gtm.element", "Classes": "gtm.elementClasses", "ID": "gtm.elementId"}
    names |= {"Target": "gtm.elementTarget", "URL": "gtm.elementUrl", "Text": "gtm.elementText"}
    return {key: builtins[f"{prefix} {suffix}"] for suffix, key in names.items()}


PAGE_LOAD_EVENTS = ("gtm.init_consent", "gtm.init", "gtm.js", "gtm.dom", "gtm.load")


def step_events(step: Step, example: Example) -> list[Event]:
    """The generic events a step pushes (those every listener sees alike)."""
    page = example.page
    if step.kind == "click" and step.element is not None:
        clicked = _element_builtins("Click", step.element, step.element.attribute("href"), page)
        events = [Event("gtm.click", clicked, {"event": "gtm.click", **_auto_keys(clicked, "Click")}, step)]
        link = step.element.closest("a[href], area[href]")
        if link is not None:
            linked = _element_builtins("Click", link, link.attribute("href"), page)
            events.append(
                Event("gtm.linkClick", linked, {"event": "gtm.linkClick", **_auto_keys(linked, "Click")}, step)
            )
        return events
    if step.kind == "form" and step.element is not None:
        form = _element_builtins("Form", step.element, step.element.attribute("action") or page, page)
        return [Event("gtm.formSubmit", form, {"event": "gtm.formSubmit", **_auto_keys(form, "Form")}, step)]
    if step.kind == "push":
        name = step.spec.get("event")
        return [Event(str(name), {}, dict(step.spec), step)] if name is not None else []
    return []


# ---------------------------------------------------------------------------------------------
# Verdicts


@dataclass(frozen=True)
class Verdict:
    """``counts``: whether the goal's event is sent (None: undecided); ``reason``: the condition
    that decided it, in words."""

    counts: bool | None
    reason: str


@dataclass(frozen=True)
class Firing:
    """Whether a trigger fires on one event: ``fired`` (None: undecided) and why."""

    fired: bool | None
    reason: str


# ---------------------------------------------------------------------------------------------
# The container


@dataclass
class Container:
    """The entities the evaluator reads, by name (triggers also by id, for trigger groups)."""

    triggers: dict[str, Mapping[str, Any]]
    tags: dict[str, Mapping[str, Any]]
    variables: dict[str, Mapping[str, Any]]
    rules: dict[str, Mapping[str, Any]]
    goals: dict[str, tuple[str, ...]]  # (kind, name) key as "kind:name" → goals it serves

    @classmethod
    def of(cls, entities: Iterable[Entity]) -> Container:
        triggers: dict[str, Mapping[str, Any]] = {}
        tags: dict[str, Mapping[str, Any]] = {}
        variables: dict[str, Mapping[str, Any]] = {}
        rules: dict[str, Mapping[str, Any]] = {}
        goals: dict[str, tuple[str, ...]] = {}
        for entity in entities:
            table = {"gtm.trigger": triggers, "gtm.tag": tags, "gtm.variable": variables}.get(entity.kind)
            if entity.kind == "ga4.event_create_rule":
                table = rules
            if table is None:
                continue
            table[entity.name] = entity.body
            goals[f"{entity.kind}:{entity.name}"] = entity.goals
            trigger_id = entity.body.get("triggerId") if entity.kind == "gtm.trigger" else None
            if trigger_id:
                triggers.setdefault(str(trigger_id), entity.body)
        return cls(triggers, tags, variables, rules, goals)

    def serving(self, kind: str, goal: str) -> list[str]:
        """Names of the entities of ``kind`` that serve ``goal``."""
        table = self.tags if kind == "gtm.tag" else self.rules
        return [name for name in table if goal in self.goals.get(f"{kind}:{name}", ())]


# ---------------------------------------------------------------------------------------------
# Values


def _param(body: Mapping[str, Any], key: str, default: str = "") -> str:
    """A trigger's or variable's parameter value by key (top-level Parameter fields too)."""
    value = body.get(key)
    if isinstance(value, Mapping):
        return str(value.get("value", default))
    for param in body.get("parameter", []) or []:
        if param.get("key") == key:
            return str(param.get("value", default))
    return default


def _param_list(body: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    for param in body.get("parameter", []) or []:
        if param.get("key") == key:
            return list(param.get("list", []) or [])
    return []


def as_text(value: Any) -> str:
    """A value as GTM compares it: JavaScript's String(value)."""
    if value is None:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Element):
        return f"[object HTML{value.tag.name.capitalize()}Element]"
    if isinstance(value, list | dict):
        return ",".join(as_text(v) for v in value) if isinstance(value, list) else "[object Object]"
    return str(value)


# Built-ins whose values come from the event (undefined on events that do not set them); the others
# (Container ID, Random Number, Debug Mode…) depend on things outside the example.
_EVENT_BUILTINS = frozenset(
    name
    for name in BUILTIN_VARIABLE_NAMES.values()
    if name.split()[0] in ("Click", "Form", "Error", "Video", "Scroll", "Percent", "On-Screen", "Element")
    or "History" in name
)


class Scope:
    """Variable values for one event: the built-ins it sets, the page's, the data layer so far."""

    def __init__(self, container: Container, example: Example, event: Event, datalayer: Mapping[str, Any]):
        self.container = container
        self.example = example
        self.event = event
        self.datalayer = {**datalayer, **event.message}
        self.builtins = {**_page_builtins(example), "Event": event.name, "_event": event.name, **event.builtins}

    def value(self, name: str, depth: int = 0) -> Any:
        """The value of ``{{name}}``; raises Undecided for what the model cannot compute."""
        if name in self.builtins:
            return self.builtins[name]
        body = self.container.variables.get(name)
        if body is None and name in _EVENT_BUILTINS:
            return None  # read from gtm.* keys this event did not push: undefined, as in GTM
        if body is None:
            raise Undecided(
                f"{{{{{name}}}}} has no value in this example (a built-in goalkeeper does not model, or an unknown variable)"
            )
        if depth > 10:
            raise Undecided(f"{{{{{name}}}}} refers to itself")
        return self._variable(name, body, depth)

    def text(self, template: str, depth: int = 0) -> Any:
        """A template such as ``{{Click URL}}`` (its value as it is) or ``a-{{X}}`` (as text)."""
        whole = _REFERENCE.fullmatch(template.strip())
        if whole:
            return self.value(whole.group(1), depth + 1)
        return _REFERENCE.sub(lambda m: as_text(self.value(m.group(1), depth + 1)), template)

    def _variable(self, name: str, body: Mapping[str, Any], depth: int) -> Any:
        vtype = str(body.get("type", ""))
        if vtype == "c":
            return self.text(_param(body, "value"), depth)
        if vtype == "v":
            found = _lookup(self.datalayer, _param(body, "name"), _param(body, "dataLayerVersion", "2") != "1")
            if found is None and _param(body, "setDefaultValue") == "true":
                return self.text(_param(body, "defaultValue"), depth)
            return found
        if vtype == "u":
            return _url_component(
                body,
                self.text(_param(body, "customUrlSource"), depth)
                if _param(body, "customUrlSource")
                else self.example.page,
            )
        if vtype == "aev":
            return self._auto_event(name, body)
        if vtype in ("smm", "remm"):
            return self._table(name, body, depth)
        kinds = {
            "jsm": "a Custom JavaScript",
            "j": "a JavaScript",
            "k": "a cookie",
            "d": "a DOM element",
            "gas": "a settings",
        }
        raise Undecided(
            f"{{{{{name}}}}} is {kinds.get(vtype, 'a ' + repr(vtype))} variable; goalkeeper cannot compute it without a browser"
        )

    def _auto_event(self, name: str, body: Mapping[str, Any]) -> Any:
        prefix = "Form" if self.event.name == "gtm.formSubmit" else "Click"
        var_type = _param(body, "varType", "ELEMENT").upper()
        if var_type == "ATTRIBUTE":
            element = self.builtins.get(f"{prefix} Element")
            return element.attribute(_param(body, "attribute")) if isinstance(element, Element) else None
        suffix = {
            "ELEMENT": "Element",
            "CLASSES": "Classes",
            "ID": "ID",
            "TARGET": "Target",
            "URL": "URL",
            "TEXT": "Text",
        }.get(var_type)
        if suffix is None:
            raise Undecided(f"{{{{{name}}}}} reads {var_type}, which goalkeeper does not model")
        return self.builtins.get(f"{prefix} {suffix}")

    def _table(self, name: str, body: Mapping[str, Any], depth: int) -> Any:
        given = as_text(self.text(_param(body, "input"), depth))
        ignore_case = _param(body, "ignoreCase") == "true"
        for row in _param_list(body, "map"):
            cells = {p.get("key"): str(p.get("value", "")) for p in row.get("map", [])}
            key = cells.get("key", "")
            if body.get("type") == "smm":
                hit = given == key
            else:
                options = re2.Options()
                options.case_sensitive = not ignore_case
                options.log_errors = False
                full = _param(body, "fullMatch") == "true"
                pattern = re2.compile(key, options)
                hit = (pattern.fullmatch(given) if full else pattern.search(given)) is not None
            if hit:
                return self.text(cells.get("value", ""), depth)
        if _param(body, "setDefaultValue") == "true":
            return self.text(_param(body, "defaultValue"), depth)
        return None


def _lookup(data: Mapping[str, Any], key: str, dotted: bool) -> Any:
    """A data-layer key: version 2 reads dots as nesting (``ecommerce.value``), as GTM does."""
    if key in data or not dotted:
        return data.get(key)
    value: Any = data
    for part in key.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _url_component(body: Mapping[str, Any], url: str) -> Any:
    parts = urlsplit(url)
    component = _param(body, "component", "URL").upper()
    if component == "QUERY":
        key = _param(body, "queryKey")
        pairs = [p.split("=", 1) for p in parts.query.split("&") if p]
        return next((v[1] if len(v) > 1 else "" for v in pairs if v[0] == key), None) if key else parts.query
    return {
        "URL": url.split("#", 1)[0],
        "PROTOCOL": parts.scheme,
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
        "PATH": parts.path or "/",
        "FRAGMENT": parts.fragment,
    }.get(component, url)


# ---------------------------------------------------------------------------------------------
# Conditions


def _condition_args(condition: Mapping[str, Any]) -> dict[str, str]:
    return {str(p.get("key")): str(p.get("value", "")) for p in condition.get("parameter", [])}


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def condition_holds(condition: Mapping[str, Any], scope: Scope) -> tuple[bool, str]:
    """Whether a GTM condition holds in ``scope``, and the condition in words with the value it
    read (``Click URL contains "/checkout" (Click URL is "https://…/cart")``). Raises Undecided."""
    args = _condition_args(condition)
    ctype = str(condition.get("type", ""))
    left = scope.text(args.get("arg0", ""))
    right = as_text(scope.text(args.get("arg1", "")))
    ignore_case = args.get("ignore_case") == "true"
    subject = re.sub(r"^\{\{(.*)\}\}$", r"\1", args.get("arg0", ""))
    seen = f"{subject} is {left}" if isinstance(left, Element) else f"{subject} is {quote(as_text(left))}"
    words = f"{condition_text(condition)} [{seen}]"
    if ctype == "cssSelector":
        if not isinstance(left, Element):
            return args.get("negate") == "true", words
        try:
            result = left.matches(right)
        except ValueError as error:
            raise Undecided(str(error)) from None
    else:
        result = compare(ctype, as_text(left), right, ignore_case)
    return result != (args.get("negate") == "true"), words


def compare(ctype: str, left: str, right: str, ignore_case: bool) -> bool:
    """Whether GTM's condition operator ``ctype`` holds between ``left`` (the variable's value) and
    ``right``: text comparisons, numbers, and RE2 found anywhere in the value. Raises Undecided for a
    regex RE2 refuses or an operator that is not modelled."""
    if ctype in ("greater", "greaterOrEquals", "less", "lessOrEquals"):
        a, b = _number(left), _number(right)
        if a is None or b is None:
            return False
        return {"greater": a > b, "greaterOrEquals": a >= b, "less": a < b, "lessOrEquals": a <= b}[ctype]
    if ctype == "matchRegex":
        options = re2.Options()
        options.case_sensitive = not ignore_case
        options.log_errors = False
        try:
            return re2.compile(right, options).search(left) is not None
        except re2.error:
            raise Undecided(f"regular expression {right!r} does not compile in RE2") from None
    if ignore_case:
        left, right = left.lower(), right.lower()
    tests = {
        "equals": left == right,
        "contains": right in left,
        "startsWith": left.startswith(right),
        "endsWith": left.endswith(right),
    }
    if ctype not in tests:
        raise Undecided(f"condition type {ctype!r} is not modelled")
    return tests[ctype]


def _all_hold(conditions: Sequence[Mapping[str, Any]], scope: Scope, what: str) -> Firing:
    """All ``conditions`` hold (GTM ANDs them): the first that does not decides."""
    held = []
    for condition in conditions:
        try:
            holds, words = condition_holds(condition, scope)
        except Undecided as why:
            return Firing(None, f"{what}: cannot evaluate {condition_text(condition)}: {why}")
        if not holds:
            return Firing(False, f"{what}: {words.replace(' [', ' is false [', 1)}")
        held.append(words)
    return Firing(True, "; ".join(held))


# ---------------------------------------------------------------------------------------------
# Triggers


_PAGE_TRIGGERS = {
    "pageview": "gtm.js",
    "domReady": "gtm.dom",
    "windowLoaded": "gtm.load",
    "init": "gtm.init",
    "consentInit": "gtm.init_consent",
}
_STEP_TRIGGERS = {"click": "gtm.click", "linkClick": "gtm.linkClick", "formSubmission": "gtm.formSubmit"}


def _thresholds(text: str) -> list[float]:
    return [float(t) for t in re.split(r"[,\s]+", text) if _number(t) is not None]


def listener_events(name: str, body: Mapping[str, Any], step: Step, example: Example) -> list[Event]:
    """The events the listener of one trigger (scroll depth, video, visibility, timer) pushes for
    ``step``, each carrying the values it sets."""
    ttype = str(body.get("type"))
    if ttype == "scrollDepth" and step.kind == "scroll":
        return _scroll_events(name, body, step)
    if ttype == "youTubeVideo" and step.kind == "video":
        return _video_events(name, body, step)
    if ttype == "elementVisibility" and step.kind == "visible" and step.element is not None:
        return _visibility_events(name, body, step, step.element)
    if ttype == "timer" and step.kind == "time":
        interval = (_number(_param(body, "interval", "0")) or 0) / 1000
        limit = _number(_param(body, "limit", "")) or float("inf")  # how often, not whether
        seconds = float(step.spec.get("seconds", 0))
        if interval <= 0 or seconds < interval or limit < 1:
            return []
        event_name = _param(body, "eventName", "gtm.timer") or "gtm.timer"
        return [Event(event_name, {}, {"event": event_name}, step, name)]
    return []


def _scroll_events(name: str, body: Mapping[str, Any], step: Step) -> list[Event]:
    if _param(body, "verticalThresholdOn", "true") != "true":
        return []
    units = _param(body, "verticalThresholdUnits", "PERCENT").upper()
    key = "percent" if units == "PERCENT" else "pixels"
    reached = step.spec.get(key)
    if reached is None:
        return []
    values = _thresholds(_param(body, "verticalThresholdsPercent" if key == "percent" else "verticalThresholdsPixels"))
    return [
        Event(
            "gtm.scrollDepth",
            {"Scroll Depth Threshold": t, "Scroll Depth Units": key, "Scroll Direction": "vertical"},
            {"event": "gtm.scrollDepth", "gtm.scrollThreshold": t},
            step,
            name,
        )
        for t in values
        if t <= float(reached)
    ]


def _video_events(name: str, body: Mapping[str, Any], step: Step) -> list[Event]:
    status = str(step.spec.get("status", "start"))
    capture = {"start": "captureStart", "complete": "captureComplete", "progress": "captureProgress"}.get(
        status, "capturePause"
    )
    if _param(body, capture) != "true":
        return []
    base = {
        "Video Provider": str(step.spec.get("provider", "youtube")),
        "Video Status": status,
        "Video URL": str(step.spec.get("url", "https://www.youtube.com/watch?v=example")),
        "Video Title": str(step.spec.get("title", "")),
        "Video Percent": step.spec.get("percent", 100 if status == "complete" else 0),
        "Video Visible": True,
    }
    if status != "progress":
        return [Event("gtm.video", base, {"event": "gtm.video"}, step, name)]
    by_time = _param(body, "radioButtonGroup1", "PERCENTAGE").upper() == "TIME"
    reached = step.spec.get("seconds" if by_time else "percent")
    if reached is None:
        return []
    values = _thresholds(_param(body, "progressThresholdsTimeInSeconds" if by_time else "progressThresholdsPercent"))
    key = "Video Current Time" if by_time else "Video Percent"
    return [
        Event("gtm.video", {**base, key: t}, {"event": "gtm.video"}, step, name) for t in values if t <= float(reached)
    ]


def _visibility_events(name: str, body: Mapping[str, Any], step: Step, element: Element) -> list[Event]:
    if _param(body, "selectorType", "ID").upper() == "ID":
        seen = element.attribute("id") == _param(body, "elementId")
    else:
        try:
            seen = element.matches(_param(body, "elementSelector"))
        except ValueError:
            return []
    percent = float(step.spec.get("percent", 100))
    seconds = float(step.spec.get("seconds", 0))
    if not seen or percent < (_number(_param(body, "onScreenRatio", "50")) or 0):
        return []
    if _param(body, "useOnScreenDuration") == "true" and seconds * 1000 < (
        _number(_param(body, "onScreenDuration", "0")) or 0
    ):
        return []
    values = {"Percent Visible": percent, "On-Screen Duration": seconds * 1000}
    return [Event("gtm.elementVisibility", values, {"event": "gtm.elementVisibility"}, step, name)]


def _why_no_event(body: Mapping[str, Any], example: Example) -> str:
    ttype = str(body.get("type"))
    needs = {
        "click": "a click",
        "linkClick": "a click on a link",
        "formSubmission": "a form submission",
        "scrollDepth": "a scroll reaching one of its thresholds",
        "youTubeVideo": "a video status it captures (and a progress threshold reached)",
        "elementVisibility": "its element on screen long and far enough",
        "timer": "enough time on the page",
        "historyChange": "a history change (not modelled)",
    }.get(ttype, f"an event of type {ttype}")
    return f"nothing in the example makes its event: it needs {needs}"


@dataclass
class Run:
    """One example played through a container: the events in order, and which triggers fired on each."""

    container: Container
    example: Example
    events: list[tuple[Event, dict[str, Any]]] = field(default_factory=list)  # (event, data layer before it)

    @classmethod
    def play(cls, container: Container, example: Example) -> Run:
        run = cls(container, example)
        datalayer: dict[str, Any] = {}
        for name in PAGE_LOAD_EVENTS:
            run.events.append((Event(name, {}, {"event": name}), dict(datalayer)))
        for step in example.steps:
            generic = step_events(step, example)
            for event in generic:
                run.events.append((event, dict(datalayer)))
                if step.kind == "push":
                    datalayer = _merge(datalayer, event.message)
            for trigger_name, body in container.triggers.items():
                for event in listener_events(trigger_name, body, step, example):
                    run.events.append((event, dict(datalayer)))
            if step.kind == "push" and not generic:
                datalayer = _merge(datalayer, dict(step.spec))
        return run

    def trigger_on(self, name: str, index: int, seen: frozenset[str] = frozenset()) -> Firing:
        """Whether trigger ``name`` fires on the event at ``index``."""
        builtin = _builtin_trigger(name)
        body = builtin if builtin is not None else self.container.triggers.get(name)
        if body is None:
            return Firing(None, f'trigger "{name}" is not in the container')
        event, datalayer = self.events[index]
        ttype = str(body.get("type"))
        if ttype == "triggerGroup":
            return self._group_on(name, body, index, seen | {name})
        if event.trigger is not None and event.trigger != name:
            return Firing(False, "another trigger's listener")
        expected = _PAGE_TRIGGERS.get(ttype) or _STEP_TRIGGERS.get(ttype)
        if ttype == "customEvent":
            pass
        elif expected is not None:
            if event.name != expected:
                return Firing(False, f"waits for {expected}")
        elif event.trigger != name:
            return Firing(False, "not its listener's event")
        scope = Scope(self.container, self.example, event, datalayer)
        if (
            ttype in ("linkClick", "formSubmission")
            and _param(body, "checkValidation") == "true"
            and event.step
            and event.step.spec.get("script_cancels")
        ):
            return Firing(
                False,
                f'trigger "{name}": Check Validation is on and a script cancelled the {"navigation" if ttype == "linkClick" else "submission"}',
            )
        whats = ("is not for this event", "is not enabled on this page", "does not fire")
        for key, what in zip(("customEventFilter", "autoEventFilter", "filter"), whats, strict=True):
            conditions = body.get(key) or []
            if not conditions:
                continue
            verdict = _all_hold(conditions, scope, f'trigger "{name}" {what}')
            if verdict.fired is not True:
                return verdict
        if ttype == "customEvent" and not body.get("customEventFilter"):
            return Firing(False, f'trigger "{name}" has no event name')
        return Firing(True, f'trigger "{name}" fires on {event.name}' + _held(body, scope))

    def _group_on(self, name: str, body: Mapping[str, Any], index: int, seen: frozenset[str]) -> Firing:
        members = [str(p.get("value")) for p in _param_list(body, "triggerIds")]
        if not members:
            return Firing(False, f'trigger group "{name}" has no triggers')
        last = -1
        for member in members:
            if member in seen:
                return Firing(None, f'trigger group "{name}" contains itself')
            first = next((i for i in range(index + 1) if self.trigger_on(member, i, seen).fired), None)
            if first is None:
                return Firing(
                    False,
                    f'trigger group "{name}": its trigger "{member}" has not fired by {self.events[index][0].name}',
                )
            last = max(last, first)
        if last != index:
            return Firing(False, f'trigger group "{name}" fires when its last trigger first fires')
        event, datalayer = self.events[index]
        conditions = body.get("filter") or []
        if conditions:
            verdict = _all_hold(
                conditions,
                Scope(self.container, self.example, event, datalayer),
                f'trigger group "{name}" does not fire',
            )
            if verdict.fired is not True:
                return verdict
        return Firing(True, f'trigger group "{name}" fires: all of {", ".join(members)} fired')

    def trigger(self, name: str) -> Firing:
        """Whether trigger ``name`` fires anywhere in the example; when not, the closest miss."""
        misses = []
        for index in range(len(self.events)):
            firing = self.trigger_on(name, index)
            if firing.fired is not False:
                return firing
            misses.append((self.events[index][0].step is None, firing))
        # A condition that failed says more than "waited for another event", and a miss on what the
        # visitor did more than one on the page load.
        telling = [
            m for _, m in sorted(misses, key=lambda m: m[0]) if m.reason.startswith(("trigger ", "trigger group "))
        ]
        body = _builtin_trigger(name) or self.container.triggers.get(name) or {}
        return (
            telling[0]
            if telling
            else Firing(False, f'trigger "{name}" does not fire: {_why_no_event(body, self.example)}')
        )

    def tag_on(self, name: str, index: int) -> Firing:
        body = self.container.tags[name]
        if body.get("paused"):
            return Firing(False, f'tag "{name}" is paused')
        fired: Firing | None = None
        undecided: Firing | None = None
        for trigger in body.get("firingTrigger", []) or []:
            firing = self.trigger_on(str(trigger), index)
            if firing.fired:
                fired = firing
                break
            undecided = undecided or (firing if firing.fired is None else None)
        if fired is None:
            return undecided or Firing(False, "")
        for trigger in body.get("blockingTrigger", []) or []:
            blocking = self.trigger_on(str(trigger), index)
            if blocking.fired is None:
                return Firing(None, f'tag "{name}": blocking {blocking.reason}')
            if blocking.fired:
                return Firing(False, f'tag "{name}" is blocked: {blocking.reason}')
        return Firing(True, f'tag "{name}" fires: {fired.reason}')

    def tag(self, name: str) -> Firing:
        """Whether tag ``name`` fires anywhere in the example; when not, why its triggers did not."""
        undecided: Firing | None = None
        blocked: Firing | None = None
        for index in range(len(self.events)):
            firing = self.tag_on(name, index)
            if firing.fired:
                return firing
            if firing.fired is None:
                undecided = undecided or firing
            elif firing.reason:
                blocked = blocked or firing
        if undecided is not None:
            return undecided
        if blocked is not None:
            return blocked
        body = self.container.tags[name]
        reasons = [self.trigger(str(t)).reason for t in body.get("firingTrigger", []) or []]
        return Firing(False, "; ".join(reasons) or f'tag "{name}" has no firing trigger')

    def ga4_events(self) -> list[tuple[str, dict[str, Any]]]:
        """The GA4 events the example sends: the Google tag's page_view, then each GA4 event
        tag that fires, with its parameters (undecidable values left out)."""
        sent = [("page_view", {"page_location": self.example.page, "page_referrer": self.example.referrer})]
        for index, (event, datalayer) in enumerate(self.events):
            for name, body in self.container.tags.items():
                if body.get("type") != "gaawe" or not self.tag_on(name, index).fired:
                    continue
                scope = Scope(self.container, self.example, event, datalayer)
                try:
                    event_name = as_text(scope.text(_param(body, "eventName")))
                except Undecided:
                    continue
                params = {"page_location": self.example.page}
                for row in _param_list(body, "eventSettingsTable"):
                    cells = {p.get("key"): str(p.get("value", "")) for p in row.get("map", [])}
                    try:
                        params[cells.get("parameter", "")] = as_text(scope.text(cells.get("parameterValue", "")))
                    except Undecided:
                        continue
                sent.append((event_name, params))
        return sent


def _held(body: Mapping[str, Any], scope: Scope) -> str:
    held = []
    for key in ("customEventFilter", "autoEventFilter", "filter"):
        for condition in body.get(key) or []:
            held.append(condition_holds(condition, scope)[1])
    return ": " + "; ".join(held) if held else ""


def _builtin_trigger(name: str) -> dict[str, Any] | None:
    """GTM's built-in triggers, by name or by their fixed ids."""
    types = {
        "All Pages": "pageview",
        "Initialization - All Pages": "init",
        "Consent Initialization - All Pages": "consentInit",
    }
    for trigger, trigger_id in BUILTIN_TRIGGERS.items():
        if name in (trigger, trigger_id):
            return {"type": types[trigger]}
    return None


def _merge(data: Mapping[str, Any], message: Mapping[str, Any]) -> dict[str, Any]:
    """The data layer after a push: objects merge key by key, as GTM's data model does."""
    out = dict(data)
    for key, value in message.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


# ---------------------------------------------------------------------------------------------
# GA4 event-create rules


_GA4_COMPARISONS = (
    "COMPARISON_TYPE_UNSPECIFIED",
    "EQUALS",
    "EQUALS_CASE_INSENSITIVE",
    "CONTAINS",
    "CONTAINS_CASE_INSENSITIVE",
    "STARTS_WITH",
    "STARTS_WITH_CASE_INSENSITIVE",
    "ENDS_WITH",
    "ENDS_WITH_CASE_INSENSITIVE",
    "GREATER_THAN",
    "GREATER_THAN_OR_EQUAL",
    "LESS_THAN",
    "LESS_THAN_OR_EQUAL",
    "REGULAR_EXPRESSION",
    "REGULAR_EXPRESSION_CASE_INSENSITIVE",
)


def ga4_condition_holds(condition: Mapping[str, Any], name: str, params: Mapping[str, Any]) -> bool:
    """A GA4 MatchingCondition on one event: ``field`` is ``event_name`` or a parameter; regexes
    match the whole value; ``negated`` inverts. Raises Undecided on an unknown comparison."""
    ctype = condition.get("comparisonType", "EQUALS")
    if isinstance(ctype, int):
        ctype = _GA4_COMPARISONS[ctype] if 0 <= ctype < len(_GA4_COMPARISONS) else ""
    ctype = str(ctype)
    field_name = str(condition.get("field", ""))
    present = field_name in ("event_name", "eventName") or field_name in params
    value = name if field_name in ("event_name", "eventName") else as_text(params.get(field_name))
    wanted = str(condition.get("value", ""))
    insensitive = ctype.endswith("_CASE_INSENSITIVE")
    base = ctype.removesuffix("_CASE_INSENSITIVE")
    if insensitive and base != "REGULAR_EXPRESSION":
        value, wanted = value.lower(), wanted.lower()
    if not present:
        result = False
    elif base == "REGULAR_EXPRESSION":
        options = re2.Options()
        options.case_sensitive = not insensitive
        options.log_errors = False
        try:
            result = re2.compile(wanted, options).fullmatch(value) is not None
        except re2.error:
            raise Undecided(f"regular expression {wanted!r} does not compile in RE2") from None
    elif base in ("GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL"):
        a, b = _number(value), _number(wanted)
        ops = {"GREATER_THAN": a is not None and b is not None and a > b}
        ops |= {"GREATER_THAN_OR_EQUAL": a is not None and b is not None and a >= b}
        ops |= {"LESS_THAN": a is not None and b is not None and a < b}
        ops |= {"LESS_THAN_OR_EQUAL": a is not None and b is not None and a <= b}
        result = ops[base]
    elif base in ("EQUALS", "CONTAINS", "STARTS_WITH", "ENDS_WITH"):
        result = {
            "EQUALS": value == wanted,
            "CONTAINS": wanted in value,
            "STARTS_WITH": value.startswith(wanted),
            "ENDS_WITH": value.endswith(wanted),
        }[base]
    else:
        raise Undecided(f"comparison {ctype!r} is not modelled")
    return result != bool(condition.get("negated"))


def rule_creates(name: str, rule: Mapping[str, Any], sent: Sequence[tuple[str, Mapping[str, Any]]]) -> Firing:
    """Whether event-create rule ``name`` creates its event from one of the events ``sent``."""
    conditions = list(rule.get("eventConditions", []) or [])
    closest = ""
    for event_name, params in sent:
        for condition in conditions:
            try:
                holds = ga4_condition_holds(condition, event_name, params)
            except Undecided as why:
                return Firing(None, f'GA4 rule "{name}": {why}')
            if not holds:
                field_name = str(condition.get("field"))
                value = event_name if field_name == "event_name" else params.get(field_name)
                miss = f'GA4 rule "{name}": {ga4_condition_text(condition)} does not hold ({field_name} is {quote(as_text(value))})'
                # The event the rule is about (its event_name holds) makes the telling miss.
                closest = miss if (not closest or field_name != "event_name") else closest
                break
        else:
            held = "; ".join(ga4_condition_text(c) for c in conditions)
            return Firing(True, f'GA4 rule "{name}" creates {rule.get("destinationEvent")} from {event_name}: {held}')
    return Firing(False, closest or f'GA4 rule "{name}": no event was sent')


# ---------------------------------------------------------------------------------------------
# The entry points


def trigger_fires(name: str, example: Example, entities: Iterable[Entity] | Container) -> Firing:
    """Whether GTM trigger ``name`` of ``entities`` fires anywhere in ``example``."""
    container = entities if isinstance(entities, Container) else Container.of(entities)
    return Run.play(container, example).trigger(name)


def evaluate(example: Example, entities: Iterable[Entity] | Container, goal: str) -> Verdict:
    """Whether ``example`` sends ``goal``'s event: one of the goal's tags fires, or one of its GA4
    event-create rules creates the event; with the condition that decided it."""
    container = entities if isinstance(entities, Container) else Container.of(entities)
    run = Run.play(container, example)
    # Only tags that send an event count: the Google tag serves every goal, but sends none of theirs.
    tags = [name for name in container.serving("gtm.tag", goal) if _sends_event(container.tags[name])]
    rules = container.serving("ga4.event_create_rule", goal)
    if not tags and not rules:
        return Verdict(None, f"goal {goal!r} has no tag and no GA4 rule to evaluate")
    outcomes = [run.tag(name) for name in tags]
    if rules:
        sent = run.ga4_events()
        outcomes += [rule_creates(name, container.rules[name], sent) for name in rules]
    fired = next((o for o in outcomes if o.fired), None)
    if fired:
        return Verdict(True, fired.reason)
    undecided = next((o for o in outcomes if o.fired is None), None)
    if undecided:
        return Verdict(None, undecided.reason)
    return Verdict(False, "; ".join(o.reason for o in outcomes))


def _sends_event(tag: Mapping[str, Any]) -> bool:
    return any(p.get("key") == "eventName" for p in tag.get("parameter", ()))


def events_of(run: Run) -> Iterator[str]:
    """The names of the events a played example pushed, in order (for messages and tests)."""
    return (event.name for event, _ in run.events)
