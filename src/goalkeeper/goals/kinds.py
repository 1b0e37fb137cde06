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
key_event, event_name, params or dimensions). ``event`` may name an input: ``"{datalayer_event}"``.
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

import re
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
    rules: tuple[dict[str, Any], ...] = ()  # {schema, message}: cross-field rules (module docstring)

    def input_schema(self) -> dict[str, Any]:
        return {"properties": self.inputs, "required": list(self.required)}


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
