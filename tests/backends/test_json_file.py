"""The file targets refuse what they cannot read, saying which file, where and what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from goalkeeper.backends.container_file import ContainerFileBackend
from goalkeeper.backends.ga4_snapshot import GA4SnapshotBackend
from goalkeeper.backends.json_file import json_text
from goalkeeper.core.errors import GoalkeeperError
from tests.conftest import export_params, shared_exports


def problem_of(backend) -> tuple[str, int | None, str]:
    with pytest.raises(GoalkeeperError) as error:
        backend.read()
    (problem,) = error.value.problems
    return problem.file, problem.line, problem.message


@pytest.mark.parametrize(
    "backend, hint", [(ContainerFileBackend, "Export Container"), (GA4SnapshotBackend, "snapshot_file")]
)
def test_a_missing_file_says_how_to_get_one(tmp_path: Path, backend, hint):
    file, _line, message = problem_of(backend(tmp_path / "missing.json"))
    assert file == str(tmp_path / "missing.json") and "cannot read" in message and hint in message


@pytest.mark.parametrize("backend", [ContainerFileBackend, GA4SnapshotBackend])
def test_broken_json_names_its_line(tmp_path: Path, backend):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "a": 1\n  "b": 2\n}\n')
    assert problem_of(backend(path))[1:] == (3, "not valid JSON: Expecting ',' delimiter")


def test_json_of_the_wrong_shape_is_refused(tmp_path: Path):
    path = tmp_path / "other.json"
    path.write_text('{"tag": []}')
    assert "not a GTM container export" in problem_of(ContainerFileBackend(path))[2]
    assert "properties/<id>" in problem_of(GA4SnapshotBackend(path))[2]


@pytest.mark.parametrize(
    "backend, text, expected",
    [
        (ContainerFileBackend, '{"containerVersion": []}', "containerVersion must be an object"),
        (ContainerFileBackend, '{"containerVersion": {"tag": {}}}', "containerVersion.tag must be a list of objects"),
        (ContainerFileBackend, '{"containerVersion": {"tag": [1]}}', "containerVersion.tag must be a list of objects"),
        (
            ContainerFileBackend,
            '{"containerVersion": {"tag": [{"tagId": "1", "type": "html"}]}}',
            "an entry lacks 'name'",
        ),
        (ContainerFileBackend, '{"containerVersion": {"trigger": [{"name": "t"}]}}', "an entry lacks 'triggerId'"),
        (GA4SnapshotBackend, '{"property": "properties/1", "keyEvents": {}}', "keyEvents must be a list of objects"),
        (
            GA4SnapshotBackend,
            '{"property": "properties/1", "keyEvents": [{"name": "x"}]}',
            "an entry lacks 'eventName'",
        ),
        (
            GA4SnapshotBackend,
            '{"property": "properties/1", "customDimensions": [{"displayName": "x"}]}',
            "an entry lacks 'parameterName'",
        ),
    ],
)
def test_a_file_edited_out_of_shape_is_an_error_naming_it(tmp_path: Path, backend, text, expected):
    path = tmp_path / "target.json"
    path.write_text(text)
    file, _, message = problem_of(backend(path))
    assert file == str(path) and "not a well-formed" in message and expected in message, message


def test_a_failed_write_leaves_the_target_as_it_was(tmp_path: Path, monkeypatch):
    path = tmp_path / "ga4.json"
    path.write_text('{"property": "properties/1"}')
    backend = GA4SnapshotBackend(path)
    full = OSError(28, "No space left on device")
    monkeypatch.setattr("os.replace", lambda *a: (_ for _ in ()).throw(full))
    with pytest.raises(GoalkeeperError, match="cannot write the GA4 snapshot \\(the disk is full\\)") as error:
        backend.save({"property": "properties/1", "keyEvents": []})
    assert "ga4.json" in str(error.value)
    assert path.read_text() == '{"property": "properties/1"}'
    # no temporary file left behind (the empty lock file stays: see goalkeeper.files)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".ga4.json.lock", "ga4.json"]


# --- the file keeps its own formatting ---------------------------------------------------------

STYLES = {
    "four spaces, no final newline (GTM's export)": '{\n    "containerVersion": {\n        "tag": []\n    }\n}',
    "two spaces, final newline": '{\n  "containerVersion": {\n    "tag": []\n  }\n}\n',
    "tabs": '{\n\t"containerVersion": {\n\t\t"tag": []\n\t}\n}\n',
    "minified": '{"containerVersion":{"tag":[]}}',
    "one line with spaces": '{"containerVersion": {"tag": []}}\n',
    "CRLF": '{\r\n    "containerVersion": {\r\n        "tag": []\r\n    }\r\n}\r\n',
    "non-ASCII as it is": '{\n    "containerVersion": {\n        "name": "Variável Email",\n        "tag": []\n    }\n}',
    "non-ASCII escaped": '{\n    "containerVersion": {\n        "name": "Vari\\u00e1vel Email",\n        "tag": []\n    }\n}',
}


def added_tag_text(path: Path, text: str) -> str:
    """The file's text after a tag is added to its (empty) tag list through the target."""
    path.write_bytes(text.encode("utf-8"))
    backend = ContainerFileBackend(path)
    document = backend.document()
    version = {**document["containerVersion"], "tag": [{"tagId": "1", "name": "Ação"}]}
    backend.save({**document, "containerVersion": version})
    return path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("text", STYLES.values(), ids=STYLES.keys())
