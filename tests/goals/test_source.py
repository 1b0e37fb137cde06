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


def _rendered_outputs(kind: str) -> list[str]:
    """What the built-in kind's template renders for the goals of its golden test."""
    from goalkeeper.goals import expand as expansion
    from goalkeeper.goals.kinds import load_kinds
    from goalkeeper.goals.load import parse_goal_text

    from .conftest import GOALS_HEADER as HEADER
    from .test_kinds_golden import CASES

    kinds = load_kinds(None)
    texts: list[str] = []
    render = expansion.parse_generated

    def keep(text, file, **options):
        texts.append(text)
        return render(text, file, **options)

    goal_file = parse_goal_text(HEADER + CASES[kind], kinds)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(expansion, "parse_generated", keep)
        expansion.expand(goal_file, kinds)
    return texts


def _kind_names() -> list[str]:
    from .test_kinds_golden import CASES

    return sorted(CASES)


@pytest.mark.parametrize("kind", _kind_names())
def test_the_c_parser_reads_every_built_in_kind_as_the_python_parser_does(kind):
    # Rendered templates are parsed on ruamel's C extension (libyaml) for speed; YAML 1.2's reading
    # (the resolver and constructor) stays ruamel's own, so both parsers must give the same data.
    from goalkeeper.goals.source import _PURE_LOADER, C_LOADER

    assert C_LOADER is not None, "ruamel.yaml.clib is a dependency of goalkeeper"
    texts = _rendered_outputs(kind)
    assert texts
    for text in texts:
        assert C_LOADER.load(text) == _PURE_LOADER.load(text)


def test_what_the_c_parser_refuses_the_python_parser_reads():
    from goalkeeper.goals.source import C_LOADER, parse_generated

    text = 'emoji: "\\ud83d\\uded2 cart"\n'  # tojson's spelling of U+1F6D2; libyaml refuses it
    with pytest.raises(Exception):  # noqa: B017 - whichever error libyaml raises
        C_LOADER.load(text)
    assert parse_generated(text, "t") == parse_generated(text, "t", pure=True) == {"emoji": "\U0001f6d2 cart"}


def _goal_texts() -> list[tuple[str, str]]:
    root = Path(__file__).resolve().parents[2]
    files = sorted((root / "goals").glob("*.yaml")) + sorted((root / "templates").glob("*.j2"))
    texts = [(f.name, f.read_text(encoding="utf-8")) for f in files if f.suffix == ".yaml"]
    snippets = [
        "goals:\n  - name: a\n    kind: link_click\n    url_contains: /x\n    key_event: true\n",
        "goals: [{name: a, kind: timer, seconds: 1_000, ratio: 1.5e3, octal: 0o17, none: ~, flag: false}]\n",
        "a: \"quoted 5\"\nb: 'yes'\nc: yes\nd: -1.5\ne: |\n  two\n  lines\nf: >-\n  folded\n  text\n2: int key\ntrue: bool key\n",
        "# a comment\n\nlist:\n- 1\n-\n  - nested\n- {flow: map, other: [1, 2]}\n",
    ]
    return texts + [(f"snippet {i}", text) for i, text in enumerate(snippets)]


@pytest.mark.parametrize("name,text", _goal_texts(), ids=lambda v: v if len(v) < 40 else None)
def test_the_fast_goal_file_reader_gives_what_the_round_trip_loader_gives(name, text):
    from goalkeeper.goals.source import _fast_source

    fast = _fast_source(text, name)
    assert fast is not None, "read without the round-trip loader"
    slow = parse_yaml(text, name, pure=True)
    assert (fast.data, fast.lines) == (slow.data, slow.lines)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # an alias
        "a: 1\na: 2\n",  # a duplicate key
        "1: one\ntrue: yes\n",  # the same key to the loader (1 == True)
        "when: 2026-11-25\n",  # a timestamp
        "a: !!str 5\n",  # a tag
        "%YAML 1.1\n---\na: yes\n",  # a directive
        "a: [1\n",  # a syntax error
    ],
)
def test_what_the_fast_reader_leaves_to_the_round_trip_loader(text):
    from goalkeeper.goals.source import _fast_source

    assert _fast_source(text, "g.yaml") is None
