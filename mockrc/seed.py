"""Seed data: the users (and, if wanted, the account) a fake starts with and returns to on reset.

A provisioning client is rarely tested against an empty account: Entra matches users that are
already there, a sync pages through hundreds of them, a deactivated one must not come back. Two
kinds of source give a fake its users, and every entry point takes both:

- **a number**: that many realistic users, generated with faker and deterministic from a seed
  (:func:`generate_users`): given and family names, a work email that is also the ``userName``
  (unique, on a reserved example domain), a mobile number (and for some a work number) from the
  fictional 555-01XX range, one of a few office addresses, a department and a title that fits it,
  and every tenth user inactive. The same seed and count give the same users for a given faker
  version, and a larger count only adds users after the same ones.
- **a seed file** (:func:`load_seed_file`): hand-written YAML or JSON, a shipped one by name
  (``fixtures/seed/<name>.yaml``) or any file by path; it holds SCIM ``users`` and, optionally,
  the ``account`` (apps and sign-in users, in the account file format). Its format is
  ``fixtures/schemas/mockrc/seed.schema.json``.

Entry points: ``mockrc serve --users 500 --seed 7`` (or ``--users acme``),
``mock_ringcentral(users=...)``, ``Settings(users=...)``, the pytest marker's ``users=``, and the
functions here. The functions, for code that seeds a fake itself (a CLI command, a test helper)::

    generate_users(500, seed=7, profile="ringcentral")  # -> list of SCIM User bodies
    load_seed_file("acme")                              # -> SeedFile(source, account, users)
    build_seed([20, "acme"], seed=7, profile=profile)   # -> Seed(account, users): what a state starts with
    add_users(state.users, seed.users)                  # create them, through the profile's rules

Every user from a file or a caller goes through the same normalisation, JSON Schema and business
rules as a ``POST /scim/v2/Users``, so seed data is valid under the active profile or the fake
refuses to start, naming the source and the user. Generated users are built to fit the profile:
the first of each load is checked the same way, the others only by the business rules and the
store's uniqueness checks (:func:`add_users` says why that is enough). Seeded users are the
account's existing users: they take no licence (``unassignedExtensions`` counts licences left for
*new* users).
"""

from __future__ import annotations

import itertools
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mockrc.account import Account, parse_account
from mockrc.documents import read_document
from mockrc.errors import ConfigError, DocumentError, MockrcError
from mockrc.json_schema import fixture_schema
from mockrc.profile import Profile, load_profile
from mockrc.resources import fixture
from mockrc.scenarios.loader import looks_like_path
from mockrc.scim.schema import CORE_USER, ENTERPRISE_USER, AttributeDef, ResourceSchema
from mockrc.scim.users import UserService
from mockrc.store import StoredUser
from mockrc.violations import ViolationLog

#: One source of users: a number to generate, or a seed file (shipped name or path).
SeedSource = int | str | os.PathLike[str]

#: The generated users' email domain: reserved for examples (RFC 2606), so no mail can reach anyone.
DEFAULT_DOMAIN = "example.com"

#: Departments and titles that belong to them, so a generated user's title fits its department.
DEPARTMENTS: Mapping[str, tuple[str, ...]] = {
    "Engineering": (
        "Software Engineer",
        "Senior Software Engineer",
        "Staff Engineer",
        "QA Engineer",
        "Engineering Manager",
    ),
    "Sales": ("Account Executive", "Sales Development Representative", "Solutions Engineer", "Sales Manager"),
    "Marketing": ("Marketing Specialist", "Content Strategist", "Product Marketing Manager"),
    "Customer Support": ("Support Specialist", "Customer Success Manager", "Support Team Lead"),
    "Finance": ("Accountant", "Financial Analyst", "Controller"),
    "Human Resources": ("HR Generalist", "Recruiter", "People Operations Manager"),
    "Operations": ("Operations Analyst", "IT Administrator", "Office Manager"),
}

