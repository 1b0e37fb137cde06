"""The bad-input corpus: goal files, templates, container exports, GA4 snapshots, saved plans and
command lines that goalkeeper must refuse with one clear error (exit 1) naming the file, no
traceback, and nothing written. tests/test_bad_inputs.py runs every case; benchmarks/hardening.py
counts them and times them.

A case is a change to the example project (``shop.yaml`` holding three goals, the example export and
snapshot) and the command to run there. File contents are text, bytes, or one of the special
files below.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import EXAMPLES, THREE_GOALS

FIFO = "<a named pipe>"
DEV_ZERO = "<a link to /dev/zero>"
FOLDER = "<a folder>"
HUGE = "<a file over every size limit>"
SPECIAL = (FIFO, DEV_ZERO, FOLDER, HUGE)


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str | bytes]  # path in the project → content (or a SPECIAL marker)
    args: tuple[str, ...]  # the goalkeeper command line
    names: str  # the file (or option) the error must name
    env: dict[str, str] = field(default_factory=dict)


def make(project: Path, files: dict[str, str | bytes]) -> None:
    """Write a case's files into ``project``."""
    for relative, content in files.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or path.is_file():
            path.unlink()
        if content == FIFO:
            os.mkfifo(path)
        elif content == DEV_ZERO:
            path.symlink_to("/dev/zero")
        elif content == FOLDER:
            path.mkdir()
        elif content == HUGE:
            with open(path, "wb") as stream:
                stream.truncate(65 * 2**20)  # sparse: costs no disk
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


# -- goal files -------------------------------------------------------------------------------

HEAD = THREE_GOALS.split("goals:\n")[0]


def goal(fields: str) -> str:
    """A goal file with the example target and one goal of these fields (YAML, 4-space indent)."""
    return HEAD + "goals:\n  - name: g\n    " + fields.replace("\n", "\n    ") + "\n"


def _with(old: str, new: str) -> str:
    assert old in THREE_GOALS, old
    return THREE_GOALS.replace(old, new, 1)


