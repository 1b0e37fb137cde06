"""The goal file: its JSON Schema (built from the kinds), and its typed, validated form.

The schema is the single description of what a goal file may say: the loader validates every
document against it, and ``goalkeeper schema`` prints it for editors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from goalkeeper.core.consistency import Declarations
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.ownership import OWNER_PATTERN
from goalkeeper.goals.adopted import Adopted
from goalkeeper.goals.kinds import Kind

CATEGORIES = ("process_milestone", "secondary_action", "macro")
GOOGLE_TAG_OPTIONS = ("container", "external")
COUNTING = {"once_per_event": "ONCE_PER_EVENT", "once_per_session": "ONCE_PER_SESSION"}
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
SCHEMA_ID = "https://goalkeeper.dev/schema/goals.json"

TARGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Where the goals are tracked: a GTM container and a GA4 property (live, or files).",
    "properties": {
        "gtm": {
            "description": "The GTM container: an export file, or a live container.",
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["container_file"],
                    "properties": {
                        "container_file": {
                            "type": "string",
                            "description": "A container export (Admin > Export Container), relative to this file.",
                        }
                    },
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["account", "container"],
                    "properties": {
                        "account": {"type": "string", "pattern": r"^\d+$", "description": "The GTM account id."},
                        "container": {
                            "type": "string",
                            "pattern": r"^(GTM-[A-Z0-9]+|\d+)$",
                            "description": "Public id (GTM-XXXX) or numeric id.",
                        },
                        "workspace": {
                            "type": "string",
                            "minLength": 1,
                            "description": "Workspace goalkeeper writes into (created if missing).",
                            "default": "goalkeeper",
                        },
                        "requests_per_100s": {
                            "type": "integer",
                            "minimum": 1,
                            "description": (
                                "Tag Manager API requests goalkeeper may send per 100 seconds: Google's quota "
                                "is 25 per Google Cloud project unless raised; lower it when other tools share "
                                "the project. GOALKEEPER_GTM_REQUESTS_PER_100S overrides it."
                            ),
                            "default": 25,
                        },
                    },
                },
            ],
        },
        "ga4": {
            "description": "The GA4 property: a snapshot file, or a live property.",
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["snapshot_file"],
                    "properties": {
                        "snapshot_file": {
                            "type": "string",
                            "description": "A GA4 snapshot JSON file, relative to this file.",
                        }
                    },
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["property"],
                    "properties": {
                        "property": {
                            "type": "string",
                            "pattern": r"^(properties/)?\d+$",
                            "description": "The GA4 property id.",
                        }
                    },
                },
            ],
        },
        "measurement_id": {
            "type": "string",
            "pattern": r"^G-[A-Z0-9]+$",
            "description": "The GA4 web stream's measurement id (G-XXXX).",
        },
        "google_tag": {
            "enum": list(GOOGLE_TAG_OPTIONS),
            "default": "container",
            "description": (
                "How the site loads the Google tag for measurement_id. container: the GTM container loads "
                "it (goalkeeper uses the container's Google tag, or creates and manages one firing on "
                "Initialization - All Pages when there is none). external: the site loads it another way "
                "(gtag.js in the page); goalkeeper creates none."
            ),
        },
        "credentials": {
            "type": "string",
            "description": "A service-account key file for the live targets (else `goalkeeper login` or Application Default Credentials).",
        },
        "impersonate": {
            "type": "string",
            "pattern": r"^[^@\s]+@[^@\s]+$",
            "description": "A service account to act as (needs roles/iam.serviceAccountTokenCreator).",
        },
    },
}

DEFAULTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "destination_via": {
            "enum": ["gtm", "ga4_rule"],
            "default": "gtm",
            "description": "How destination goals make their event: a GTM page-view trigger and tag, or a GA4 event-create rule.",
        },
        "currency": {
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "default": "USD",
            "description": "Currency of key-event values (ISO 4217).",
        },
    },
}

KEY_EVENT_SCHEMA: dict[str, Any] = {
    "description": "Mark the goal's event as a GA4 key event: true, or its settings.",
    "oneOf": [
        {"type": "boolean"},
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "counting": {"enum": list(COUNTING), "default": "once_per_event"},
                "value": {"type": "number", "minimum": 0, "description": "Default value of one key event."},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            },
        },
    ],
}


def _either(short: dict[str, Any], properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    long: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        long["required"] = required
    return {"oneOf": [short, long]}


_TEXT = {"type": "string"}
_ELEMENT = {"html": _TEXT, "id": _TEXT, "classes": _TEXT, "text": _TEXT, "tag": _TEXT}
_VIDEO_STATUS = {"enum": ["start", "progress", "complete", "pause", "seek", "buffering"]}
STEP_SCHEMAS: dict[str, Any] = {
    "link": _either(
        {"type": "string", "description": "The link's href, as written in the page (relative or absolute)."},
        {"url": _TEXT, "text": _TEXT, "id": _TEXT, "classes": _TEXT, "target": _TEXT, "html": _TEXT},
    ),
    "click": _either(
        {"type": "string", "description": "The clicked element's HTML; the click lands on its innermost element."},
        _ELEMENT,
    ),
    "form": _either(
        {"type": "string", "description": "The id of the form sent."},
        {
            **_ELEMENT,
            "action": _TEXT,
            "script_cancels": {
                "type": "boolean",
                "description": "The site's script cancels the browser's own submission (an AJAX form).",
            },
        },
    ),
    "datalayer": {
        "type": "object",
        "description": "An object the site pushes to the dataLayer, e.g. {event: add_to_cart}.",
    },
    "video": _either(
        {**_VIDEO_STATUS, "description": "A YouTube video status."},
        {
            "status": _VIDEO_STATUS,
            "percent": {"type": "number"},
            "seconds": {"type": "number"},
            "title": _TEXT,
            "url": _TEXT,
        },
        ["status"],
    ),
    "scroll": _either(
        {"type": "number", "minimum": 0, "description": "How far down the page, in percent."},
        {"percent": {"type": "number", "minimum": 0}, "pixels": {"type": "number", "minimum": 0}},
    ),
    "visible": _either(
        {"type": "string", "description": "The HTML of the element that came on screen."},
        {
            **_ELEMENT,
            "percent": {"type": "number", "minimum": 0, "maximum": 100},
            "seconds": {"type": "number", "minimum": 0},
        },
    ),
    "time_on_page": {"type": "number", "minimum": 0, "description": "Seconds the visitor stayed on the page."},
}
EXAMPLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "A page (absolute URL) and what the visitor did there: one step, or `steps` in order.",
    "properties": {
        "page": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9+.-]*://", "description": "The page's absolute URL."},
        "referrer": _TEXT,
        **STEP_SCHEMAS,
        "steps": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "maxProperties": 1,
                "properties": STEP_SCHEMAS,
            },
        },
    },
}
EXAMPLES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Interactions that must and must not count as this goal; `goalkeeper test` checks them.",
    "properties": {
        "counts": {"type": "array", "items": EXAMPLE_SCHEMA},
        "does_not_count": {"type": "array", "items": EXAMPLE_SCHEMA},
    },
}

# One parameter as the Tag Manager API writes it (discovery document: Parameter has type, key, and
# value, list or map by type).
GTM_PARAMETER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "key"],
    "properties": {
        "type": {"enum": ["template", "boolean", "integer", "list", "map", "tagReference", "triggerReference"]},
        "key": {"type": "string", "minLength": 1},
        "value": {"type": "string"},
        "list": {"type": "array", "items": {"type": "object"}},
        "map": {"type": "array", "items": {"type": "object"}},
    },
    "anyOf": [{"required": ["value"]}, {"required": ["list"]}, {"required": ["map"]}],
}

COMMON_PROPERTIES: dict[str, Any] = {
    "name": {
        "type": "string",
        "pattern": NAME_PATTERN,
        "maxLength": 40,
        "description": "Unique goal name (letters, digits, _); the default GA4 event name.",
    },
    "kind": {"type": "string", "description": "What kind of goal: see `goalkeeper kinds`."},
    "description": {"type": "string"},
    "category": {"enum": list(CATEGORIES), "description": "Process milestone, secondary action, or macro-conversion."},
    "event_name": {"type": "string", "description": "GA4 event name, when not the kind's default."},
    "key_event": KEY_EVENT_SCHEMA,
    "external": {
        "type": "boolean",
        "default": False,
        "description": (
            "The goal's event is sent by something goalkeeper does not manage (gtag.js in the page, a "
            "platform's integration, a tag already in the container): goalkeeper makes no GTM entities "
            "and no event-create rule for it, only its GA4 key event and custom dimensions."
        ),
    },
    "shared_event": {
        "type": "boolean",
        "default": False,
        "description": (
            "Other goals send this goal's GA4 event too, on purpose: one event (and one key event) for "
            "several interactions, e.g. generate_lead from a form and from a call-back click."
        ),
    },
    "params": {
        "type": "object",
        "description": "Extra GA4 event parameters: name → value (GTM {{Variables}} allowed).",
        "additionalProperties": {"type": ["string", "number", "boolean"]},
    },
    "dimensions": {
        "type": "array",
        "description": "Event parameters to register as GA4 custom dimensions (event scope).",
        "items": {
            "oneOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["parameter"],
                    "properties": {
                        "parameter": {"type": "string"},
                        "display_name": {"type": "string", "maxLength": 82},
                    },
                },
            ]
        },
    },
    "examples": EXAMPLES_SCHEMA,
    "adopted": {
        "type": "object",
        "description": (
            "Hand-made entities this goal took over (`goalkeeper import` writes it): goalkeeper's name for "
            "one of the goal's GTM triggers, tags or variables, or its GA4 event-create rule → `name`, the "
            "entity's own name in GTM (its id is kept), and the fields it keeps instead of the goal's: a "
            "tag's `parameter` holds all its parameters but the event name; `notes` are kept after "
            "goalkeeper's marker ({} for a rule: it keeps its id only). What decides when it fires and "
            "which event it sends stays the goal's. docs/adopting.md explains."
        ),
        "propertyNames": {"minLength": 1},
        "additionalProperties": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "notes": {"type": "string"},
                "parameter": {
                    "description": "The tag's parameters but eventName: key → value, or the API's list.",
                    "anyOf": [
                        {
                            "type": "object",
                            "additionalProperties": {"type": ["string", "boolean", "integer", "array", "object"]},
                        },
                        {"type": "array", "items": GTM_PARAMETER_SCHEMA},
                    ],
                },
            },
        },
    },
}


def goal_schema(kind: Kind) -> dict[str, Any]:
    """The schema of one goal of ``kind``: the common fields plus the kind's inputs."""
    clashing = sorted(set(kind.inputs) & set(COMMON_PROPERTIES))
    inputs = {k: v for k, v in kind.inputs.items() if k not in clashing}
    schema: dict[str, Any] = {
        "type": "object",
        "description": kind.description,
        "required": ["name", "kind", *kind.required],
        "additionalProperties": False,
        "properties": {**COMMON_PROPERTIES, "kind": {"const": kind.name}, **inputs},
    }
    if kind.one_of:
        schema["oneOf"] = [{"required": [field]} for field in kind.one_of]
    if kind.rules:
        # ``errorMessage`` is no JSON Schema keyword: validators ignore it, goalkeeper reports it.
        schema["allOf"] = [{**rule["schema"], "errorMessage": rule["message"]} for rule in kind.rules]
    return schema


