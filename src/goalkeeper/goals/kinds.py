"""Goal kinds: one Jinja2 template each, found in goalkeeper's templates and the project's own.

The contract of a kind template (``templates/<kind>.yaml.j2``)
---------------------------------------------------------------
The file opens with a Jinja2 comment holding YAML metadata::

    {#-
    description: One line shown by `goalkeeper kinds`.
    category: secondary_action          # the default category of goals of this kind
    event: "{goal}"                     # default GA4 event name; {goal} is the goal's name
    inputs:                             # JSON Schema properties of the goal's own fields
      url_contains: {type: string, minLength: 1, description: Text the link URL contains}
    required: [url_contains]
    checks: {url_regex: regex}          # optional: inputs to check as regex / css_selector
    example: |
      - name: checkout_click
        kind: link_click
        url_contains: /checkout
    -#}

Other metadata keys: ``one_of: [a, b]`` (exactly one of these inputs must be given),
``rules`` (a list of ``{schema: <JSON Schema of the goal>, message: <what to do>}``: what a value
means only together with another, so that a value that could not take effect is an error, never
dropped; the message is the error) and
``sends_events: false`` (the kind makes no GA4 event, e.g. audiences: such goals may not have
key_event, event_name, params or dimensions) and ``tradeoffs:`` (a list of what users must choose
knowingly, shown by ``goalkeeper kinds NAME``). ``event`` may name an input: ``"{datalayer_event}"``.
``checks`` keys may be dotted paths into nested inputs (``page.path_regex``); lists on the way are
walked item by item. Inputs are validated against ``inputs``/``required``/``one_of`` before rendering.

The rest renders YAML describing the entities, with ``<< … >>`` as the expression delimiters (so
GTM's ``{{Click URL}}`` stays plain text) and values always inserted as data through ``| tojson``.
It may emit, under ``gtm:``, ``builtin_variables`` (API types such as ``clickUrl``), ``variables``,
``triggers`` and ``tags``; under ``ga4:``, ``event_create_rules``, ``audiences``,
``custom_dimensions`` and ``custom_metrics``; and ``events``: the GA4 events the goal sends
(the first one is marked as key event when the goal asks; ``events: []`` for none). Conditions are
written short (``{type, arg0, arg1, ignore_case, negate}``), parameters as mappings. Identical
triggers of several goals are merged into one. Templates see ``goal`` (its fields, plus name and
category), ``event`` (its event name), ``defaults`` (the file's defaults), ``event_tag(trigger,
params=…, ecommerce=…)`` and the helpers in ``goalkeeper.goals.helpers.TEMPLATE_HELPERS``.
Users' templates run in Jinja2's sandbox. docs/kinds.md explains all of it with an example.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.files import MAX_TEMPLATE, read_input
from goalkeeper.goals.source import parse_yaml

TEMPLATE_SUFFIX = ".yaml.j2"
_FRONT_MATTER = re.compile(r"\A\{#-?\s*\n(.*?)\n\s*-?#\}\n?", re.DOTALL)
_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    category: str
    event: str
    inputs: dict[str, Any]
    required: tuple[str, ...]
    checks: dict[str, str]
    example: str
    source: str  # the template text
    path: str
    builtin: bool
    one_of: tuple[str, ...] = ()  # exactly one of these inputs must be given
    sends_events: bool = True  # False: the kind makes no GA4 event (audiences), so no key event
    tradeoffs: tuple[str, ...] = ()  # what users must choose knowingly, in words
    rules: tuple[dict[str, Any], ...] = ()  # {schema, message}: cross-field rules (module docstring)


def builtin_templates_dir() -> Path:
    return Path(str(resources.files("goalkeeper.data.templates")))


def parse_kind(path: Path, builtin: bool) -> Kind:
    try:
        text = read_input(path, "goal-kind template", MAX_TEMPLATE).decode("utf-8")
    except UnicodeDecodeError as error:
        raise GoalkeeperError(Problem(f"not UTF-8 text (byte {error.start}); save it as UTF-8", str(path))) from None
    match = _FRONT_MATTER.match(text)
    name = path.name[: -len(TEMPLATE_SUFFIX)]
    if not match:
        raise GoalkeeperError(
            Problem(
                "a goal-kind template must open with a {#- … -#} comment holding its YAML metadata "
                "(description, inputs, example); see `goalkeeper kinds --help`",
                str(path),
                1,
            )
        )
    meta = parse_yaml(match.group(1), str(path)).data or {}
    problems = []
    if not _KIND_NAME.match(name):
        problems.append(Problem(f"kind name {name!r} must be lower_snake_case", str(path), 1))
    if not isinstance(meta, dict) or not isinstance(meta.get("description"), str):
        problems.append(Problem("template metadata needs a one-line `description`", str(path), 1))
    if isinstance(meta, dict) and not isinstance(meta.get("inputs", {}), dict):
        problems.append(Problem("template metadata `inputs` must map field names to JSON Schemas", str(path), 1))
    rules = meta.get("rules", []) if isinstance(meta, dict) else []
    if not isinstance(rules, list) or not all(
        isinstance(r, dict) and isinstance(r.get("schema"), dict) and isinstance(r.get("message"), str) for r in rules
    ):
        problems.append(Problem("template metadata `rules` must be a list of {schema, message}", str(path), 1))
    if problems:
        raise GoalkeeperError(problems)
    return Kind(
        name=name,
        description=meta["description"].strip(),
        category=meta.get("category", "secondary_action"),
        event=meta.get("event", "{goal}"),
        inputs=meta.get("inputs", {}) or {},
        required=tuple(meta.get("required", ())),
        checks=meta.get("checks", {}) or {},
        example=str(meta.get("example", "")).strip(),
        source=text,
        path=str(path),
        builtin=builtin,
        one_of=tuple(meta.get("one_of", ())),
        sends_events=bool(meta.get("sends_events", True)),
        tradeoffs=tuple(" ".join(str(t).split()) for t in meta.get("tradeoffs", ()) or ()),
        rules=tuple(rules),
    )


def load_kinds(project_templates: Path | None = None) -> dict[str, Kind]:
    """Built-in kinds, then the project's own (which may add kinds, or replace a built-in one)."""
    kinds: dict[str, Kind] = {}
    folders = [(builtin_templates_dir(), True)]
    if project_templates and project_templates.is_dir() and project_templates.resolve() != folders[0][0].resolve():
        folders.append((project_templates, False))
    for folder, builtin in folders:
        for path in sorted(folder.glob(f"*{TEMPLATE_SUFFIX}")):
            if path.name.startswith("_"):
                continue  # shared partials, not kinds
            kind = parse_kind(path, builtin)
            kinds[kind.name] = kind
    return kinds


