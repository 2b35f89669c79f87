"""mockrc/limits.py against the README's table, and the pieces that enforce the limits, one by one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mockrc.errors import InvalidSyntax, InvalidValue, ScimError
from mockrc.http.request_parsing import int_param
from mockrc.json_input import canonical, check_value, decode, loads
from mockrc.limits import LIMITS, Limits, limit_fields
from mockrc.scim.filter_parser import FilterTooDeep, FilterTooLong, parse_filter, parse_path
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.violations import TRUNCATED_RULE, Truncation, Violation, ViolationLog

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_limit_rows() -> dict[str, list[str]]:
    """The rows of the README's Limits table, by the limit name in their first cell."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        name = re.fullmatch(r"`(\w+)`", cells[0]) if line.startswith("|") else None
        if name:
            rows[name.group(1)] = cells[1:]
    return rows


def test_the_readme_table_lists_every_limit_with_its_value_and_answer() -> None:
    rows = readme_limit_rows()

    assert list(rows) == [name for name, *_ in limit_fields()]
    for name, value, status, error, _ in limit_fields():
        shown, _bounds, answer = rows[name]
        first_number = re.match(r"[\d,]+", shown)
        assert first_number is not None, name
        assert int(first_number.group().replace(",", "")) == value, name
        if status is not None:
            assert answer.startswith(str(status)), name
        if error.startswith("invalid"):
            assert f"`{error}`" in answer, name


def test_the_readme_section_sits_before_why_these_dependencies() -> None:
    text = README.read_text(encoding="utf-8")

    assert text.index("\n## Limits\n") < text.index("\n## Why these dependencies\n")


# --- JSON bodies -----------------------------------------------------------------------------------


def _refusal(text: str, limits: Limits = LIMITS) -> ScimError:
    with pytest.raises(ScimError) as caught:
        loads(text, limits)
    return caught.value


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("[" * 65 + "]" * 65, 65),
        ('{"a":' * 70 + "1" + "}" * 70, 70),
        ("[[]," * 200 + "[" * 80 + "]" * 280, 280),
    ],
)
def test_the_scan_measures_nesting_before_the_parser_runs(text: str, depth: int) -> None:
    error = _refusal(text)

    assert isinstance(error, InvalidSyntax)
    assert error.detail == f"JSON body arrays and objects nest {depth:,} levels deep; the limit is 64"
    assert [v.rule for v in error.violations] == ["limit.json-depth"]


def test_brackets_and_quotes_inside_strings_do_not_count() -> None:
    inside = '"' + "[{" * 500 + '\\"' + "[" * 500 + '"'

    assert loads('{"a": ' + inside + ', "b": [[1]]}') == {"a": inside[1:-1].replace('\\"', '"'), "b": [[1]]}


def test_an_unterminated_string_is_malformed_not_slow() -> None:
    error = _refusal('{"a": "' + '\\"' * 100_000)

    assert error.detail.startswith("Malformed JSON at line 1")


def test_many_flat_brackets_are_fine() -> None:
    assert loads('{"a": [' + ",".join(["[]"] * 100) + "]}") == {"a": [[]] * 100}


def test_nesting_exactly_at_the_limit_is_read() -> None:
    text = "[" * 64 + "]" * 64

    assert loads(text) is not None


def test_number_length_counts_only_numbers_outside_strings() -> None:
    assert loads('{"a": "' + "9" * 1000 + '", "b": ' + "9" * 32 + "}")["b"] == int("9" * 32)
    assert _refusal('{"b": -' + "9" * 32 + "}").detail.startswith("JSON body has a number of 33 characters")


def test_a_long_run_of_exponent_letters_is_malformed_json_not_a_long_number() -> None:
    assert (
        _refusal('{"a": ' + "e" * 100 + "}").detail == "Malformed JSON at line 1, column 7: Expecting value"
    )


@pytest.mark.parametrize(
    ("value", "pointer", "rule"),
    [
        ({"a": [{"b": "x" * 4097}]}, "/a/0/b", "limit.string-length"),
        ({"a": list(range(101))}, "/a", "limit.array-length"),
        ({"a": {"k" * 5000: 1}}, "/a", "limit.string-length"),
        ({"a": ["\ud800"]}, "/a/0", "http.invalid-text"),
        ({"a": float("inf")}, "/a", "limit.number-length"),
    ],
)
def test_the_walk_names_the_first_breach_with_its_pointer(value: Any, pointer: str, rule: str) -> None:
    with pytest.raises(ScimError) as caught:
        check_value(value)

    [violation] = caught.value.violations
    assert (violation.pointer, violation.rule) == (pointer, rule)
    assert caught.value.detail.startswith(f"{pointer}: ")


def test_the_walk_checks_nesting_of_values_built_in_python_without_recursion() -> None:
    deep: Any = "leaf"
    for _ in range(100_000):
        deep = [deep]

    with pytest.raises(InvalidSyntax) as caught:
        check_value(deep)

    assert caught.value.violations[0].rule == "limit.json-depth"


def test_a_long_key_in_a_pointer_is_shortened() -> None:
    key = "k" * 4000
    with pytest.raises(InvalidValue) as caught:
        check_value({key: {"x": "y" * 5000}})

    assert caught.value.violations[0].pointer == "/" + "k" * 60 + "…(4,000 characters)/x"