GOAL_TEXTS: dict[str, str | bytes] = {
    "empty": "",
    "only a comment": "# nothing yet\n",
    "a scalar": "42\n",
    "a list": "- name: a\n",
    "YAML syntax": "goals: [\n",
    "bad indentation": "goals:\n - name: a\n   kind: link_click\n  url_contains: /x\n",
    "a tab": "goals:\n\t- name: a\n",
    "duplicate key": HEAD + "goals: []\ngoals: []\n",
    "an alias": HEAD + "x: &a {kind: link_click}\ngoals:\n  - *a\n",
    "a merge key": HEAD + "goals:\n  - <<: {kind: link_click}\n    name: a\n",
    "python object tag": HEAD + "goals: !!python/object:os.system {}\n",
    "python name tag": goal("kind: link_click\nurl_contains: !!python/name:os.system x"),
    "python apply tag": HEAD + "goals: !!python/object/apply:os.system ['true']\n",
    "a custom tag": goal("kind: link_click\nurl_contains: !secret x"),
    "a binary tag": goal("kind: link_click\nurl_contains: !!binary aGVsbG8="),
    "deep flow nesting": "goals: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep mapping nesting": "goals: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
    "deep block nesting": "goals:\n" + "".join("  " * i + "- \n" for i in range(1, 400)),
    "65 levels of lists": goal("kind: link_click\nurl_contains: /x\nparams: {a: " + "[" * 65 + "]" * 65 + "}"),
    "not UTF-8": b"goals:\n  - name: caf\xe9\n",
    "UTF-16": "goals: []\n".encode("utf-16"),
    "a NUL byte": "goals: []\n\x00\n",
    "value 1e400": goal("kind: link_click\nurl_contains: /x\nkey_event: {value: 1e400}"),
    "value -1e400": goal("kind: link_click\nurl_contains: /x\nkey_event: {value: -1e400}"),
    "value .nan": goal("kind: link_click\nurl_contains: /x\nkey_event: {value: .nan}"),
    "value .inf": goal("kind: link_click\nurl_contains: /x\nkey_event: {value: .inf}"),
    "value of 400 digits": goal("kind: link_click\nurl_contains: /x\nkey_event: {value: 1" + "0" * 400 + "}"),
    "timer of 1e400 seconds": goal("kind: timer\nseconds: 1e400"),
    "scroll percent .nan": goal("kind: scroll_depth\npercents: [.nan]"),
    "goals null": HEAD + "goals: null\n",
    "goals a mapping": HEAD + "goals: {name: a}\n",
    "goals a string": HEAD + "goals: link_click\n",
    "a goal null": HEAD + "goals: [null]\n",
    "a goal a string": HEAD + "goals: [checkout]\n",
    "a goal a list": HEAD + "goals: [[name, a]]\n",
    "target null": _with("target:\n", "target: null\nx:\n"),
    "target a list": "target: [gtm]\ngoals: []\n",
    "gtm target null": "target:\n  gtm: null\n  ga4: {snapshot_file: example-ga4.json}\ngoals: []\n",
    "gtm target a string": "target:\n  gtm: example-container.json\ngoals: []\n",
    "no target": "goals:\n  - {name: a, kind: link_click, url_contains: /x}\n",
    "an unknown target": "target:\n  gtm: {bucket: x}\ngoals: []\n",
    "a missing export": "target:\n  gtm: {container_file: nowhere.json}\n  measurement_id: G-ABC123XYZ\ngoals: []\n",
    "no measurement id": (
        "target:\n  gtm: {container_file: example-container.json}\ngoals:\n  - {name: a, kind: link_click, url_contains: /x}\n"
    ),
    "measurement id lower case": _with("G-ABC123XYZ", "g-abc"),
    "measurement id a number": _with("G-ABC123XYZ", "123"),
    "defaults a list": HEAD + "defaults: [USD]\ngoals: []\n",
    "defaults currency wrong": HEAD + "defaults: {currency: dollars}\ngoals: []\n",
    "safety a string": HEAD + "safety: off\ngoals: []\n",
    "kind missing": goal("url_contains: /x"),
    "kind null": goal("kind: null\nurl_contains: /x"),
    "kind a list": goal("kind: [link_click]\nurl_contains: /x"),
    "kind a mapping": goal("kind: {link_click: true}\nurl_contains: /x"),
    "kind a number": goal("kind: 7\nurl_contains: /x"),
    "kind unknown": goal("kind: link_clik\nurl_contains: /x"),
    "kind blank": goal("kind: '  '\nurl_contains: /x"),
    "name missing": HEAD + "goals:\n  - {kind: link_click, url_contains: /x}\n",
    "name a number": HEAD + "goals:\n  - {name: 5, kind: link_click, url_contains: /x}\n",
    "name with spaces": HEAD + "goals:\n  - {name: check out, kind: link_click, url_contains: /x}\n",
    "name too long": HEAD + "goals:\n  - {name: " + "a" * 41 + ", kind: link_click, url_contains: /x}\n",
    "name reused": HEAD
    + "goals:\n  - {name: a, kind: link_click, url_contains: /x}\n  - {name: a, kind: link_click, url_contains: /y}\n",
    "an unknown field": goal("kind: link_click\nurl_contains: /x\nurl_contain: /y"),
    "a required field missing": goal("kind: timer"),
    "two of one_of": goal("kind: link_click\nurl_contains: /x\nurl_equals: /y"),
    "none of one_of": goal("kind: link_click"),
    "a field null": goal("kind: link_click\nurl_contains: null"),
    "a field a list": goal("kind: link_click\nurl_contains: [/x]"),
    "a field a mapping": goal("kind: link_click\nurl_contains: {a: 1}"),
    "page null": goal("kind: destination\npage: null"),
    "page a string": goal("kind: destination\npage: /checkout"),
    "page empty": goal("kind: destination\npage: {}"),
    "key_event a list": goal("kind: link_click\nurl_contains: /x\nkey_event: [true]"),
    "key_event a string": goal("kind: link_click\nurl_contains: /x\nkey_event: yes please"),
    "counting unknown": goal("kind: link_click\nurl_contains: /x\nkey_event: {counting: sometimes}"),
    "currency lower case": goal("kind: link_click\nurl_contains: /x\nkey_event: {value: 5, currency: usd}"),
    "value a string": goal("kind: link_click\nurl_contains: /x\nkey_event: {value: five}"),
    "params a list": goal("kind: link_click\nurl_contains: /x\nparams: [a]"),
    "params null": goal("kind: link_click\nurl_contains: /x\nparams: null"),
    "a param name with a dash": goal("kind: link_click\nurl_contains: /x\nparams: {plan-name: a}"),
    "a reserved param name": goal("kind: link_click\nurl_contains: /x\nparams: {firebase_x: a}"),
    "a param of 101 characters": goal("kind: link_click\nurl_contains: /x\nparams: {a: " + "x" * 101 + "}"),
    "26 params": goal("kind: link_click\nurl_contains: /x\nparams: {" + ", ".join(f"p{i}: v" for i in range(26)) + "}"),
    "dimensions a string": goal("kind: link_click\nurl_contains: /x\ndimensions: video_title"),
    "a dimension null": goal("kind: link_click\nurl_contains: /x\ndimensions: [null]"),
    "a dimension named badly": goal("kind: link_click\nurl_contains: /x\ndimensions: [video title]"),
    "an event name with a dash": goal("kind: link_click\nurl_contains: /x\nevent_name: check-out"),
    "a reserved event name": goal("kind: link_click\nurl_contains: /x\nevent_name: session_start"),
    "an event name of 41 characters": goal("kind: link_click\nurl_contains: /x\nevent_name: " + "e" * 41),
    "a regex that does not compile": goal("kind: link_click\nurl_regex: '(unclosed'"),
    "a regex with look-ahead": goal("kind: link_click\nurl_regex: '^/(?!admin)'"),
    "a CSS selector that does not parse": goal("kind: element_click\nselector: 'div[['"),
    "category unknown": goal("kind: link_click\nurl_contains: /x\ncategory: important"),
    "an audience with a key event": goal("kind: audience\nreturning: true\nkey_event: true"),
    "an audience of two rules": goal("kind: audience\nreturning: true\npages_per_session_at_least: 3"),
    "membership of 541 days": goal("kind: audience\nreturning: true\nmembership_days: 541"),
    "a blank URL": goal("kind: link_click\nurl_contains: '   '"),
    "a blank param": goal("kind: link_click\nurl_contains: /x\nparams: {plan: '\t'}"),
    "a blank selector": goal("kind: element_click\nselector: ' '"),
    "empty progress_percent": goal("kind: youtube_video\nprogress_percent: []"),
    "percent and seconds": goal("kind: youtube_video\nprogress_percent: [50]\nprogress_seconds: [30]"),
    "progress without progress": goal("kind: youtube_video\ntrack: [start]\nprogress_percent: [50]"),
    "percents and pixels": goal("kind: scroll_depth\npercents: [50]\npixels: [500]"),
    "a site domain of a dot": goal("kind: outbound_link\nsite_domains: ['.']"),
    "a site domain with a scheme": goal("kind: outbound_link\nsite_domains: ['https://example.com']"),
    "a sub-millisecond visibility": goal("kind: element_visibility\nselector: '#x'\nmin_seconds: 0.0001"),
    "a timer of 0 seconds": goal("kind: timer\nseconds: 0"),
    "a timer of half a second": goal("kind: timer\nseconds: 0.5"),
    "scroll of 101 percent": goal("kind: scroll_depth\npercents: [101]"),
    "a video status unknown": goal("kind: youtube_video\ntrack: [rewind]"),
    "a social network unknown": goal("kind: social_link\nnetworks: [myspace]"),
}

