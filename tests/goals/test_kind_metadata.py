"""Every built-in kind documents its fields in full: a description cut short by YAML (a flow
mapping ends a plain value at the first comma) shows up as a stray key in the field's schema."""

from __future__ import annotations

import pytest

from goalkeeper.goals.kinds import load_kinds

SCHEMA_WORDS = {
    "type",
    "description",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "items",
    "enum",
    "default",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "additionalProperties",
    "required",
    "minProperties",
    "maxProperties",
    "oneOf",
    "anyOf",
    "const",
    "format",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
}


def walk(schema, path):
    if isinstance(schema, dict):
        for key, value in schema.items():
            yield path, key, value
            if key in ("properties",) and isinstance(value, dict):
                for name, sub in value.items():
                    yield from walk(sub, f"{path}.{name}")
            elif key == "items":
                yield from walk(value, f"{path}[]")


FIELDS = {
    f"{kind.name}.{field}": schema
    for kind in sorted(load_kinds(None).values(), key=lambda kind: kind.name)
    for field, schema in kind.inputs.items()
}


@pytest.mark.parametrize("field", FIELDS)
def test_a_kinds_field_schema_uses_only_json_schema_words(field):
    stray = [
        f"{path}: {key!r} is no JSON Schema word (a description cut at a comma?)"
        for path, key, _ in walk(FIELDS[field], field)
        if key not in SCHEMA_WORDS
    ]
    assert stray == []


@pytest.mark.parametrize("field", FIELDS)
def test_a_kinds_field_descriptions_are_whole(field):
    cut = [
        f"{path}: {value!r}"
        for path, key, value in walk(FIELDS[field], field)
        if key == "description" and not (value.rstrip().endswith((".", ")", "`")) or len(value) < 60)
    ]
    assert cut == []
