"""The printed JSON Schema and the loader agree, and the committed schema is the generated one."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.goals.load import parse_goal_text
from tests.cli_helpers import run
from tests.conftest import EXAMPLES

SCHEMA_LINE = "# yaml-language-server: $schema=goals.schema.json"


@pytest.fixture(scope="module")
def printed_schema(tmp_path_factory) -> dict:
    # From an empty folder: no project templates, the built-in kinds only, as for the examples.
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("empty"))
    try:
        result = run("schema")
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def examples() -> list[Path]:
    return sorted(EXAMPLES.glob("*.yaml"))


def test_the_committed_schema_is_the_generated_one(printed_schema):
    committed = json.loads((EXAMPLES / "goals.schema.json").read_text())
    assert committed == printed_schema, (
        "goals/goals.schema.json is out of date: run `goalkeeper schema --templates /nonexistent "
        "> goals/goals.schema.json` and commit it"
    )


@pytest.mark.parametrize("path", examples(), ids=lambda p: p.name)
def test_every_example_points_editors_at_the_schema(path: Path):
    assert path.read_text().splitlines()[0] == SCHEMA_LINE


@pytest.mark.parametrize("path", examples(), ids=lambda p: p.name)
def test_schema_and_loader_accept_every_example(path: Path, printed_schema, kinds):
    text = path.read_text()
    jsonschema.Draft202012Validator(printed_schema).validate(YAML(typ="safe", pure=True).load(text))
    parse_goal_text(text, kinds, path.name)


GOOD_GOAL = "  - {name: checkout_click, kind: link_click, url_contains: /checkout}\n"
BAD_DOCUMENTS = {
    "no goals": "target: {gtm: {container_file: x.json}}\n",
    "unknown top-level key": "goal:\n" + GOOD_GOAL,
    "unknown kind": "goals:\n  - {name: a, kind: carrier_pigeon}\n",
    "goal without kind": "goals:\n  - {name: a}\n",
    "missing kind input": "goals:\n  - {name: a, kind: link_click}\n",
    "misspelt goal field": "goals:\n  - {name: a, kind: link_click, url_contains: /x, catgory: macro}\n",
    "bad goal name": "goals:\n  - {name: 1a, kind: link_click, url_contains: /x}\n",
    "bad category": "goals:\n  - {name: a, kind: link_click, url_contains: /x, category: big}\n",
    "bad key_event": "goals:\n  - {name: a, kind: link_click, url_contains: /x, key_event: {counting: always}}\n",
    "bad measurement id": "target: {measurement_id: UA-1}\ngoals:\n" + GOOD_GOAL,
    "target with both forms": "target: {gtm: {container_file: x.json, account: '1', container: GTM-A}}\ngoals:\n"
    + GOOD_GOAL,
    "safety share above one": "safety: {max_change_share: 2}\ngoals:\n" + GOOD_GOAL,
    "safety unknown key": "safety: {allow_delete: false}\ngoals:\n" + GOOD_GOAL,
    "params not a mapping": "goals:\n  - {name: a, kind: link_click, url_contains: /x, params: [1]}\n",
}
GOOD_DOCUMENTS = {
    "minimal": "goals:\n" + GOOD_GOAL,
    "with safety": "safety: {allow_deletes: false, max_change_share: 0.5, min_managed: 3}\ngoals:\n" + GOOD_GOAL,
    "live targets": "target: {gtm: {account: '12', container: GTM-AB12}, ga4: {property: '123'}, measurement_id: G-X1}\ngoals:\n"
    + GOOD_GOAL,
}


def schema_accepts(text: str, schema: dict) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(YAML(typ="safe").load(text))


def loader_accepts(text: str, kinds) -> bool:
    try:
        parse_goal_text(text, kinds)
    except GoalkeeperError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(BAD_DOCUMENTS))
def test_a_bad_document_is_refused_by_the_editor_schema_and_by_goalkeeper(name, printed_schema, kinds):
    text = BAD_DOCUMENTS[name]
    assert (schema_accepts(text, printed_schema), loader_accepts(text, kinds)) == (False, False)


@pytest.mark.parametrize("name", sorted(GOOD_DOCUMENTS))
def test_a_good_document_is_accepted_by_the_editor_schema_and_by_goalkeeper(name, printed_schema, kinds):
    text = GOOD_DOCUMENTS[name]
    assert (schema_accepts(text, printed_schema), loader_accepts(text, kinds)) == (True, True)
