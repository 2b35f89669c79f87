"""SCIM Users as RingCentral runs them: the operations behind ``/scim/v2/Users``.

Each operation takes the client's payload, normalises it (canonical attribute names, Entra's
compatibility shapes recorded as warnings), validates it against the profile's JSON Schema,
applies the profile's business rules, and only then touches the store, so a rejected request
changes nothing. Views call these methods and serialise what they return; nothing here knows
about HTTP. Bodies are checked against :mod:`mockrc.limits` first, whoever passes them (the HTTP
views read them within the limits already; seeds and in-process callers pass Python values), so
no body can make the normaliser, the validator or the PATCH engine run out of stack or time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from mockrc.clock import Clock
from mockrc.errors import Forbidden, InvalidFilter, InvalidSyntax, InvalidValue, ScimError
from mockrc.ids import IdFactory
from mockrc.json_input import check_value, checked_text
from mockrc.profile import Profile
from mockrc.scim.filter_ast import Expr
from mockrc.scim.filter_eval import compile_filter
from mockrc.scim.filter_parser import FilterSyntaxError, parse_filter, parse_path
from mockrc.scim.filter_policy import Lookup, index_plan, ringcentral_lookup
from mockrc.scim.normalise import normalise_user
from mockrc.scim.patch import apply_patch
from mockrc.scim.render import UserRenderer, render_user
from mockrc.store import StoredUser, UserStore
from mockrc.validation import Validator
from mockrc.violations import Truncation, Violation, ViolationLog

#: JSON Schema keywords whose failure means a bad *value* rather than a badly built body
#: (RFC 7644 Table 9: invalidValue "a required value was missing, or the value specified was not
#: compatible"; invalidSyntax "the request body message structure was invalid").
_VALUE_KEYWORDS = frozenset(
    {"required", "enum", "const", "minLength", "maxLength", "pattern", "format", "minimum", "maximum"}
)


@dataclass(frozen=True)
class Page:
    """One page of a query: ``total`` counts every match, ``users`` only this page's."""

    total: int
    start_index: int
    #: A listing's are :class:`~mockrc.store.StoredPage`: made only if looked at one by one.
    users: Sequence[StoredUser]


#: How many parsed PATCH paths a :class:`UserService` keeps (each at most a filter's length).
_PATCH_PATHS_KEPT = 64


def _raise_for(violations: Iterable[Violation], what: str) -> None:
    """Turn error-severity violations into one 400 whose detail lists them (at most the
    per-request limit of them, then how many more)."""
    errors = [v for v in violations if v.severity == "error" or isinstance(v, Truncation)]
    if not any(v.severity == "error" for v in errors):
        return
    listed = ViolationLog(errors)
    first = next(v for v in listed if v.severity == "error")
    keyword = first.rule.removeprefix("schema.")
    error_class: type[ScimError] = InvalidValue if keyword in _VALUE_KEYWORDS else InvalidSyntax
    text = "; ".join(f"{v.pointer or '/'}: {v.message}" for v in listed)
    total = listed.kept + listed.omitted
    count = f"more than {total:,}" if listed.stopped else f"{total:,}"
    noun = "problem" if total == 1 and not listed.stopped else "problems"
    raise error_class(f"{what}: {count} {noun}: {text}", violations=errors)


