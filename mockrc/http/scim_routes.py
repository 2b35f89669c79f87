"""``/scim/v2``: RingCentral's SCIM 2.0 endpoints. Views parse, call the domain and serialise.

Permissions follow RingCentral's spec: discovery and reads need ``ReadAccounts``, writes need
``EditAccounts``. Request bodies are limited as RingCentral declares (``x-request-max-body-size``:
1 MB for ``.search``, 10 MB for writes, the latter enforced app-wide); these and every other limit
on what a request may contain are in :mod:`mockrc.limits`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Blueprint, Response, g, request

from mockrc.errors import Forbidden, NotFound
from mockrc.http.auth import authorise_scim
from mockrc.http.request_parsing import int_param, json_body
from mockrc.http.wire import list_response, list_response_body, scim_response, scim_text_response
from mockrc.limits import LIMITS
from mockrc.paths import SCIM_PREFIX
from mockrc.scim.projection import Projection, parse_attribute_list
from mockrc.scim.render import user_location, with_meta
from mockrc.scim.users import Page, UserService
from mockrc.state import MockState
from mockrc.store import StoredUser

#: The rules of the Users collection and of one user, under :data:`~mockrc.paths.SCIM_PREFIX` (the
#: journal records them as an entry's ``route``; :mod:`mockrc.http.fast_reads` and
#: :mod:`mockrc.http.fast_writes` answer the plain reads and writes of both).
USERS_RULE = "/Users"
USER_RULE = "/Users/<user_id>"


def users_query(source: Mapping[str, Any]) -> tuple[str | None, int, int | None]:
    """The ``filter``, ``startIndex`` (1 when absent) and ``count`` of a Users query, from the
    query string or a SearchRequest body; 400 for a ``startIndex`` or ``count`` that is no integer."""
    return (
        source.get("filter"),
        int_param(source.get("startIndex"), "startIndex") or 1,
        int_param(source.get("count"), "count"),
    )


def page_body(users: UserService, page: Page, base_url: str) -> bytes:
    """A page of users as the ListResponse's JSON, UTF-8 encoded, each user unprojected."""
    return list_response_body(users.render_texts(page.users, base_url), page.total, page.start_index)