def test_a_file_written_unchanged_is_the_same_text(text: str):
    assert json_text(json.loads(text), text) == text


@pytest.mark.parametrize(
    "style, expected",
    [
        ("four spaces, no final newline (GTM's export)", '"tag": [\n            {\n                "tagId": "1",\n'),
        ("tabs", '"tag": [\n\t\t\t{\n\t\t\t\t"tagId": "1",\n'),
        ("minified", '{"containerVersion":{"tag":[{"tagId":"1","name":"Ação"}]}}'),
        ("one line with spaces", '{"containerVersion": {"tag": [{"tagId": "1", "name": "Ação"}]}}\n'),
        ("CRLF", '"tag": [\r\n            {\r\n                "tagId": "1",\r\n'),
        ("non-ASCII as it is", '"name": "Ação"'),
        ("non-ASCII escaped", '"name": "A\\u00e7\\u00e3o"'),
    ],
)
def test_what_goalkeeper_adds_is_written_in_the_files_own_style(tmp_path: Path, style: str, expected: str):
    written = added_tag_text(tmp_path / "container.json", STYLES[style])
    assert expected in written
    assert written.endswith("\n") == STYLES[style].endswith("\n")
    assert ("\r\n" in written) == (style == "CRLF")


def test_crlf_files_get_no_bare_newline(tmp_path: Path):
    written = added_tag_text(tmp_path / "container.json", STYLES["CRLF"])
    assert written.count("\n") == written.count("\r\n") > 5


def test_a_file_goalkeeper_did_not_read_is_written_with_two_spaces():
    assert json_text({"a": [1]}, None) == '{\n  "a": [\n    1\n  ]\n}\n'


@pytest.mark.parametrize("export", export_params(shared_exports()))
def test_every_real_export_is_written_back_byte_for_byte(export: Path):
    text = export.read_bytes().decode("utf-8")
    assert json_text(json.loads(text), text) == text


def test_a_ga4_snapshot_keeps_its_own_formatting_too(tmp_path: Path):
    path = tmp_path / "ga4.json"
    path.write_bytes(b'{\r\n\t"property": "properties/1",\r\n\t"keyEvents": []\r\n}')
    backend = GA4SnapshotBackend(path)
    backend.save({**backend.document(), "keyEvents": [{"eventName": "sign_up"}]})
    assert path.read_bytes() == (
        b'{\r\n\t"property": "properties/1",\r\n\t"keyEvents": [\r\n\t\t{\r\n\t\t\t"eventName": "sign_up"\r\n\t\t}\r\n\t]\r\n}'
    )
