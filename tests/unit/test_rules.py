"""The rule catalogue (mockrc/rules.py) against the code: every rule id the code records is catalogued.

The code is read, not trusted: the ids are collected from the source (every ``Violation(...)``,
``log.warn(...)`` and ``log.error(...)`` call, and every string literal shaped like a rule id),
and the ``schema.<keyword>`` ids, which the validator builds from the failing JSON Schema
keyword, from the keywords the profiles' schemas actually use.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import mockrc
from mockrc.profile import available_profiles, load_profile
from mockrc.rules import BY_ID, REGENERATE, RULES, rules_markdown

PACKAGE = Path(mockrc.__file__).resolve().parent
DOCS = PACKAGE.parent / "docs" / "rules.md"
#: A literal that looks like a rule id of any family, catalogued or not (``oauth.`` included).
RULE_SHAPE = re.compile(
    r"^(?:schema|compat|ringcentral|filter|http|query|scim|oauth|limit|fidelity)\.[A-Za-z][\w-]*$"
)
#: Keywords whose failure jsonschema reports under another keyword's name, or never: annotations,
#: and applicators that pass their subschemas' errors through.
SILENT_KEYWORDS = frozenset(
    {
        "$schema",
        "$id",
        "$ref",
        "$defs",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "properties",
        "patternProperties",
        "items",
        "prefixItems",
        "allOf",
        "if",
        "then",
        "else",
    }
)
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SUBSCHEMAS = ("items", "additionalProperties", "contains", "not", "if", "then", "else", "propertyNames")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def source_files() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "rules.py":
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _argument(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def recording_calls() -> Iterator[tuple[str, ast.expr, str | None]]:
    """``(where, rule argument, severity)`` of every call that records a violation.

    Severity is None when the call passes it on from another violation.
    """
    for path, tree in source_files():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = getattr(func, "attr", getattr(func, "id", ""))
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            if name == "Violation":
                rule = _argument(node, 1, "rule")
                severity = _argument(node, 3, "severity")
                if severity is None:
                    yield where, rule, "error"
                elif isinstance(severity, ast.Constant):
                    yield where, rule, severity.value
                else:
                    yield where, rule, None
            elif name in ("warn", "error") and len(node.args) == 3:
                yield where, node.args[1], "warning" if name == "warn" else "error"


def literal_rule_ids() -> dict[str, list[str]]:
    """Every string literal in the package shaped like a rule id, with where it is."""
    found: dict[str, list[str]] = {}
    for path, tree in source_files():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and RULE_SHAPE.match(str(node.value)):
                found.setdefault(node.value, []).append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    return found


def schema_keywords(schema: Any) -> Iterator[str]:
    """Every keyword used anywhere in a JSON Schema (names of properties are not keywords)."""
    if not isinstance(schema, Mapping):
        return
    for keyword, value in schema.items():
        yield keyword
        if keyword in _SUBSCHEMA_MAPS and isinstance(value, Mapping):
            for sub in value.values():
                yield from schema_keywords(sub)
        elif keyword in _SUBSCHEMAS:
            yield from schema_keywords(value)
        elif keyword in _SUBSCHEMA_LISTS:
            for sub in value:
                yield from schema_keywords(sub)


def failing_schema_rules() -> set[str]:
    """The ``schema.<keyword>`` ids the validator can record: one per keyword that can fail."""
    keywords = {
        keyword
        for name in available_profiles()
        for document in load_profile(name).json_schemas.values()
        for keyword in schema_keywords(document)
    }
    return {f"schema.{keyword}" for keyword in keywords - SILENT_KEYWORDS}


# --- the catalogue itself -------------------------------------------------------------------------


def test_rule_ids_are_unique_well_formed_and_fully_described() -> None:
    assert len(BY_ID) == len(RULES)
    for rule in RULES:
        assert RULE_SHAPE.match(rule.id), rule.id
        assert rule.severity in ("error", "warning")
        assert rule.meaning.endswith(".") and len(rule.meaning) > 20, rule.id
        assert rule.source.strip(), rule.id


# --- the code against the catalogue ---------------------------------------------------------------


def test_every_rule_id_recorded_by_the_code_is_catalogued_with_its_severity() -> None:
    literal: list[tuple[str, str, str | None]] = []
    built: list[tuple[str, str]] = []
    for where, rule, severity in recording_calls():
        if isinstance(rule, ast.Constant) and isinstance(rule.value, str):
            literal.append((where, rule.value, severity))
        elif isinstance(rule, ast.JoinedStr):
            first = rule.values[0]
            built.append((where, first.value if isinstance(first, ast.Constant) else "?"))

    assert literal, "no recording call found: the scan is broken"
    missing = [(where, rule) for where, rule, _ in literal if rule not in BY_ID]
    assert missing == [], "rule ids recorded by the code but missing from mockrc/rules.py"
    wrong = [
        (where, rule, severity, BY_ID[rule].severity)
        for where, rule, severity in literal
        if severity is not None and BY_ID[rule].severity != severity
    ]
    assert wrong == [], "recorded with another severity than the catalogue's"
    # Ids built at run time: only the validator's schema.<keyword>, covered by the next test.
    assert {prefix for _, prefix in built} <= {"schema."}, built


def test_every_literal_shaped_like_a_rule_id_is_catalogued() -> None:
    found = literal_rule_ids()

    assert "ringcentral.username-is-work-email" in found  # the scan finds what it must
    assert {rule: where for rule, where in found.items() if rule not in BY_ID} == {}


def test_every_json_schema_keyword_that_can_fail_has_its_schema_rule() -> None:
    possible = failing_schema_rules()

    assert {"schema.required", "schema.enum", "schema.additionalProperties"} <= possible
    assert sorted(possible - set(BY_ID)) == []


def test_no_rule_is_catalogued_that_the_code_cannot_record() -> None:
    recordable = set(literal_rule_ids()) | failing_schema_rules()

    assert sorted(set(BY_ID) - recordable) == []


def test_the_sample_payloads_expect_only_catalogued_rules_at_their_severity() -> None:
    expectations = json.loads(
        (Path(__file__).resolve().parents[1] / "samples" / "expectations.json").read_text()
    )
    seen = {
        (severity, rule)
        for sample in expectations.values()
        for found in sample["violations"].values()
        for severity, rule, _ in found
    }

    assert seen, "the samples expect no violation at all"
    assert sorted((s, r) for s, r in seen if r not in BY_ID or BY_ID[r].severity != s) == []


# --- the documentation ----------------------------------------------------------------------------


def test_docs_rules_md_is_generated_from_the_catalogue() -> None:
    assert DOCS.read_text(encoding="utf-8") == rules_markdown(), f"docs/rules.md is stale: run {REGENERATE}"