def file_schema(kinds: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a whole goal file, for the kinds known in this project."""
    branches = [
        {"if": {"properties": {"kind": {"const": name}}, "required": ["kind"]}, "then": goal_schema(kind)}
        for name, kind in sorted(kinds.items())
    ]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "goalkeeper goal file",
        "type": "object",
        "additionalProperties": False,
        "required": ["goals"],
        "properties": {
            "owner": OWNER_SCHEMA,
            "adopt_unowned": {
                "type": "boolean",
                "default": False,
                "description": (
                    "Manage, and delete when no goal defines them, the entities an earlier goalkeeper marked "
                    "without an owner. By default a goal file adopts only those it defines and leaves the "
                    "rest alone, so two goal files on one container lose nothing."
                ),
            },
            "target": TARGET_SCHEMA,
            "defaults": DEFAULTS_SCHEMA,
            "safety": SAFETY_SCHEMA,
            "entities": ENTITIES_SCHEMA,
            "goals": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "kind"],
                    # name is checked here too, so a goal of an unknown kind gets it checked as well
                    "properties": {"name": COMMON_PROPERTIES["name"], "kind": {"enum": sorted(kinds)}},
                    "allOf": branches,
                },
            },
        },
    }


OWNER_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": f"^{OWNER_PATTERN}$",
    "description": (
        "Who manages the entities this goal file makes: goalkeeper writes it into their markers and "
        "touches only entities whose marker names it. Default: the goal file's path relative to the "
        "repository root (its folder outside git). Set it to keep ownership when the file moves. Up to "
        "64 letters, digits, _ . / -."
    ),
    "examples": ["shop-tracking"],
}


# The kind words of adopted entities (goalkeeper.goals.adopted): each kind's API name.
_ENTITY_WORDS = sorted(kind.api_name for kind in KINDS.values())
ENTITIES_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "GTM and GA4 entities goalkeeper manages as they are, without a goal kind (written by "
    "`goalkeeper import`): each starts with its kind (tag, trigger, variable, …) naming it, then its fields "
    "as the APIs spell them, references by name.",
    "items": {
        "type": "object",
        "oneOf": [
            {
                "required": [word],
                "properties": {
                    word: {"type": "string", "minLength": 1},
                    **{other: False for other in _ENTITY_WORDS if other != word},
                },
            }
            for word in _ENTITY_WORDS
        ],
    },
}


SAFETY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "Guards against plans that change too much at once.",
    "properties": {
        "allow_deletes": {"type": "boolean", "default": True, "description": "When false, no plan deletes anything."},
        "max_change_share": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "default": 0.3,
            "description": "Refuse a plan that updates or deletes more than this share of the managed entities (unless --force).",
        },
        "min_managed": {
            "type": "integer",
            "minimum": 0,
            "default": 10,
            "description": "The share check applies only when at least this many entities are managed.",
        },
        "keep_used": {
            "type": "boolean",
            "default": False,
            "description": "Keep an entity a removed goal no longer needs while something else in the container "
            "still uses it (a hand-made tag firing on its trigger, say), instead of refusing the plan.",
        },
    },
}


@dataclass(frozen=True)
class KeyEventSpec:
    counting: str = "ONCE_PER_EVENT"
    value: float | None = None
    currency: str = "USD"


@dataclass(frozen=True)
class GoalExample:
    """One of a goal's examples: an interaction (as the goal file writes it) that must count, or
    must not, and the line it is on."""

    counts: bool
    spec: Mapping[str, Any]
    line: int | None = None


@dataclass(frozen=True)
class Goal:
    name: str
    kind: str
    category: str
    event_name: str
    inputs: Mapping[str, Any]
    key_event: KeyEventSpec | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    dimensions: tuple[Mapping[str, str], ...] = ()
    description: str = ""
    line: int | None = None
    index: int = 0  # position in the goal file's list
    external: bool = False  # sent by something goalkeeper does not manage
    shared_event: bool = False  # other goals send its event too, on purpose
    examples: tuple[GoalExample, ...] = ()
    # goalkeeper's name of a GTM entity the goal makes → the hand-made entity's name and kept fields
    adopted: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    adopted_lines: Mapping[str, int | None] = field(default_factory=dict)  # where each key is written


@dataclass(frozen=True)
class GoalFile:
    path: str
    target: Mapping[str, Any]
    goals: tuple[Goal, ...]
    defaults: Mapping[str, Any]
    safety: Mapping[str, Any]
    target_line: int | None = None  # where target.measurement_id (or target) is written
    # Whose markers this goal file writes and manages (goalkeeper.core.ownership): the ``owner:``
    # setting, or the file's path relative to the repository root. None: markers without an owner.
    owner: str | None = None
    adopt_unowned: bool = False
    entities: tuple[Adopted, ...] = ()  # adopted as they are (goalkeeper.goals.adopted)

    @property
    def measurement_id(self) -> str | None:
        return self.target.get("measurement_id")

    @property
    def google_tag_external(self) -> bool:
        return self.target.get("google_tag") == "external"

    def declarations(self) -> Declarations:
        """What the goal file says beyond its entities, for the consistency check."""
        external: dict[str, set[str]] = {}
        for goal in self.goals:
            if goal.external and goal.event_name:
                external.setdefault(goal.event_name, set()).add(goal.name)
        # An adopted key event marks an event the site already sends, however it does; so does a
        # goal whose hand-made tag it took over (kept as it is, that tag is checked as the
        # container's own).
        for entity in self.entities:
            if entity.kind == "ga4.key_event":
                external.setdefault(entity.name, set())
        for goal in self.goals:
            if goal.adopted and goal.event_name:
                external.setdefault(goal.event_name, set())
        return Declarations(
            measurement_id=self.measurement_id,
            google_tag_external=self.google_tag_external,
            external={event: frozenset(goals) for event, goals in external.items()},
            shared=frozenset(g.event_name for g in self.goals if g.shared_event and g.event_name),
            places={g.name: (self.path, g.line) for g in self.goals},
            target_place=(self.path, self.target_line),
        )
