"""HTTP-level protocol behaviour: auth, media types, bad bodies, unknown paths, discovery, 500s."""

from __future__ import annotations

import pytest

from mockrc.scim.users import UserService
from tests.helpers import ERROR, LIST, minimal_user
from tests.http.conftest import Fake


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authorization header is not specified"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "Invalid Authorization header"),
        ({"Authorization": "Bearer"}, "Invalid Authorization header"),
        ({"Authorization": "Bearer not-a-token"}, "OAuth token is invalid"),
    ],
)
def test_requests_without_a_usable_token_answer_401(fake: Fake, headers: dict, detail: str) -> None:
    response = fake.session.get(fake.url("/scim/v2/Users"), headers=headers, timeout=10)

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/scim+json"
    assert response.json() == {"schemas": [ERROR], "status": "401", "detail": detail}


def test_bearer_scheme_is_case_insensitive(fake: Fake) -> None:
    response = fake.session.get(
        fake.url("/scim/v2/Users"), headers={"Authorization": f"bearer {fake.token}"}, timeout=10
    )

    assert response.status_code == 200


def test_unsupported_media_type_answers_415(fake: Fake) -> None:
    response = fake.post("/scim/v2/Users", data="userName=x", headers={"Content-Type": "text/plain"})

    assert response.status_code == 415
    assert response.json()["schemas"] == [ERROR]


def test_malformed_json_answers_400_saying_where(fake: Fake) -> None:
    response = fake.post(
        "/scim/v2/Users", data='{"userName": }', headers={"Content-Type": "application/scim+json"}
    )

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidSyntax"
    assert "line 1, column 14" in response.json()["detail"]


def test_empty_body_answers_400(fake: Fake) -> None:
    response = fake.post("/scim/v2/Users", data="", headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidSyntax"


def test_json_array_body_answers_400(fake: Fake) -> None:
    response = fake.post("/scim/v2/Users", json=[minimal_user("x@example.com")])

    assert response.status_code == 400
    assert "JSON object" in response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/scim/v2/Groups", "/scim/v2/Groups/1", "/scim/v2/Bulk", "/scim/v2/Nothing"]
)
def test_unknown_scim_paths_answer_scim_404_in_json(fake: Fake, path: str) -> None:
    response = fake.get(path)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/scim+json"
    assert response.json()["schemas"] == [ERROR]


def test_wrong_method_answers_json_405_with_allow(fake: Fake) -> None:
    response = fake.delete("/scim/v2/Users")

    assert response.status_code == 405
    assert response.json()["status"] == "405"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_service_provider_config_describes_what_the_fake_does(fake: Fake) -> None:
    response = fake.get("/scim/v2/ServiceProviderConfig")

    assert response.status_code == 200
    config = response.json()
    assert config["patch"]["supported"] is True
    assert config["filter"]["supported"] is True
    assert config["bulk"]["supported"] is False
    assert config["sort"]["supported"] is False
    assert config["etag"]["supported"] is False
    assert config["meta"]["location"] == fake.url("/scim/v2/ServiceProviderConfig")


def test_resource_types_list_the_user_type_only(fake: Fake) -> None:
    listed = fake.get("/scim/v2/ResourceTypes").json()
    single = fake.get("/scim/v2/ResourceTypes/User")

    assert listed["schemas"] == [LIST]
    assert [r["id"] for r in listed["Resources"]] == ["User"]
    assert single.status_code == 200
    assert single.json()["endpoint"] == "/Users"
    assert fake.get("/scim/v2/ResourceTypes/Group").status_code == 404


def test_schemas_are_listed_and_fetched_by_uri(fake: Fake) -> None:
    listed = fake.get("/scim/v2/Schemas").json()
    ids = [s["id"] for s in listed["Resources"]]
    core = fake.get("/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()

    assert "urn:ietf:params:scim:schemas:core:2.0:User" in ids
    assert "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" in ids
    user_name = next(a for a in core["attributes"] if a["name"] == "userName")
    assert user_name["uniqueness"] == "server"
    assert user_name["caseExact"] is False
    assert fake.get("/scim/v2/Schemas/urn:nothing").status_code == 404


@pytest.mark.parametrize("path", ["/scim/v2/Schemas", "/scim/v2/ResourceTypes"])
def test_filtering_discovery_answers_403(fake: Fake, path: str) -> None:
    response = fake.get(path, params={"filter": 'id eq "x"'})

    assert response.status_code == 403
    assert response.json()["detail"] == "Filtering is not allowed"


def test_an_exception_inside_the_fake_is_a_scim_500_and_is_kept(fake: Fake, monkeypatch) -> None:
    def explode(self, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(UserService, "search", explode)

    response = fake.get("/scim/v2/Users")

    assert response.status_code == 500
    assert response.json()["schemas"] == [ERROR]
    assert "Traceback" not in response.text and "boom" not in response.text
    assert isinstance(fake.state.handler_errors[-1].exception, RuntimeError)