def scim_blueprint(state: MockState) -> Blueprint:
    """The SCIM endpoints of one fake, bound to its state."""
    routes = Blueprint("scim", __name__, url_prefix=SCIM_PREFIX)
    # state.users and state.profile are read per request: each account has its own.

    def base_url() -> str:
        # scheme://host from the WSGI environ: request.host_url also IRI-decodes it, at ~100 µs.
        return f"{request.scheme}://{request.host}"

    def projection(source: Mapping[str, Any] | None = None) -> Projection | None:
        """``attributes``/``excludedAttributes`` where the profile supports them (from ``source``:
        a SearchRequest body, else the query string), resolved once per request."""
        if not state.profile.rules.attributes_parameters:
            return None
        source = request.args if source is None else source
        return Projection.of(
            state.profile.resource_schema,
            parse_attribute_list(source.get("attributes"), "attributes"),
            parse_attribute_list(source.get("excludedAttributes"), "excludedAttributes"),
        )

    def user_response(
        user: StoredUser,
        projected: Projection | None,
        status: int = 200,
        headers: dict[str, str] | None = None,
        base: str | None = None,
    ) -> Response:
        """The user as returned, projected when the profile supports it and the request asks
        (``base``: :func:`base_url`, when the caller has it already)."""
        users = state.users
        base = base_url() if base is None else base
        if projected is None or projected.is_identity:
            return scim_text_response(users.render_text(user, base), status, headers)
        return scim_response(projected.apply(users.render(user, base)), status, headers)

    def page_response(page: Page, source: Mapping[str, Any] | None = None) -> Response:
        projected = projection(source)
        users = state.users
        base = base_url()
        if projected is None or projected.is_identity:
            return scim_text_response(page_body(users, page, base))
        resources = [projected.apply(users.render(u, base)) for u in page.users]
        return scim_response(list_response(resources, page.total, page.start_index))

    def refuse_filter() -> None:
        """RFC 7644 §4: discovery endpoints SHOULD answer 403 to a filter (RingCentral's spec too)."""
        if "filter" in request.args:
            raise Forbidden("Filtering is not allowed")

    # --- discovery -----------------------------------------------------------------------------

    @routes.get("/ServiceProviderConfig")
    def service_provider_config() -> Response:
        authorise_scim(request, state.tokens, "ReadAccounts")
        location = f"{base_url()}{SCIM_PREFIX}/ServiceProviderConfig"
        return scim_response(
            with_meta(state.profile.service_provider_config, "ServiceProviderConfig", location)
        )

    def discovery_collection(
        segment: str, kind: str, documents: Callable[[], Sequence[dict[str, Any]]], key: str
    ) -> None:
        """``GET /<segment>`` (a ListResponse, no filtering) and ``GET /<segment>/<id>`` for one
        kind of discovery document (ResourceTypes, Schemas)."""

        def as_json(doc: dict[str, Any]) -> dict[str, Any]:
            return with_meta(doc, kind, f"{base_url()}{SCIM_PREFIX}/{segment}/{doc['id']}")

        def listed() -> Response:
            authorise_scim(request, state.tokens, "ReadAccounts")
            refuse_filter()
            found = [as_json(d) for d in documents()]
            return scim_response(list_response(found, len(found), 1))

        def single(doc_id: str) -> Response:
            authorise_scim(request, state.tokens, "ReadAccounts")
            for doc in documents():
                if doc["id"] == doc_id:
                    return scim_response(as_json(doc))
            raise NotFound(f"{kind} [{doc_id}] not found")

        routes.add_url_rule(f"/{segment}", f"{segment}_list", listed, methods=["GET"])
        routes.add_url_rule(f"/{segment}/<{key}doc_id>", f"{segment}_single", single, methods=["GET"])

    discovery_collection("ResourceTypes", "ResourceType", lambda: state.profile.resource_types, "")
    # Schema ids are URNs, full of colons: the path converter takes them whole.
    discovery_collection("Schemas", "Schema", lambda: state.profile.schemas, "path:")

    # --- Users ---------------------------------------------------------------------------------

    @routes.get(USERS_RULE)
    def list_users() -> Response:
        authorise_scim(request, state.tokens, "ReadAccounts")
        return page_response(state.users.search(*users_query(request.args)))

    @routes.post("/.search")
    def search_root() -> Response:
        """RFC 7644 §3.4.3 search at the service root: Users is the only resource type here."""
        if not state.profile.rules.root_search:
            raise NotFound(
                f"Resource not found: POST {SCIM_PREFIX}/.search (RingCentral has /Users/.search only)"
            )
        return search_users()

    @routes.post("/Users/.search")
    def search_users() -> Response:
        authorise_scim(request, state.tokens, "ReadAccounts")
        body = json_body(request, max_bytes=LIMITS.search_body_bytes)
        state.users.validate_search(body, g.violations, read=True)
        return page_response(state.users.search(*users_query(body)), body)

    @routes.post(USERS_RULE)
    def create_user() -> Response:
        authorise_scim(request, state.tokens, "EditAccounts")
        projected = projection()  # before the write: a refused request changes nothing
        user = state.users.create(json_body(request), g.violations, read=True)
        base = base_url()
        return user_response(user, projected, 201, {"Location": user_location(base, user.id)}, base)

    @routes.get(USER_RULE)
    def get_user(user_id: str) -> Response:
        authorise_scim(request, state.tokens, "ReadAccounts")
        return user_response(state.users.get(user_id), projection())

    @routes.put(USER_RULE)
    def replace_user(user_id: str) -> Response:
        authorise_scim(request, state.tokens, "EditAccounts")
        projected = projection()
        user = state.users.replace(user_id, json_body(request), g.violations, read=True)
        return user_response(user, projected)

    @routes.patch(USER_RULE)
    def patch_user(user_id: str) -> Response:
        authorise_scim(request, state.tokens, "EditAccounts")
        projected = projection()
        user = state.users.patch(user_id, json_body(request), g.violations, read=True)
        return user_response(user, projected)

    @routes.delete(USER_RULE)
    def delete_user(user_id: str) -> Response:
        authorise_scim(request, state.tokens, "EditAccounts")
        state.users.delete(user_id)
        return Response(status=204)

    return routes