# What only a plan finds wrong: the targets the goal file names.
TARGET_TEXTS = ("no target", "an unknown target", "a missing export", "no measurement id", "gtm target null")

GOAL_FILES: list[Case] = (
    [
        Case(
            f"goal file: {name}",
            {"shop.yaml": text},
            ("plan" if name in TARGET_TEXTS else "validate", "shop.yaml"),
            "nowhere.json" if name == "a missing export" else "shop.yaml",  # the file at fault
        )
        for name, text in GOAL_TEXTS.items()
    ]
    + [
        Case(f"goal file ({command}): {name}", {"shop.yaml": special}, (command, "shop.yaml"), "shop.yaml")
        for name, special in (("a FIFO", FIFO), ("/dev/zero", DEV_ZERO), ("a folder", FOLDER), ("over 10 MB", HUGE))
        for command in ("validate", "plan", "apply")
    ]
    + [
        Case(f"goal file ({command}): {name}", {"shop.yaml": GOAL_TEXTS[name]}, (command, "shop.yaml"), "shop.yaml")
        for name in (
            "python object tag",
            "value 1e400",
            "kind a list",
            "deep flow nesting",
            "a goal null",
            "a blank URL",
        )
        for command in ("plan", "apply")
    ]
)

# -- project templates ------------------------------------------------------------------------