#: US area codes for phone numbers; the default account's numbers (650) are not among them.
AREA_CODES: tuple[str, ...] = ("206", "212", "303", "305", "312", "404", "415", "503", "512", "602")
AREA_CODES += ("617", "646", "702", "718", "720", "773", "917", "949", "978", "984")
#: Offices per generated company: users share a handful of work addresses, as in a real one.
OFFICES = 4
#: Every tenth generated user (the 10th, 20th, ...) is inactive: a count that tests can rely on.
INACTIVE_EVERY = 10
#: Draws before a phone number may repeat: 2,000 fictional numbers exist (20 area codes x 100).
_PHONE_DRAWS = 20

_SUFFIXES = (".yaml", ".yml", ".json")
FORMAT_HELP = "the format is in docs/seed-data.md and fixtures/schemas/mockrc/seed.schema.json"


class SeedError(ConfigError):
    """Seed data that cannot be used; the message names the source (file, user) and what is wrong."""


@dataclass(frozen=True)
class SeedUser:
    """One user to create, and where it came from (for messages): ``acme.yaml users[2]``."""

    source: str
    body: Mapping[str, Any]
    #: Made by :func:`iter_generated_users`, not read from a file or sent by a client: its body is
    #: normalised and schema-valid by construction (see :func:`add_users`).
    generated: bool = False


@dataclass(frozen=True)
class SeedFile:
    """A seed file, read and checked: its account (if it has one) and its users, in file order."""

    source: str
    account: Account | None
    users: tuple[SeedUser, ...]


@dataclass(frozen=True)
class SeedUsers:
    """A seed's users, in order: the files' users, then the generated ones, generated again on
    every pass rather than kept.

    ``mockrc serve --users 1000000`` would otherwise hold a million generated bodies (nested
    dicts and lists: gigabytes, and millions of objects every full garbage collection walks) for
    the rare reset; generating is deterministic, so each reset gets the very same users.
    """

    files: tuple[SeedUser, ...] = ()
    #: Users to generate after the files' ones, and the arguments of :func:`iter_generated_users`.
    count: int = 0
    seed: int | str = 0
    profile: Profile | str = "ringcentral"
    taken: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.files) + self.count

    def __iter__(self) -> Iterator[SeedUser]:
        yield from self.files
        generated = iter_generated_users(self.count, seed=self.seed, profile=self.profile, taken=self.taken)
        for index, body in enumerate(generated, 1):
            yield SeedUser(f"generated user {index} of {self.count} (seed {self.seed})", body, generated=True)


@dataclass(frozen=True)
class Seed:
    """What a fake starts with: the account (None: the settings' account) and the users, in order."""

    account: Account | None = None
    users: SeedUsers = SeedUsers()


# --- generated users ---------------------------------------------------------------------------


