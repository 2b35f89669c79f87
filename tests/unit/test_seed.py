"""Seed data: generated users are realistic, deterministic and valid under every profile; seed
files load by name or path, refuse mistakes naming the file and the user, and come back on reset."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from mockrc.cli import main
from mockrc.clock import FakeClock
from mockrc.ids import IdFactory
from mockrc.mock import mock_ringcentral
from mockrc.profile import available_profiles, load_profile
from mockrc.resources import fixture
from mockrc.scim.schema import ENTERPRISE_USER
from mockrc.scim.users import UserService
from mockrc.seed import (
    AREA_CODES,
    DEPARTMENTS,
    SeedError,
    SeedUser,
    SeedUsers,
    _name_draw,
    _Phones,
    add_users,
    build_seed,
    generate_users,
    load_seed_file,
    shipped_seeds,
)
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.violations import ViolationLog
from tests.conformance.live_server import mockrc_serve

FICTIONAL_NUMBER = re.compile(r"\+1[2-9]\d\d5550(1\d\d)")


def service(profile: str = "ringcentral", *, licences: int | None = None) -> UserService:
    chosen = load_profile(profile)
    return UserService(chosen, FakeClock(), IdFactory(chosen.rules.id_style), unassigned_extensions=licences)


def work_email(user: dict[str, Any]) -> str:
    [email] = [e["value"] for e in user["emails"] if e["type"] == "work"]
    return email


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- generated users ----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_users_and_another_seed_others() -> None:
    assert generate_users(5, seed=7) == generate_users(5, seed=7)
    assert generate_users(5, seed=7) != generate_users(5, seed=8)


def test_a_larger_count_keeps_the_first_users() -> None:
    assert generate_users(20, seed=3)[:5] == generate_users(5, seed=3)


def test_user_names_are_the_work_emails_and_unique_case_insensitively() -> None:
    users = generate_users(300, seed=1)

    assert all(u["userName"] == work_email(u) for u in users)
    assert len({u["userName"].casefold() for u in users}) == 300
    assert all(u["userName"].endswith("@example.com") for u in users)


def test_generated_emails_avoid_names_already_taken() -> None:
    first = generate_users(1, seed=7)[0]["userName"]

    [again] = generate_users(1, seed=7, taken=[first.upper()])

    assert again["userName"] != first
    assert again["userName"].split("@")[0].startswith(first.split("@")[0])


def test_every_tenth_user_is_inactive() -> None:
    users = generate_users(30, seed=5)

    assert [i for i, u in enumerate(users) if not u["active"]] == [9, 19, 29]


def test_users_have_mobile_numbers_from_the_fictional_range_and_some_a_work_number() -> None:
    users = generate_users(40, seed=2)

    phones = [{p["type"]: p["value"] for p in u["phoneNumbers"]} for u in users]
    assert all(FICTIONAL_NUMBER.fullmatch(p["mobile"]) for p in phones)
    assert 0 < sum("work" in p for p in phones) < 40
    numbers = [n for p in phones for n in p.values()]
    assert len(set(numbers)) == len(numbers)


def test_titles_fit_departments_and_users_share_a_few_office_addresses() -> None:
    users = generate_users(40, seed=4)

    for user in users:
        assert user["title"] in DEPARTMENTS[user[ENTERPRISE_USER]["department"]]
    offices = {json.dumps(u["addresses"], sort_keys=True) for u in users}
    assert 1 < len(offices) <= 4
    assert all(u["addresses"][0]["type"] == "work" and u["addresses"][0]["country"] == "US" for u in users)


@pytest.mark.parametrize("profile", available_profiles())
def test_generated_users_are_valid_under_every_profile(profile: str) -> None:
    target = service(profile)

    created = add_users(target, generate_users(25, seed=9, profile=profile))

    assert len(created) == len(target.store) == 25


@pytest.mark.parametrize("profile", available_profiles())
def test_generated_users_are_stored_as_a_post_of_them_would_store_them(profile: str) -> None:
    # add_users checks only the first generated user in full (issue 12): the rest must come out
    # exactly as the full path (normalise, JSON Schema, rules) makes them, text for text.
    seeded, posted = service(profile), service(profile)
    users = SeedUsers(count=3000, seed=11, profile=profile, taken=("ann.lee@example.com",))

    add_users(seeded, users)
    for user in users:
        posted.create(user.body, ViolationLog())

    assert [u.attributes_json for u in seeded.store] == [u.attributes_json for u in posted.store]


def test_a_generated_user_the_profile_refuses_is_refused_like_any_other() -> None:
    broken = SeedUser("generated user 1 of 2 (seed 0)", {"userName": "a@example.com"}, generated=True)
    with pytest.raises(SeedError, match=r"generated user 1 of 2 .*emails"):
        add_users(service(), [broken])


@pytest.mark.parametrize("seed", [0, 7, "abc"])
def test_names_are_drawn_as_faker_draws_them(seed: int | str) -> None:
    from faker import Faker

    ours, theirs = Faker("en_US"), Faker("en_US")
    ours.seed_instance(seed)
    theirs.seed_instance(seed)
    first, last = _name_draw(ours, "first_names"), _name_draw(ours, "last_names")

    drawn = [(first(), last()) for _ in range(2000)]

    assert drawn == [(theirs.first_name(), theirs.last_name()) for _ in range(2000)]


def test_phone_numbers_are_drawn_as_choice_and_randrange_draw_them() -> None:
    # Past 2,000 numbers every one is taken: each phone then costs all 20 draws.
    import random

    ours, theirs = random.Random(5), random.Random(5)
    phone, used = _Phones(ours), set[str]()
    expected = []
    for _ in range(2500):
        for _ in range(20):
            number = f"+1{theirs.choice(AREA_CODES)}5550{theirs.randrange(100, 200)}"
            if number not in used:
                break
        used.add(number)
        expected.append(number)

    assert [phone() for _ in range(2500)] == expected


def test_only_attributes_of_the_profile_are_generated() -> None:
    [ringcentral] = generate_users(1, seed=6)
    [scim] = generate_users(1, seed=6, profile="scim")

    assert "displayName" not in ringcentral
    assert set(ringcentral["name"]) == {"givenName", "familyName"}
    assert set(ringcentral["emails"][0]) == {"type", "value"}
    assert scim["displayName"] == f"{scim['name']['givenName']} {scim['name']['familyName']}"


@pytest.mark.parametrize("count", [-1, True, 2.5, "3"])
def test_a_count_must_be_a_whole_number(count: Any) -> None:
    with pytest.raises(SeedError, match="whole number >= 0"):
        generate_users(count)


def test_seeded_users_take_no_licence() -> None:
    target = service(licences=1)

    add_users(target, generate_users(3, seed=1))

    assert len(target.store) == 3
    assert target.unassigned_extensions == 1


# --- seed files ---------------------------------------------------------------------------------


def test_the_shipped_seed_files_load_by_name() -> None:
    assert shipped_seeds() == ("acme", "small-team")
    acme = load_seed_file("acme")
    assert acme.source == "fixtures/seed/acme.yaml"
    assert acme.account is not None and acme.account.default_app.client_id == "acme-idp-client"
    assert acme.account.unassigned_extensions == 5
    assert [u.source for u in acme.users][:2] == [
        "fixtures/seed/acme.yaml users[0]",
        "fixtures/seed/acme.yaml users[1]",
    ]
    small = load_seed_file("small-team")
    assert small.account is None
    assert [u.body["userName"] for u in small.users] == [
        "alex.morgan@example.com",
        "priya.shah@example.com",
        "sam.taylor@example.com",
    ]


@pytest.mark.parametrize("name", ["acme", "small-team"])
def test_the_shipped_seed_files_are_valid_under_ringcentral(name: str) -> None:
    seeded = load_seed_file(name)

    add_users(service(), seeded.users)


def test_a_seed_file_loads_by_path_in_yaml_or_json(tmp_path: Path) -> None:
    user = {"userName": "a@x.example", "name": {"givenName": "A", "familyName": "X"}}
    user["emails"] = [{"type": "work", "value": "a@x.example"}]
    as_json = write(tmp_path / "team.json", json.dumps({"users": [user]}))
    as_yaml = write(tmp_path / "team.yml", "users:\n  - " + json.dumps(user) + "\n")

    assert load_seed_file(as_json).users[0].body == user
    assert load_seed_file(as_yaml).users[0].body == user
    [created] = add_users(service(), load_seed_file(as_yaml).users)
    assert created.attributes["userName"] == "a@x.example"


def test_an_unknown_name_lists_the_shipped_files() -> None:
    with pytest.raises(SeedError, match="unknown seed file 'acne': the shipped ones are acme, small-team"):
        load_seed_file("acne")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("twice.yaml", "users: []\nusers: []\n", "twice.yaml: line 2: key 'users' is given twice"),
        ("twice.json", '{"users": [], "users": []}', "twice.json: key 'users' is given twice"),
        ("broken.json", '{"users": [', "broken.json: line 1, column 12: not valid JSON"),
        ("broken.yaml", "users: [\n", "broken.yaml: line 2, column 1: not valid YAML"),
        ("typo.yaml", "user: []\n", r"typo.yaml: not a seed file:\n  \(top level\): Additional properties"),
        ("shape.yaml", "users: {}\n", "shape.yaml: not a seed file:\n  users: {} is not of type 'array'"),
        (
            "account.yaml",
            "account: {id: x}\n",
            'account.yaml: account: /apps: "apps" is required',
        ),
    ],
)
def test_a_broken_file_is_refused_naming_it(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(SeedError, match=message):
        load_seed_file(write(tmp_path / name, text))


def test_a_user_the_profile_refuses_names_the_file_the_user_and_the_rule(tmp_path: Path) -> None:
    good = {"userName": "a@x.example", "name": {"givenName": "A", "familyName": "X"}}
    good["emails"] = [{"type": "work", "value": "a@x.example"}]
    bad = {**good, "userName": "b@x.example"}
    path = write(tmp_path / "team.json", json.dumps({"users": [good, bad]}))

    target = service()
    with pytest.raises(SeedError) as raised:
        add_users(target, load_seed_file(path).users)

    assert str(raised.value) == (
        f"{path} users[1] (b@x.example): /userName: userName [b@x.example] must be the same as the"
        " work email [a@x.example]"
    )
    assert len(target.store) == 0  # the good user before it is not kept: a seed applies whole or not at all


# --- building and resetting a state --------------------------------------------------------------


def test_files_come_first_then_the_generated_users_around_their_names(tmp_path: Path) -> None:
    first = generate_users(1, seed=7)[0]
    path = write(tmp_path / "one.json", json.dumps({"users": [first]}))

    seed = build_seed([path, 2, 1], seed=7)

    names = [u.body["userName"] for u in seed.users]
    assert len(names) == 4 and names[0] == first["userName"]
    assert len({n.casefold() for n in names}) == 4
    assert [u.source for u in seed.users][1:] == [f"generated user {i} of 3 (seed 7)" for i in (1, 2, 3)]


def test_only_one_seed_file_may_carry_an_account(tmp_path: Path) -> None:
    copy = write(tmp_path / "other.yaml", fixture("seed", "acme.yaml").read_text(encoding="utf-8"))

    with pytest.raises(
        SeedError, match="only one seed file may carry an account; these do: fixtures/seed/acme"
    ):
        build_seed(["acme", copy])


def test_a_state_starts_with_its_seed_users_and_gets_them_back_on_reset() -> None:
    state = MockState(Settings(users=(3, "small-team"), seed=11), clock=FakeClock())
    before = {u.id: u.attributes for u in state.users.store}

    state.users.delete(next(iter(before)))
    state.reset()

    assert len(before) == 6
    assert {u.id: u.attributes for u in state.users.store} == before


def test_a_seed_file_with_an_account_replaces_the_default_account() -> None:
    state = MockState(Settings(users=("acme",)), clock=FakeClock())

    assert state.account.default_app.client_id == "acme-idp-client"
    assert state.admin_principal.owner_id == "110000001"
    assert state.users.unassigned_extensions == 5
    assert len(state.users.store) == 6


def test_an_account_file_and_a_seed_account_together_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "account.json", fixture("accounts", "default.json").read_text(encoding="utf-8"))

    with pytest.raises(ValueError, match="two accounts given"):
        MockState(Settings(users=("acme",), account=path), clock=FakeClock())


# --- entry points --------------------------------------------------------------------------------


def test_mock_ringcentral_starts_with_the_users_it_is_given() -> None:
    with mock_ringcentral(users=[4, "small-team"], seed=3) as rc:
        answer = requests.get(f"{rc.base_url}/scim/v2/Users", headers=rc.auth_headers, timeout=10)

    assert answer.json()["totalResults"] == 7


def test_serve_users_and_seed_start_with_generated_users_that_a_reset_brings_back() -> None:
    expected = [u["userName"] for u in generate_users(500, seed=7)]

    with mockrc_serve("--users", "500", "--seed", "7", "--users", "small-team", "--clock", "fake") as (
        url,
        output,
    ):
        listing = f"{url}/scim/v2/Users"
        headers = {"Authorization": "Bearer mockrc-admin-token"}
        page = requests.get(listing, params={"count": 1000}, headers=headers, timeout=10).json()
        requests.delete(f"{listing}/{page['Resources'][0]['id']}", headers=headers, timeout=10)
        requests.post(f"{url}/__mockrc/reset", json={}, timeout=10)
        after_reset = requests.get(f"{url}/__mockrc/users", timeout=10).json()["Resources"]

    assert "mockrc: 503 users seeded (seed 7)" in output
    assert page["totalResults"] == 503
    assert [u["userName"] for u in page["Resources"]][3:] == expected
    assert after_reset == page["Resources"]


def test_serve_refuses_a_seed_file_it_cannot_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0", "--users", "acne"]) == 2
    assert capsys.readouterr().err.startswith(
        "mockrc: unknown seed file 'acne': the shipped ones are acme, small-team"
    )
