"""docs/kinds.md shows every built-in kind in full, exactly as `goalkeeper kinds NAME` prints it:
its default GA4 event, every field's allowed values and default, and the trade-offs to choose."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from goalkeeper.goals.kinds import describe, load_kinds

DOC = Path(__file__).resolve().parents[2] / "docs" / "kinds.md"
START, END = "<!-- kinds reference -->", "<!-- end of kinds reference -->"
KINDS = load_kinds(None)


def reference() -> str:
    blocks = [f"### `{name}`\n\n```text\n{describe(kind)}```\n" for name, kind in sorted(KINDS.items())]
    return f"{START}\n" + "\n".join(blocks) + f"{END}"


def test_the_docs_hold_every_kinds_reference():
    text = DOC.read_text(encoding="utf-8")
    if os.environ.get("GOALKEEPER_UPDATE_GOLDEN") == "1":
        current = re.search(re.escape(START) + ".*?" + re.escape(END), text, re.S)
        text = text.replace(current.group(0), reference()) if current else text.replace("KINDS_REFERENCE", reference())
        DOC.write_text(text, encoding="utf-8")
    assert reference() in text, "docs/kinds.md is out of date: run GOALKEEPER_UPDATE_GOLDEN=1 pytest " + __file__


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_field_shows_its_allowed_values_and_default(name):
    rows = describe(KINDS[name]).split("\nFields:\n")[1].split("\n\n")[0].splitlines()
    for field, schema in KINDS[name].inputs.items():
        [line] = [i for i, row in enumerate(rows) if row.startswith((f"  {field}:", f"  {field} (required):"))]
        allowed = rows[line + 1]
        assert allowed.startswith("    allowed: "), field
        assert ("default: " in allowed) == ("default" in schema), field


@pytest.mark.parametrize(
    "name, event",
    [
        ("link_click", "the goal's name"),
        ("form_submit", "form_submit - not the goal's name"),
        ("youtube_video", "video_<Video Status> - not the goal's name"),
        ("datalayer_event", "the goal's datalayer_event (not its name)"),
        ("audience", "none (the kind sends no GA4 event)"),
    ],
)
def test_each_kind_says_its_default_event(name, event):
    assert f"Default GA4 event: {event}" in describe(KINDS[name])


@pytest.mark.parametrize(
    "name, words",
    [
        ("form_submit", "a form sent by JavaScript"),
        ("destination", "Single-page apps change pages without loading one"),
        ("destination", "history_changes"),
        ("destination", "via ga4_rule"),
        ("link_click", "never a bare path"),
    ],
)
def test_the_tradeoffs_users_must_choose_are_shown(name, words):
    tradeoffs = describe(KINDS[name]).split("Choose knowingly:")[1]
    assert words in " ".join(tradeoffs.split())