KIND_HEAD = '{#-\ndescription: A kind of the project\'s own.\nevent: "{goal}"\n-#}\n'
KIND_TAIL = (
    "events: [<< event | tojson >>]\ngtm:\n  triggers:\n    - {name: << ('T - ' ~ goal.name) | tojson >>, "
    "type: customEvent, customEventFilter: [{type: equals, arg0: '{{_event}}', arg1: x}]}\n"
)
TEMPLATE_TEXTS: dict[str, str | bytes] = {
    "no metadata": "events: []\n",
    "metadata without description": "{#-\ncategory: macro\n-#}\nevents: []\n",
    "metadata inputs a list": "{#-\ndescription: x\ninputs: [a]\n-#}\nevents: []\n",
    "metadata rules wrong": "{#-\ndescription: x\nrules: [no]\n-#}\nevents: []\n",
    "metadata with a python tag": "{#-\ndescription: !!python/name:os.system x\n-#}\nevents: []\n",
    "a Jinja2 syntax error": KIND_HEAD + "{% if %}\n" + KIND_TAIL,
    "an include": KIND_HEAD + "{% include 'link_click.yaml.j2' %}\n" + KIND_TAIL,
    "an import": KIND_HEAD + "{% import 'x.j2' as x %}\n" + KIND_TAIL,
    "an extends": KIND_HEAD + "{% extends 'x.j2' %}\n" + KIND_TAIL,
    "changing defaults": KIND_HEAD + "{% set _ = defaults.update({'currency': 'EUR'}) %}\n" + KIND_TAIL,
    "changing the goal": KIND_HEAD + "{% set _ = goal.pop('name') %}\n" + KIND_TAIL,
    "an endless loop": KIND_HEAD + "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}\n",
    "a huge output": KIND_HEAD + "{% for i in range(99999) %}<< 'x' * 999 >>{% endfor %}\n",
    "a huge string": KIND_HEAD + "{% set x = 'x' * 10 ** 9 %}\n" + KIND_TAIL,
    "reaching for internals": KIND_HEAD + "<< ().__class__.__base__ >>\n" + KIND_TAIL,
    "rendering a list": KIND_HEAD + "- a\n",
    "rendering an unknown section": KIND_HEAD + "tiktok: {}\n",
    "rendering a tag without a name": KIND_HEAD + "gtm:\n  tags: [{type: html}]\n",
    "rendering an alias": KIND_HEAD + "a: &x {}\nb: *x\n",
    "not UTF-8": KIND_HEAD.encode() + b"\xff\xfe\n",
    "an undefined name": KIND_HEAD + "<< nothing.here >>\n" + KIND_TAIL,
}
TEMPLATES: list[Case] = [
    Case(
        f"template: {name}",
        {"templates/mine.yaml.j2": text, "shop.yaml": HEAD + "goals:\n  - {name: g, kind: mine}\n"},
        ("validate", "shop.yaml"),
        "mine.yaml.j2",
    )
    for name, text in TEMPLATE_TEXTS.items()
]