# ---------------------------------------------------------------------------------------------
# A kind in words: what `goalkeeper kinds NAME` prints and docs/kinds.md shows


def default_event_words(kind: Kind) -> str:
    """The kind's default GA4 event name, in words: ``{goal}`` is the goal's name, ``{field}`` the
    value of that field, a GTM ``{{Variable}}`` what it holds when the tag fires; a default that is
    not the goal's name says so, since every goal of the kind without ``event_name`` shares it."""
    if not kind.sends_events:
        return "none (the kind sends no GA4 event)"
    if kind.event == "{goal}":
        return "the goal's name"
    field = re.fullmatch(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", kind.event)
    if field:
        return f"the goal's {field.group(1)} (not its name)"
    words = re.sub(r"\{\{([^{}]+)\}\}", r"<\1>", kind.event)
    return f"{words} - not the goal's name: every goal of this kind without event_name sends it"


def _bounds(schema: dict[str, Any], unit: str = "") -> str:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and high is not None:
        return f" {low}-{high}{unit}"
    if low is not None:
        return f" {'over' if 'exclusiveMinimum' in schema else 'from'} {low}{unit}"
    return f" up to {high}{unit}" if high is not None else ""


def allowed_values(schema: dict[str, Any]) -> str:
    """What a field of a goal may hold, from its JSON Schema, in a few words."""
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "oneOf" in schema:
        branches = schema["oneOf"]
        if len(branches) == 2 and branches[1].get("items") == branches[0]:  # one, or a list of them
            return f"{allowed_values(branches[0])}, or a list of them"
        return " or ".join(allowed_values(branch) for branch in branches)
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items", {})
        listed = f"values from: {', '.join(map(str, items['enum']))}" if "enum" in items else allowed_values(items)
        return f"a list of {listed}" + (" (each once)" if schema.get("uniqueItems") else "")
    if kind == "object" and schema.get("properties"):
        keys = ", ".join(schema["properties"])
        if schema.get("maxProperties") == 1:
            return f"a mapping with one of {keys}"
        return f"a mapping with {keys}" + (
            f" ({', '.join(schema['required'])} required)" if schema.get("required") else ""
        )
    if kind == "object":
        return "a mapping of names to text"
    words = {"string": "text", "integer": "whole numbers", "number": "numbers", "boolean": "true or false"}
    return words.get(str(kind), str(kind or "any value")) + _bounds(schema)


def describe(kind: Kind) -> str:
    """Everything a user needs to write a goal of ``kind``: its default category and GA4 event,
    every field with its allowed values, default and whether it is required, the trade-offs to
    choose knowingly, and an example. Plain text, as `goalkeeper kinds NAME` prints it."""
    lines = [f"{kind.name}: {kind.description}", "", f"Default category: {kind.category}"]
    lines.append(f"Default GA4 event: {default_event_words(kind)}")
    lines.append("Fields:")
    for field, schema in kind.inputs.items():
        flags = [" (required)" if field in kind.required else ""]
        lines.append(f"  {field}{flags[0]}: {str(schema.get('description', '')).strip()}".rstrip())
        allowed = f"    allowed: {allowed_values(schema)}"
        if "default" in schema:
            allowed += f"; default: {json.dumps(schema['default'])}"
        lines.append(allowed)
    if kind.one_of:
        lines.append(f"  Give exactly one of: {', '.join(kind.one_of)}.")
    common = (
        "name, kind, category, event_name, key_event, params, dimensions, external, shared_event, examples, description"
    )
    if not kind.sends_events:  # no GA4 event: nothing to name, mark or add parameters to
        common = "name, kind, category, description"
    lines.append(f"  ...and the fields every goal has: {common}")
    if kind.tradeoffs:
        lines += ["", "Choose knowingly:"]
        lines += [textwrap.fill(t, 100, initial_indent="  - ", subsequent_indent="    ") for t in kind.tradeoffs]
    if kind.example:
        lines += ["", "Example:", kind.example]
    return "\n".join(lines) + "\n"