def generate_users(
    count: int,
    *,
    seed: int | str = 0,
    profile: Profile | str = "ringcentral",
    domain: str = DEFAULT_DOMAIN,
    taken: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """``count`` realistic SCIM User bodies, the same ones for the same arguments (``seed`` may be
    any number or string).

    Only attributes the profile's User schema has are kept (``displayName`` and
    ``name.formatted`` exist under ``scim``, not under ``ringcentral``). ``taken`` holds userNames
    already in use (compared case-insensitively), so generated emails never collide with them.
    """
    return list(iter_generated_users(count, seed=seed, profile=profile, domain=domain, taken=taken))


def iter_generated_users(
    count: int,
    *,
    seed: int | str = 0,
    profile: Profile | str = "ringcentral",
    domain: str = DEFAULT_DOMAIN,
    taken: Iterable[str] = (),
) -> Iterator[dict[str, Any]]:
    """:func:`generate_users`, one user at a time (a million need not be held at once)."""
    if generate_count(count) == 0:
        return
    # Imported here: faker takes a third of a second to import, paid only by those who generate.
    from faker import Faker

    schema = (load_profile(profile) if isinstance(profile, str) else profile).resource_schema
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = fake.random
    offices = [_office(fake) for _ in range(OFFICES)]
    first_name, last_name = _name_draw(fake, "first_names"), _name_draw(fake, "last_names")
    departments = sorted(DEPARTMENTS)
    used_names = {name.casefold() for name in taken}
    phone = _Phones(rng)
    for index in range(count):
        given, family = first_name(), last_name()
        department = rng.choice(departments)
        title = rng.choice(DEPARTMENTS[department])
        phones = [{"type": "mobile", "value": phone()}]
        if rng.random() < 0.5:
            phones.append({"type": "work", "value": phone()})
        office = rng.choice(offices)
        email = _unique_email(given, family, domain, used_names)
        body = {
            "schemas": [CORE_USER, ENTERPRISE_USER],
            "userName": email,
            "name": {"givenName": given, "familyName": family, "formatted": f"{given} {family}"},
            "displayName": f"{given} {family}",
            "emails": [{"type": "work", "value": email, "primary": True}],
            "phoneNumbers": phones,
            "addresses": [{"type": "work", **office, "primary": True}],
            "title": title,
            "active": (index + 1) % INACTIVE_EVERY != 0,
            ENTERPRISE_USER: {"department": department},
        }
        yield fit_to_schema(body, schema)


def _name_draw(fake: Any, table: str) -> Callable[[], str]:
    """``fake.first_name`` (``table="first_names"``) or ``fake.last_name``, without its cost.

    faker draws a name with ``random.choices(names, weights=frequencies)``, which adds up the
    thousands of frequencies again on every call (most of the generator's time). The same draw
    with the running totals computed once consumes the same random numbers and picks the same
    names: the users of a seed stay the same, ~20x faster. Every name is checked once here to
    be a non-empty string: the invariant that lets :func:`add_users` skip the schema check of
    each generated user after the first.
    """
    names: Mapping[str, float] = getattr(fake.provider("faker.providers.person"), table)
    population = tuple(names)
    if not all(isinstance(name, str) and name for name in population):
        raise SeedError(f"faker's {table} hold a name that is not a non-empty string")
    totals = list(itertools.accumulate(names.values()))
    choices = fake.random.choices

    def draw() -> str:
        name: str = choices(population, cum_weights=totals)[0]
        return name

    return draw


def _office(fake: Any) -> dict[str, str]:
    street, city, region, postal = fake.street_address(), fake.city(), fake.state_abbr(), fake.zipcode()
    return {
        "streetAddress": street,
        "locality": city,
        "region": region,
        "postalCode": postal,
        # RFC 7643 §4.1.2: country is an ISO 3166-1 alpha-2 code.
        "country": "US",
        "formatted": f"{street}\n{city}, {region} {postal}\nUS",
    }


class _Phones:
    """E.164 numbers in the 555-0100..0199 block that North American numbering keeps for fiction.

    Unique while the 2,000 such numbers last; the draws do not depend on how many users are
    asked for, so a larger count keeps the earlier users' numbers.

    Each draw is ``rng.choice(AREA_CODES)`` then ``rng.randrange(100, 200)``, up to
    :data:`_PHONE_DRAWS` times until an unused number comes up, written out as the rejection
    sampling CPython's :mod:`random` does for those two calls (``_randbelow``: ``getrandbits`` of
    the bound's bit length until below the bound): the same random numbers give the same phone
    numbers as the two calls, without their overhead, which was most of generating a user once
    every number is taken and each phone costs all the draws.
    """

    def __init__(self, rng: Any) -> None:
        self._bits = rng.getrandbits
        self._numbers = [[f"+1{area}5550{line}" for line in range(100, 200)] for area in AREA_CODES]
        self._used: set[str] = set()

    def __call__(self) -> str:
        bits, numbers, used = self._bits, self._numbers, self._used
        areas, area_bits = len(AREA_CODES), len(AREA_CODES).bit_length()
        number = ""
        for _ in range(_PHONE_DRAWS):
            area = bits(area_bits)
            while area >= areas:
                area = bits(area_bits)
            line = bits(7)  # randrange(100, 200): 100 + a number below 100
            while line >= 100:
                line = bits(7)
            number = numbers[area][line]
            if number not in used:
                break
        used.add(number)
        return number


@cache
def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _unique_email(given: str, family: str, domain: str, used: set[str]) -> str:
    """``given.family@domain``, numbered (``given.family2@``) when the name is taken."""
    local = f"{_ascii_slug(given) or 'user'}.{_ascii_slug(family) or 'user'}"
    email, number = f"{local}@{domain}", 1
    while email.casefold() in used:
        number += 1
        email = f"{local}{number}@{domain}"
    used.add(email.casefold())
    return email


def fit_to_schema(body: Mapping[str, Any], schema: ResourceSchema) -> dict[str, Any]:
    """``body`` without the attributes and sub-attributes ``schema`` does not have.

    ``schemas`` is rebuilt: the core schema, plus each extension that still has a value.
    """
    fitted: dict[str, Any] = {}
    extensions: list[str] = []
    for key, value in body.items():
        if key == "schemas":
            continue
        uri = schema.canonical_uri(key)
        if uri is not None and uri != schema.core_uri:
            kept = {name: v for name, v in value.items() if schema.attribute(name, uri) is not None}
            if kept:
                fitted[uri] = kept
                extensions.append(uri)
            continue
        attribute = schema.attribute(key)
        if attribute is not None:
            fitted[key] = _fit_value(attribute, value)
    return {"schemas": [schema.core_uri, *extensions], **fitted}


def _fit_value(attribute: AttributeDef, value: Any) -> Any:
    if not attribute.is_complex:
        return value
    if attribute.multi_valued:
        return [{k: v for k, v in item.items() if attribute.sub(k) is not None} for item in value]
    return {k: v for k, v in value.items() if attribute.sub(k) is not None}


# --- seed files --------------------------------------------------------------------------------


def shipped_seeds() -> tuple[str, ...]:
    """The names of the seed files mockrc ships (``fixtures/seed/``), sorted."""
    return tuple(
        sorted(
            entry.name.rsplit(".", 1)[0]
            for entry in fixture("seed").iterdir()
            if entry.name.endswith(_SUFFIXES)
        )
    )


def load_seed_file(name_or_path: str | os.PathLike[str]) -> SeedFile:
    """The seed file shipped under this name, or the one at this path; SeedError if it is unusable.

    A value with a path separator, or ending in ``.yaml``, ``.yml`` or ``.json``, is a path (as
    for scenarios); anything else names a shipped file.
    """
    text = os.fspath(name_or_path)
    if looks_like_path(text):
        source = text
        try:
            raw = Path(text).read_text(encoding="utf-8")
        except OSError as exc:
            raise SeedError(f"{text}: cannot read the seed file: {exc.strerror or exc}") from None
    else:
        entry = next(
            (fixture("seed", text + s) for s in _SUFFIXES if fixture("seed", text + s).is_file()), None
        )
        if entry is None:
            raise SeedError(
                f"unknown seed file {text!r}: the shipped ones are {', '.join(shipped_seeds())};"
                " to load your own, give its path (ending in .yaml, .yml or .json)"
            )
        source = f"fixtures/seed/{entry.name}"
        raw = entry.read_text(encoding="utf-8")
    return parse_seed(_read(raw, source), source)


def parse_seed(document: Any, source: str) -> SeedFile:
    """Check a seed document (already parsed) and build it; SeedError naming every problem."""
    schema = fixture_schema("schemas", "mockrc", "seed.schema.json")
    problems = [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top level)'}: {error.message}"
        for error in sorted(
            schema.iter_errors(document),
            key=lambda e: list(map(str, e.absolute_path)),
        )
    ]
    if problems:
        listed = "\n".join(f"  {p}" for p in problems)
        raise SeedError(f"{source}: not a seed file:\n{listed}\n({FORMAT_HELP})")
    account = None
    if "account" in document:
        try:
            account = parse_account(document["account"], f"{source}: account")
        except ValueError as exc:
            raise SeedError(str(exc)) from None
    users = tuple(SeedUser(f"{source} users[{i}]", body) for i, body in enumerate(document.get("users", ())))
    return SeedFile(source, account, users)