# -- container exports and GA4 snapshots ------------------------------------------------------

EXPORT = (EXAMPLES / "example-container.json").read_text()
SNAPSHOT = (EXAMPLES / "example-ga4.json").read_text()


def _edited(text: str, edit: Callable[[dict], object]) -> str:
    document = json.loads(text)
    edit(document)
    return json.dumps(document)


def _version(edit: Callable[[dict], object]) -> str:
    return _edited(EXPORT, lambda d: edit(d["containerVersion"]))


def _first(key: str, edit: Callable[[dict], object]) -> Callable[[dict], object]:
    return lambda version: edit(version[key][0])


EXPORT_TEXTS: dict[str, str | bytes] = {
    "empty": "",
    "not JSON": "containerVersion: {}\n",
    "cut short": EXPORT[: len(EXPORT) // 2],
    "a JSON list": "[]",
    "JSON null": "null",
    "no containerVersion": '{"exportFormatVersion": 2}',
    "containerVersion null": '{"containerVersion": null}',
    "containerVersion a list": '{"containerVersion": []}',
    "tags an object": _version(lambda v: v.update(tag={"name": "x"})),
    "tags null": _version(lambda v: v.update(tag=None)),
    "a tag a string": _version(lambda v: v.update(tag=["GA4 config"])),
    "a tag without name": _version(_first("tag", lambda t: t.pop("name"))),
    "a tag without id": _version(_first("tag", lambda t: t.pop("tagId"))),
    "a tag's parameters an object": _version(_first("tag", lambda t: t.update(parameter={"a": 1}))),
    "triggers a number": _version(lambda v: v.update(trigger=5)),
    "a trigger's filter a string": _version(_first("trigger", lambda t: t.update(filter="x"))),
    "a variable a number": _version(lambda v: v.update(variable=[5])),
    "NaN": EXPORT.replace('"exportFormatVersion": 2', '"exportFormatVersion": NaN', 1),
    "Infinity": EXPORT.replace('"exportFormatVersion": 2', '"exportFormatVersion": Infinity', 1),
    "1e400": EXPORT.replace('"exportFormatVersion": 2', '"exportFormatVersion": 1e400', 1),
    "a number of 5000 digits": EXPORT.replace('"exportFormatVersion": 2', '"exportFormatVersion": ' + "9" * 5000, 1),
    "deeply nested": '{"containerVersion": ' + "[" * 100000 + "]" * 100000 + "}",
    "65 levels deep": '{"containerVersion": {"tag": []}, "x": ' + "[" * 65 + "]" * 65 + "}",
    "not UTF-8": EXPORT.encode("utf-16"),
    "a server container": _version(lambda v: v.setdefault("container", {}).update(usageContext=["SERVER"])),
}
SNAPSHOT_TEXTS: dict[str, str | bytes] = {
    "empty": "",
    "not JSON": "property: properties/1\n",
    "cut short": SNAPSHOT[: len(SNAPSHOT) // 2],
    "a JSON list": "[]",
    "no property": '{"keyEvents": []}',
    "property a number": '{"property": 123}',
    "key events an object": _edited(SNAPSHOT, lambda d: d.update(keyEvents={})),
    "a key event a string": _edited(SNAPSHOT, lambda d: d.update(keyEvents=["purchase"])),
    "a key event without eventName": _edited(SNAPSHOT, lambda d: d["keyEvents"][0].pop("eventName")),
    "a dimension without parameterName": _edited(SNAPSHOT, lambda d: d["customDimensions"][0].pop("parameterName")),
    "streams null": _edited(SNAPSHOT, lambda d: d.update(dataStreams=None)),
    "enhanced measurement a list": _edited(SNAPSHOT, lambda d: d.update(enhancedMeasurementSettings=[])),
    "enhanced measurement of a string": _edited(SNAPSHOT, lambda d: d.update(enhancedMeasurementSettings={"s": "on"})),
    "NaN": SNAPSHOT.replace("[", "[NaN, ", 1),
    "-Infinity": SNAPSHOT.replace("[", "[-Infinity, ", 1),
    "1e999": SNAPSHOT.replace("[", "[1e999, ", 1),
    "deeply nested": '{"property": "properties/1", "x": ' + "[" * 100000 + "]" * 100000 + "}",
    "not UTF-8": SNAPSHOT.encode("utf-16"),
}
TARGET_FILES: list[Case] = (
    [
        Case(
            f"container export ({command}): {name}",
            {"example-container.json": text},
            (command, "shop.yaml"),
            "example-container.json",
        )
        for name, text in EXPORT_TEXTS.items()
        for command in ("plan",)
    ]
    + [
        Case(f"GA4 snapshot: {name}", {"example-ga4.json": text}, ("plan", "shop.yaml"), "example-ga4.json")
        for name, text in SNAPSHOT_TEXTS.items()
    ]
    + [
        Case(f"{what} ({command}): {name}", {target: special}, (command, "shop.yaml"), target)
        for what, target in (("container export", "example-container.json"), ("GA4 snapshot", "example-ga4.json"))
        for name, special in (("a FIFO", FIFO), ("/dev/zero", DEV_ZERO), ("a folder", FOLDER), ("over 64 MB", HUGE))
        for command in ("plan", "apply")
    ]
    + [
        Case(
            f"container export (apply): {name}",
            {"example-container.json": EXPORT_TEXTS[name]},
            ("apply", "shop.yaml", "--auto-approve"),
            "example-container.json",
        )
        for name in ("cut short", "NaN", "a tag without name", "deeply nested", "a server container")
    ]
)

# -- saved plans ------------------------------------------------------------------------------


def saved(**changes: object) -> str:
    plan = {
        "kind": "goalkeeper-saved-plan",
        "saved_format": 1,
        "goalkeeper_version": "0",
        "goal_file": "shop.yaml",
        "templates": None,
        "selection": {"goals": [], "categories": [], "targets": []},
        "force": False,
        "basis": {"goal_file": "sha256:0", "templates": "sha256:0", "targets": {}},
        "plan": {"checksum": "0"},
    }
    plan.update(changes)
    return json.dumps({k: v for k, v in plan.items() if v != "<drop>"}, indent=2)


SAVED_TEXTS: dict[str, str | bytes] = {
    "cut short": saved()[:100],
    "another format": saved(saved_format=99),
    "no goal file": saved(goal_file="<drop>"),
    "goal file a number": saved(goal_file=7),
    "goal file empty": saved(goal_file=""),
    "goal file missing": saved(goal_file="gone.yaml"),
    "templates a list": saved(templates=["t"]),
    "selection a string": saved(selection="all"),
    "selection goals of numbers": saved(selection={"goals": [1]}),
    "no plan": saved(plan="<drop>"),
    "plan without checksum": saved(plan={}),
    "checksum a number": saved(plan={"checksum": 5}),
    "basis a list": saved(basis=[]),
    "basis targets a list": saved(basis={"targets": []}),
    "NaN": saved().replace('"force": false', '"force": NaN'),
    "deeply nested": saved().replace('"force": false', '"force": ' + "[" * 100000 + "]" * 100000),
}
SAVED_PLANS: list[Case] = [
    Case(f"saved plan: {name}", {"plan.json": text}, ("apply", "plan.json"), "plan.json")
    for name, text in SAVED_TEXTS.items()
]

# -- command lines ----------------------------------------------------------------------------

COMMAND_LINES: list[Case] = [
    Case("command: a goal file that is not there", {}, ("plan", "missing.yaml"), "missing.yaml"),
    Case("command: validate a missing file", {}, ("validate", "shop.yaml", "missing.yaml"), "missing.yaml"),
    Case("command: an unknown format", {}, ("plan", "shop.yaml", "--format", "xml"), "--format"),
    Case("command: an unknown target", {}, ("plan", "shop.yaml", "--target", "ga5"), "--target"),
    Case("command: an unknown category", {}, ("plan", "shop.yaml", "--category", "vip"), "--category"),
    Case("command: an unknown option", {}, ("plan", "shop.yaml", "--fromat", "json"), "--fromat"),
    Case("command: an unknown goal", {}, ("plan", "shop.yaml", "--goal", "nope"), "nope"),
    Case("command: --out naming the goal file", {}, ("plan", "shop.yaml", "--out", "shop.yaml"), "shop.yaml"),
    Case(
        "command: --out naming the export",
        {},
        ("plan", "shop.yaml", "--out", "example-container.json"),
        "example-container.json",
    ),
    Case(
        "command: --out naming the snapshot", {}, ("plan", "shop.yaml", "--out", "example-ga4.json"), "example-ga4.json"
    ),
    Case("command: --out naming a folder", {"out": FOLDER}, ("plan", "shop.yaml", "--out", "out"), "out"),
    Case(
        "command: --out in a missing folder",
        {},
        ("plan", "shop.yaml", "--out", "nowhere/plan.json"),
        "nowhere/plan.json",
    ),
    Case("command: --templates missing", {}, ("plan", "shop.yaml", "--templates", "nowhere"), "nowhere"),
    Case("command: a saved plan with --goal", {"plan.json": saved()}, ("apply", "plan.json", "--goal", "x"), "--goal"),
    Case("command: an unknown kind asked about", {}, ("kinds", "teleport"), "teleport"),
    Case("command: --publish on an export", {}, ("apply", "shop.yaml", "--auto-approve", "--publish"), "--publish"),
    Case("command: apply without a terminal", {}, ("apply", "shop.yaml"), "--auto-approve"),
    Case(
        "command: a lock timeout of words",
        {},
        ("apply", "shop.yaml", "--auto-approve"),
        "GOALKEEPER_LOCK_TIMEOUT",
        {"GOALKEEPER_LOCK_TIMEOUT": "soon"},
    ),
    Case(
        "command: a negative lock timeout",
        {},
        ("apply", "shop.yaml", "--auto-approve"),
        "GOALKEEPER_LOCK_TIMEOUT",
        {"GOALKEEPER_LOCK_TIMEOUT": "-1"},
    ),
    Case("command: login without a secrets file", {}, ("login", "--client-secrets", "nowhere.json"), "nowhere.json"),
    Case("command: an unknown command", {}, ("plann", "shop.yaml"), "plann"),
    Case(
        "command: ci init over an existing workflow",
        {".github/workflows/goalkeeper.yml": "x"},
        ("ci", "init", "--action", "your-org/goalkeeper@v0.1.0"),
        ".github/workflows/goalkeeper.yml",
    ),
]

CASES: list[Case] = GOAL_FILES + TEMPLATES + TARGET_FILES + SAVED_PLANS + COMMAND_LINES


def contents(project: Path) -> dict[str, str]:
    """Every file of the project and its digest (a lock file, created empty by apply before it
    reads a target, holds nothing and is left out)."""
    return {
        str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file() and not p.is_symlink()
        else "special"
        for p in sorted(project.rglob("*"))
        if not p.name.endswith(".lock") and not p.is_dir()
    }
