"""The parts of replay that need no server: shapes, error codes, allow rules, substitution."""

from __future__ import annotations

from typing import Any

import pytest

from mockrc.replay.allow import AllowRuleError, parse_rule
from mockrc.replay.shape import MAX_PATHS, body_shape, compare_shapes, error_code
from mockrc.replay.substitution import UNKNOWN_TOKEN, Credentials, Substitutions, Unreplayable


def test_a_shape_holds_paths_and_types_not_values_and_merges_array_elements() -> None:
    three = {
        "Resources": [{"id": "1", "title": "A"}, {"id": "2"}, {"id": "3", "title": None}],
        "totalResults": 3,
    }
    assert body_shape(three) == {
        "": frozenset({"object"}),
        "/Resources": frozenset({"array"}),
        "/Resources[]": frozenset({"object"}),
        "/Resources[]/id": frozenset({"string"}),
        "/Resources[]/title": frozenset({"string", "null"}),
        "/totalResults": frozenset({"integer"}),
    }
    assert body_shape(
        {"Resources": [{"id": "9", "title": "B"}, {"id": "8", "title": None}], "totalResults": 2}
    ) == (body_shape(three))
    assert body_shape(None) == {} and body_shape("plain text") == {"": frozenset({"text"})}
    assert body_shape({"a/b": {"~": True}}) == {
        "": frozenset({"object"}),
        "/a~1b": frozenset({"object"}),
        "/a~1b/~0": frozenset({"boolean"}),
    }


def test_a_shape_is_bounded_whatever_the_body() -> None:
    assert len(body_shape({f"k{i}": i for i in range(10 * MAX_PATHS)})) == MAX_PATHS


def test_compare_shapes_names_what_is_missing_new_and_changed() -> None:
    found = compare_shapes(body_shape({"a": 1, "b": "x"}), body_shape({"b": None, "c": [1]}))
    assert found.describe() == "/a (integer) missing; /c (array), /c[] (integer) new; /b string -> null"
    assert not compare_shapes(body_shape({"a": 1}), body_shape({"a": 2}))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "scimType": "uniqueness"},
            "scimType uniqueness",
        ),
        ({"errorCode": "CMN-301", "message": "Request rate exceeded"}, "errorCode CMN-301"),
        ({"error": "invalid_grant", "errors": [{"errorCode": "OAU-140"}]}, "errorCode OAU-140"),
        ({"error": "invalid_client"}, "error invalid_client"),
        ({"id": "1"}, None),
        ("text", None),
    ],
)
def test_error_codes(body: Any, code: str | None) -> None:
    assert error_code(body) == code


def test_allow_rules() -> None:
    rule = parse_rule("status:GET /scim/v2/Users/*")
    assert rule.allows("status", "get", "/scim/v2/Users/123")
    assert not rule.allows("status", "GET", "/scim/v2/Users/123/x")
    assert not rule.allows("status", "PATCH", "/scim/v2/Users/123")
    assert not rule.allows("shape", "GET", "/scim/v2/Users/123")
    everything = parse_rule("*:/scim/**")
    assert all(
        everything.allows(kind, "POST", "/scim/v2/Users/.search") for kind in ("status", "error", "shape")
    )
    assert parse_rule("shape:/a.b").pattern.fullmatch("/a.b") and not parse_rule(
        "shape:/a.b"
    ).pattern.fullmatch("/axb")
    for bad in ("status", "values:/x", "status:x", "status:FETCH /x"):
        with pytest.raises(AllowRuleError):
            parse_rule(bad)


def _entry(**fields: Any) -> dict[str, Any]:
    return {
        "id": 1,
        "method": "GET",
        "path": "/scim/v2/Users",
        "status": 200,
        "query": {},
        "headers": {},
        **fields,
    }


def test_ids_learned_from_answers_are_written_into_paths_queries_and_bodies() -> None:
    subs = Substitutions(Credentials(token="t"))
    recorded = {
        "Resources": [{"id": "200000001", "userName": "a@example.com"}, {"id": "200000002", "userName": "b"}]
    }
    subs.learn(
        _entry(response={"body": recorded}), 200, {"Resources": [{"id": "u-1", "userName": "a@example.com"}]}
    )
    subs.learn(_entry(response={"body": {"id": "200000003"}}), 201, {"id": "u-3"})
    assert subs.ids == {"200000001": "u-1", "200000003": "u-3"}
    request = subs.request(
        _entry(
            method="PATCH",
            path="/scim/v2/Users/200000001",
            query={"filter": 'id eq "200000003"'},
            headers={
                "Authorization": "Bearer [redacted]",
                "Content-Type": "application/scim+json",
                "Host": "x",
            },
            body={"Operations": [{"value": "200000003"}, {"value": "2000000031"}]},
        )
    )
    assert request.path == "/scim/v2/Users/u-1"
    assert request.query == "filter=id+eq+%22u-3%22"
    assert request.headers == {"Content-Type": "application/scim+json", "Authorization": "Bearer t"}
    assert request.body == b'{"Operations":[{"value":"u-3"},{"value":"2000000031"}]}'


def test_tokens_come_from_the_target_and_an_unknown_token_stays_unknown() -> None:
    subs = Substitutions(Credentials(client_id="c", client_secret="s", password="p"))
    with pytest.raises(Unreplayable, match="give --token"):
        subs.request(_entry(headers={"Authorization": "Bearer [redacted]"}, principal="1"))
    token_entry = _entry(method="POST", path="/restapi/oauth/token")
    subs.learn(token_entry, 200, {"access_token": "new-access", "refresh_token": "new-refresh"})
    assert subs.request(_entry(headers={"Authorization": "Bearer [redacted]"}, principal="1")).headers == {
        "Authorization": "Bearer new-access"
    }
    refused = subs.request(_entry(headers={"Authorization": "Bearer [redacted]"}, principal=None, status=401))
    assert refused.headers == {"Authorization": f"Bearer {UNKNOWN_TOKEN}"}
    form = {"grant_type": "refresh_token", "refresh_token": "[redacted]", "client_secret": "[redacted]"}
    refresh = subs.request(
        {**token_entry, "headers": {"Content-Type": "application/x-www-form-urlencoded"}, "body": form}
    )
    assert refresh.body == b"grant_type=refresh_token&refresh_token=new-refresh&client_secret=s"