class UserService:
    """The Users resource of one account under one profile."""

    def __init__(
        self, profile: Profile, clock: Clock, ids: IdFactory, *, unassigned_extensions: int | None = None
    ) -> None:
        self.profile = profile
        self.clock = clock
        self.ids = ids
        self.validator = Validator(profile)
        self.renderer = UserRenderer(profile)
        self.store = UserStore(
            unique_emails=profile.rules.unique_emails,
            flagged=self.renderer.flagged,
            marked=self.renderer.marked,
        )
        #: Licences left: RingCentral creates a user only on an unassigned extension, and a deleted
        #: user's extension becomes unassigned again. None: as many as needed.
        self.unassigned_extensions = unassigned_extensions
        #: What the ``ringcentral`` filter policy does with a filter it does not support: refuse it
        #: (400 invalidFilter, RingCentral's documented limits) or ignore it and return every user
        #: (what some services do, and the scenario ``filter-ignored`` reproduces).
        self.unsupported_filters: Literal["refuse", "ignore"] = "refuse"
        #: PATCH paths as parsed: a client sends the same few paths again and again, and parsing
        #: one was ~12 % of a one-operation PATCH's domain work (issue 12). Parsed paths are
        #: immutable (frozen dataclasses); a path that does not parse raises, and is not kept.
        self._patch_paths = lru_cache(maxsize=_PATCH_PATHS_KEPT)(parse_path)

    # --- reads ---------------------------------------------------------------------------------

    def get(self, user_id: str) -> StoredUser:
        return self.store.get(user_id)

    def search(self, filter_text: str | None, start_index: int = 1, count: int | None = None) -> Page:
        """Filter and paginate per RFC 7644 §3.4.2: totalResults counts all matches, then slice."""
        start_index = max(start_index, 1)
        rules = self.profile.rules
        count = rules.default_count if count is None else max(count, 0)
        count = min(count, rules.max_results)
        if filter_text is None or not filter_text.strip():
            total = len(self.store)
            return Page(total, start_index, self.store.listing(start_index - 1, count))
        try:
            found = self._filter(self._parse(filter_text))
        except InvalidFilter:
            if self.unsupported_filters == "refuse" or self.profile.rules.filter != "ringcentral":
                raise
            found = list(self.store)
        return Page(len(found), start_index, found[start_index - 1 : start_index - 1 + count])

    def validate_search(self, body: Mapping[str, Any], log: ViolationLog, *, read: bool = False) -> None:
        """Check a SearchRequest body (``POST /Users/.search``); 400 listing every violation.

        Where the profile has no ``attributes`` parameters (RingCentral's spec has none, nor
        sorting), the SearchRequest members for them are accepted, ignored and recorded.
        ``read``: as for :meth:`create`.
        """
        if not read:
            check_value(body)
        _raise_for(self.validator.validate("search", body), "Invalid SearchRequest")
        if not self.profile.rules.attributes_parameters:
            for key in ("attributes", "excludedAttributes", "sortBy", "sortOrder"):
                if key in body:
                    message = f"RingCentral ignores [{key}]"
                    log.warn(f"/{key}", "ringcentral.search-parameter-ignored", message)

    def _parse(self, filter_text: str) -> Expr:
        try:
            return parse_filter(filter_text)
        except FilterSyntaxError as exc:
            shown = filter_text if len(filter_text) <= 200 else f"{filter_text[:200]}…"
            raise InvalidFilter(
                f"Invalid filter [{shown}] {exc}", violations=[Violation("?filter", exc.rule, str(exc))]
            ) from None

    def _filter(self, expr: Expr) -> list[StoredUser]:
        if self.profile.rules.filter == "ringcentral":
            try:
                lookup = ringcentral_lookup(expr)
            except InvalidFilter as exc:
                raise InvalidFilter(
                    exc.detail,
                    violations=[Violation("?filter", "ringcentral.filter-unsupported", exc.detail)],
                ) from None
            return self._lookup(lookup)
        schema = self.profile.resource_schema
        try:
            predicate = compile_filter(expr, schema)
        except InvalidFilter as exc:
            raise InvalidFilter(
                exc.detail, violations=[Violation("?filter", "filter.unsupported", exc.detail)]
            ) from None
        plan = index_plan(expr)
        candidates = self._lookup(plan) if plan is not None else iter(self.store)
        return [u for u in candidates if predicate(self._filterable(u))]

    def _lookup(self, lookup: Lookup) -> list[StoredUser]:
        if lookup.kind == "userName":
            return self.store.find_by_user_name(lookup.value)
        return self.store.find_by_email(lookup.value)

    def _filterable(self, user: StoredUser) -> dict[str, Any]:
        """The user as filters see it: its attributes plus ``id`` and ``meta``."""
        return {
            **user.attributes,
            "id": user.id,
            "meta": {
                "resourceType": "User",
                "created": self.renderer.timestamp(user.created),
                "lastModified": self.renderer.timestamp(user.last_modified),
            },
        }

    # --- writes --------------------------------------------------------------------------------

    def create(self, body: Mapping[str, Any], log: ViolationLog, *, read: bool = False) -> StoredUser:
        """Create a user from a full User body.

        ``read``: the body was parsed by :func:`mockrc.json_input.loads` within
        :data:`~mockrc.limits.LIMITS` (the HTTP views' :func:`~mockrc.http.request_parsing.json_body`),
        which refuses everything :func:`~mockrc.json_input.check_value` would, so the check is not
        repeated (it was ~7 % of a write's CPU, issue 12). Other callers pass Python values: checked.
        """
        return self._add(self._prepare(body, log, "Invalid user", read=read))

    def create_generated(self, body: Mapping[str, Any]) -> StoredUser:
        """Create a user mockrc generated itself (:func:`mockrc.seed.iter_generated_users`).

        Its body is already what :meth:`create` would make of it (normalised, schema-valid: the
        seed module proves it for the generator's output), so only the business rules and the
        store's uniqueness checks run: a million seeded users load in minutes (issue 12), where
        normalising and validating each took most of an hour.
        """
        attributes = {key: value for key, value in body.items() if key != "schemas"}
        self._apply_rules(attributes)
        return self._add(attributes)

    def _add(self, attributes: dict[str, Any]) -> StoredUser:
        """Store a new user under a new id. Every refusal (no extension left, a taken userName or
        email) comes before the id is drawn: drawing one advances the seeded id sequence, and a
        rejected request changes nothing."""
        if self.unassigned_extensions == 0:
            raise Forbidden(
                "Unable to create the user: the account has no unassigned extension left"
                " (a user needs one; deleting a user frees one)"
            )
        self.store.check_new(attributes)
        now = self.clock.now()
        user = self.store.add(StoredUser(self.ids.new_id(), attributes, now, now))
        if self.unassigned_extensions is not None:
            self.unassigned_extensions -= 1
        return user

    def replace(
        self, user_id: str, body: Mapping[str, Any], log: ViolationLog, *, read: bool = False
    ) -> StoredUser:
        """Replace a user's attributes with a full User body (PUT); ``read`` as for :meth:`create`."""
        self.store.get(user_id)
        attributes = self._prepare(body, log, "Invalid user", read=read)
        return self.store.replace(user_id, attributes, self.clock.now())

    def patch(
        self, user_id: str, body: Mapping[str, Any], log: ViolationLog, *, read: bool = False
    ) -> StoredUser:
        """Apply a PatchOp body to a user; ``read`` as for :meth:`create`."""
        checkout = self.store.checkout(user_id)
        current = checkout.attributes
        if not read:
            check_value(body)
        _raise_for(self.validator.validate("patch", body), "Invalid PatchOp")
        # ``current`` is this request's own copy (decoded from the store): patched in place.
        patched = apply_patch(
            current,
            body["Operations"],
            self.profile.resource_schema,
            log,
            in_place=True,
            parse=self._patch_paths,
        )
        # The body was within the limits; what it built must be too (a user cannot grow by PATCHes).
        # Its text, written by the check, is what the store keeps: nothing below changes ``patched``.
        text = checked_text(patched, context="after the PATCH")
        result_violations = [
            v
            if isinstance(v, Truncation)
            else Violation(v.pointer, v.rule, f"after the PATCH, {v.message}", v.severity)
            for v in self.validator.validate("user", self._with_schemas(patched))
        ]
        _raise_for(result_violations, "PATCH would leave an invalid user")
        self._apply_rules(patched)
        return self.store.replace(user_id, patched, self.clock.now(), checkout=checkout, text=text)

    def delete(self, user_id: str) -> None:
        self.store.delete(user_id)
        if self.unassigned_extensions is not None:
            self.unassigned_extensions += 1

    def _prepare(
        self, body: Mapping[str, Any], log: ViolationLog, what: str, *, read: bool
    ) -> dict[str, Any]:
        """Normalise, validate and apply the business rules to a full User body (POST and PUT)."""
        if not read:
            check_value(body)
        attributes = normalise_user(body, self.profile, log)
        _raise_for([*log.errors, *self.validator.validate("user", attributes)], what)
        attributes.pop("schemas", None)
        active_default = self.profile.rules.active_default
        if "active" not in attributes and active_default is not None:
            attributes["active"] = active_default
        self._apply_rules(attributes)
        return attributes

    def _with_schemas(self, attributes: dict[str, Any]) -> dict[str, Any]:
        return {"schemas": self.schemas_of(attributes), **attributes}

    def render(self, user: StoredUser, base_url: str, *, copy: bool = True) -> dict[str, Any]:
        """``user`` as the SCIM API returns it (:func:`~mockrc.scim.render.render_user`), its
        ``meta.location`` under ``base_url``: what every view, control call and command shows."""
        return render_user(user, self.schemas_of(user.attributes), self.profile, base_url, copy=copy)

    def render_text(self, user: StoredUser, base_url: str) -> str:
        """:meth:`render` as JSON text, byte for byte what encoding the dict gives (for the views)."""
        return self.renderer.text(user, base_url)

    def render_texts(self, users: Iterable[StoredUser], base_url: str) -> list[str]:
        """:meth:`render_text` of each user."""
        return self.renderer.texts(users, base_url)

    def schemas_of(self, attributes: Mapping[str, Any]) -> list[str]:
        """The ``schemas`` a user carries: the core schema plus each extension it has values in
        (the renderer's rule, which its text path applies without decoding the user)."""
        return self.renderer.schemas_of(attributes)

    def _apply_rules(self, attributes: dict[str, Any]) -> None:
        """RingCentral's rules beyond the JSON Schema (per profile); InvalidValue if one is broken."""
        rules = self.profile.rules
        problems: list[Violation] = []
        for name in rules.one_element_per_type:
            seen: set[str] = set()
            for index, element in enumerate(attributes.get(name) or ()):
                kind = str(element.get("type", "")).casefold() if isinstance(element, dict) else ""
                if kind and kind in seen:
                    problems.append(
                        Violation(
                            f"/{name}/{index}/type",
                            "scim.one-element-per-type",
                            f'only one element of type "{element.get("type")}" is allowed in {name}',
                        )
                    )
                seen.add(kind)
        if rules.user_name_is_work_email:
            work = [
                e.get("value")
                for e in attributes.get("emails") or ()
                if isinstance(e, dict) and str(e.get("type", "")).casefold() == "work"
            ]
            user_name = attributes.get("userName")
            if not work:
                problems.append(
                    Violation("/emails", "ringcentral.work-email-required", "a work email is required")
                )
            elif not isinstance(user_name, str) or user_name.casefold() != str(work[0]).casefold():
                problems.append(
                    Violation(
                        "/userName",
                        "ringcentral.username-is-work-email",
                        f"userName [{user_name}] must be the same as the work email [{work[0]}]",
                    )
                )
        if problems:
            listed = "; ".join(f"{v.pointer}: {v.message}" for v in problems)
            raise InvalidValue(listed, violations=problems)