def _read(text: str, source: str) -> Any:
    """A seed file's document: JSON if the source ends in ``.json``, else YAML; no key twice."""
    try:
        return read_document(text, source)
    except DocumentError as exc:
        raise SeedError(f"{source}: {exc.problem}") from None


# --- putting it together -----------------------------------------------------------------------


def build_seed(
    sources: Iterable[SeedSource],
    *,
    seed: int | str = 0,
    profile: Profile | str = "ringcentral",
    taken: Iterable[str] = (),
) -> Seed:
    """What a fake starts with, from every source in order: files' users first, then the generated ones.

    The numbers are added up and generated as one batch from ``seed``, around the files' userNames
    and ``taken`` (userNames already in the fake). At most one file may carry an account.
    """
    counts: list[int] = []
    files: list[SeedFile] = []
    for source in sources:
        if isinstance(source, int) and not isinstance(source, bool):
            counts.append(source)
        elif isinstance(source, str | os.PathLike):
            files.append(load_seed_file(source))
        else:
            raise SeedError(f"a seed source is a number of users or a seed file, not {source!r}")
    with_account = [f.source for f in files if f.account is not None]
    if len(with_account) > 1:
        raise SeedError(f"only one seed file may carry an account; these do: {', '.join(with_account)}")
    users = tuple(user for f in files for user in f.users)
    count = sum(generate_count(c) for c in counts)
    names = (*taken, *(u.body["userName"] for u in users if isinstance(u.body.get("userName"), str)))
    account = next((f.account for f in files if f.account is not None), None)
    return Seed(account, SeedUsers(users, count, seed, profile, names))


