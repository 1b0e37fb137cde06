"""The file targets refuse what they cannot read, saying which file, where and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from goalkeeper.backends.container_file import ContainerFileBackend
from goalkeeper.backends.ga4_snapshot import GA4SnapshotBackend
from goalkeeper.core.errors import GoalkeeperError


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