def test_smaller_limits_apply_when_given() -> None:
    small = Limits(json_depth=2, array_length=1)

    assert "the limit is 2" in _refusal('{"a":{"b":{}}}', small).detail
    assert "the limit is 1" in _refusal('{"a":[1,2]}', small).detail


@pytest.mark.parametrize("charset", [None, "UTF-8", "utf-16", "latin-1", "us-ascii"])
def test_json_charsets_decode(charset: str | None) -> None:
    assert decode("{}".encode(charset or "utf-8"), charset) == "{}"


@pytest.mark.parametrize("charset", ["punycode", "idna", "rot13", "base64", "x-unknown"])
def test_other_codecs_are_refused(charset: str) -> None:
    with pytest.raises(InvalidSyntax) as caught:
        decode(b"{}", charset)

    assert caught.value.violations[0].rule == "http.invalid-text"


def test_canonical_values_are_equal_as_json_schema_compares() -> None:
    assert canonical({"a": [1, "x"], "b": None}) == canonical({"b": None, "a": [1.0, "x"]})
    assert canonical(True) != canonical(1)
    assert canonical([1, 2]) != canonical([2, 1])


# --- the violation log -----------------------------------------------------------------------------


def _violations(count: int, severity: str = "error") -> list[Violation]:
    return [Violation(f"/{n}", "schema.type", "wrong", severity) for n in range(count)]  # type: ignore[arg-type]


def test_the_log_keeps_the_limit_of_each_severity_and_counts_the_rest() -> None:
    log = ViolationLog(limit=3)

    log.extend(_violations(5, "warning"))
    log.extend(_violations(4, "error"))

    assert log.kept == 6
    assert [v.severity for v in log[:-1]] == ["warning"] * 3 + ["error"] * 3
    summary = log[-1]
    assert isinstance(summary, Truncation)
    assert (summary.rule, summary.severity, summary.omitted) == (TRUNCATED_RULE, "warning", 3)
    assert summary.message.startswith("3 more violations not reported")
    assert summary.to_dict() == {
        "pointer": "",
        "rule": TRUNCATED_RULE,
        "message": summary.message,
        "severity": "warning",
    }


def test_a_truncation_merges_and_later_violations_go_before_it() -> None:
    log = ViolationLog(limit=3)

    log.append(Truncation.of(0, True, 3))
    log.append(_violations(1)[0])

    assert [type(v).__name__ for v in log] == ["Violation", "Truncation"]
    assert log[-1].message == "checking stopped after 3 violations; there are more, not reported"


def test_recording_many_violations_keeps_a_bounded_log() -> None:
    log = ViolationLog()

    log.extend(_violations(50_000, "warning"))

    assert len(log) == LIMITS.violations_per_request + 1
    assert log.omitted == 50_000 - LIMITS.violations_per_request


# --- filters and paging ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "(" * 65 + 'a eq "x"' + ")" * 65,
        "not (" * 300 + 'a eq "x"' + ")" * 300,
        " or ".join(['a eq "x"'] * 65),
    ],
)
def test_filters_nested_past_the_limit_raise_filter_too_deep(text: str) -> None:
    with pytest.raises(FilterTooDeep) as caught:
        parse_filter(text)

    assert caught.value.rule == "limit.filter-depth"


def test_a_filter_at_the_depth_limit_parses() -> None:
    parse_filter("(" * 64 + 'a eq "x"' + ")" * 64)
    parse_filter(" and ".join(['a eq "x"'] * 64))


def test_a_long_filter_or_path_raises_filter_too_long() -> None:
    with pytest.raises(FilterTooLong):
        parse_filter('a eq "' + "x" * LIMITS.filter_length + '"')
    with pytest.raises(FilterTooLong):
        parse_path("a" * (LIMITS.filter_length + 1))


@pytest.mark.parametrize("number", ["1e999", "9" * 33])
def test_a_filter_number_out_of_range_is_a_syntax_error(number: str) -> None:
    with pytest.raises(ValueError, match="is out of range"):
        parse_filter(f"meta.version eq {number}")


def test_a_lone_surrogate_in_a_filter_string_is_a_syntax_error() -> None:
    with pytest.raises(ValueError, match="lone surrogate"):
        parse_filter('userName eq "\\udc00"')


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" -3 ", -3), ("+7", 7), ("0" * 5000 + "9", 9), (2_147_483_647, 2_147_483_647), ("", None)],
)
def test_int_param_reads_int32_values(value: Any, expected: int | None) -> None:
    assert int_param(value, "count") == expected


@pytest.mark.parametrize("value", ["2147483648", "-2147483649", "9" * 5000, 2**63, True, "1_000"])
def test_int_param_refuses_the_rest(value: Any) -> None:
    with pytest.raises(InvalidValue):
        int_param(value, "count")


def test_the_user_service_checks_bodies_passed_in_python_too() -> None:
    users = MockState(Settings()).users
    deep: Any = {}
    for _ in range(5000):
        deep = {"a": deep}

    with pytest.raises(InvalidSyntax) as caught:
        users.create(
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "name": deep}, ViolationLog()
        )

    assert caught.value.violations[0].rule == "limit.json-depth"
    assert len(users.store) == 0