def generate_count(value: int) -> int:
    """``value`` if it is a usable number of users to generate; SeedError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SeedError(f"the number of users to generate must be a whole number >= 0, not {value!r}")
    return value


def add_users(service: UserService, users: Iterable[SeedUser | Mapping[str, Any]]) -> list[StoredUser]:
    """Create ``users`` in ``service`` as a client's POST would, in order; the created users.

    A body without ``schemas`` gets the profile's (core, plus each extension it uses). A user the
    profile refuses raises SeedError naming its source and every problem, and none of ``users``
    is kept: a seed applies whole or not at all, so a corrected seed can simply be tried again.
    Seeded users are already in the account, so they take no licence.

    Generated users (:attr:`SeedUser.generated`) skip normalising and the JSON Schema check, which
    were ~60 % of loading a million of them (issue 12), all but the first: it goes through
    :meth:`~mockrc.scim.users.UserService.create` like any other, so a generator that stopped
    fitting the profile fails here at once. What varies between generated users is only values
    the schema merely needs to be non-empty strings (names, checked once per run by
    :func:`_name_draw`; emails and phone numbers, built non-empty); ``tests/unit/test_seed.py``
    checks that thousands of them are stored exactly as the full path stores them. Users from
    files and callers are always checked in full.
    """
    # Ids only while loading: a million StoredUser objects, each tracked by the garbage
    # collector, made every full collection during the load walk them all.
    created: list[str] = []
    licences, service.unassigned_extensions = service.unassigned_extensions, None
    checked_one_generated = False
    try:
        for index, user in enumerate(users):
            seeded = user if isinstance(user, SeedUser) else SeedUser(f"users[{index}]", user)
            body = dict(seeded.body)
            body.setdefault("schemas", service.schemas_of(body))
            try:
                if seeded.generated and checked_one_generated:
                    created.append(service.create_generated(body).id)
                else:
                    created.append(service.create(body, ViolationLog()).id)
                    checked_one_generated = checked_one_generated or seeded.generated
            except MockrcError as exc:
                for done in created:
                    service.store.delete(done)
                raise SeedError(f"{seeded.source} ({body.get('userName')}): {exc.detail}") from exc
    finally:
        service.unassigned_extensions = licences
    # Read back from the store: the users as stored (compact), not the request's objects.
    return [service.store.get(user_id) for user_id in created]


def seed_sources(value: SeedSource | Sequence[SeedSource] | None) -> tuple[int | str, ...]:
    """One source or several (``users=50``, ``users=["acme", 20]``) as ``Settings.users`` holds them:
    numbers, and paths as strings."""
    if value is None:
        return ()
    sources = (value,) if isinstance(value, int | str | os.PathLike) else tuple(value)
    return tuple(s if isinstance(s, int) else os.fspath(s) for s in sources)
