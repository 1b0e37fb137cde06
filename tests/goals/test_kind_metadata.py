"""Every built-in kind documents its fields in full: a description cut short by YAML (a flow
mapping ends a plain value at the first comma) shows up as a stray key in the field's schema."""

from __future__ import annotations

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


def test_field_schemas_use_only_json_schema_words_and_whole_descriptions():
    for kind in load_kinds(None).values():
        for field, schema in kind.inputs.items():
            for path, key, value in walk(schema, f"{kind.name}.{field}"):
                assert key in SCHEMA_WORDS, f"{path}: {key!r} is no JSON Schema word (a description cut at a comma?)"
                if key == "description":
                    assert value.rstrip().endswith((".", ")", "`")) or len(value) < 60, f"{path}: {value!r}"
