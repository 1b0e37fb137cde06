"""YAML loading: plain data with the line of every value, and refusals with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.goals.source import load_yaml, parse_yaml


def problem_of(text: str, file: str = "goals/site.yaml"):
    with pytest.raises(GoalkeeperError) as error:
        parse_yaml(text, file)
    (problem,) = error.value.problems
    return problem


def test_plain_data_and_the_line_of_every_path():
    source = parse_yaml(
        "goals:\n"  # 1
        "  - name: a\n"  # 2
        "    kind: link_click\n"  # 3
        "    url_contains: /x\n"  # 4
        "    key_event: true\n"  # 5
        "  - name: b\n"  # 6
        "    track: [start, complete]\n",  # 7
        "g.yaml",
    )
    assert source.data == {
        "goals": [
            {"name": "a", "kind": "link_click", "url_contains": "/x", "key_event": True},
            {"name": "b", "track": ["start", "complete"]},
        ]
    }
    assert type(source.data["goals"][0]) is dict and type(source.data["goals"][1]["track"]) is list
    assert source.line_of(("goals",)) == 1
    assert source.line_of(("goals", 0)) == 2
    assert source.line_of(("goals", 0, "url_contains")) == 4
    assert source.line_of(("goals", 1)) == 6
    assert source.line_of(("goals", 1, "track", 1)) == 7
    # a path that is not in the document falls back to its nearest ancestor
    assert source.line_of(("goals", 1, "event_name")) == 6
    assert source.problem(("goals", 0, "kind"), "bad").__str__() == "g.yaml:3: bad"


def test_a_syntax_error_names_file_and_line():
    problem = problem_of(
        "goals:\n"
        "  - name: a\n"
        "    kind: link_click: oops\n"  # 3: a second ': ' on one line
        "    url_contains: /x\n"
    )
    assert (problem.file, problem.line) == ("goals/site.yaml", 3)
    assert problem.message.startswith("invalid YAML")
    assert str(problem).startswith("goals/site.yaml:3: invalid YAML")


def test_a_bad_indent_names_its_line():
    problem = problem_of(
        "goals:\n  - name: a\n    kind: link_click\n   url_contains: /x\n"  # 4: less indented than its siblings
    )
    assert problem.line == 4


def test_a_duplicate_key_is_refused_at_its_second_occurrence():
    problem = problem_of(
        "goals:\n  - name: a\n    kind: link_click\n    url_contains: /x\n    url_contains: /y\n"  # 5
    )
    assert problem.line == 5
    assert "duplicate key" in problem.message and "url_contains" in problem.message


def test_aliases_are_refused_before_anything_is_expanded():
    problem = problem_of(
        "goals:\n  - &shared\n    name: a\n    kind: link_click\n    url_contains: /x\n  - *shared\n"  # 6
    )
    assert problem.line == 6
    assert "aliases" in problem.message


def test_a_billion_laughs_document_fails_at_once():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]"
        for i in range(8)
    ]
    problem = problem_of("\n".join(lines) + "\n")
    assert problem.line == 2 and "aliases" in problem.message


def test_load_yaml_reports_the_files_path(tmp_path: Path):
    path = tmp_path / "goals.yaml"
    path.write_text("goals:\n  - name: [\n", encoding="utf-8")
    with pytest.raises(GoalkeeperError) as error:
        load_yaml(path)
    assert error.value.problems[0].file == str(path)
    with pytest.raises(GoalkeeperError) as error:
        load_yaml(tmp_path / "missing.yaml")
    assert error.value.problems[0].file == str(tmp_path / "missing.yaml")
    assert "cannot read" in error.value.problems[0].message


def test_an_unclosed_bracket_points_where_it_opened():
    with pytest.raises(GoalkeeperError) as error:
        parse_yaml("goals:\n  - name: a\n    kind: [link_click\n", "g.yaml")
    assert error.value.problems[0].line == 3


def test_generated_yaml_refuses_aliases_and_duplicate_keys_too():
    from goalkeeper.goals.source import parse_generated

    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    with pytest.raises(GoalkeeperError, match="aliases"):
        parse_generated(bomb, "t.yaml.j2")
    with pytest.raises(GoalkeeperError) as error:
        parse_generated("a: 1\na: 2\n", "t.yaml.j2")
    assert error.value.problems[0].file == "t.yaml.j2"
    with pytest.raises(GoalkeeperError) as error:
        parse_generated("a:\n  - [1\n", "t.yaml.j2")
    assert error.value.problems[0].line == 2


def test_generated_yaml_is_plain_json_data():
    from goalkeeper.goals.source import parse_generated

    assert parse_generated('when: 2026-11-25\nn: 5\nf: 1.5\nok: true\nlist: [{"x": "{{Click URL}}"}]\n', "t") == {
        "when": "2026-11-25",
        "n": 5,
        "f": 1.5,
        "ok": True,
        "list": [{"x": "{{Click URL}}"}],
    }


def test_escaped_surrogate_pairs_become_one_character():
    source = parse_yaml('a: "\\ud83d\\uded2"\nb: "\\ud83d alone"\n', "goals.yaml")
    assert source.data == {"a": "🛒", "b": "\ufffd alone"}


def test_generated_yaml_joins_escaped_surrogate_pairs_too():
    from goalkeeper.goals.source import parse_generated

    assert parse_generated('text: "Acheter \\ud83d\\uded2 maintenant"\n', "t") == {"text": "Acheter 🛒 maintenant"}
