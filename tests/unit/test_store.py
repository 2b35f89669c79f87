"""The user store: case-insensitive indexes that stay right through replace and delete."""

from __future__ import annotations

import pytest

from mockrc.errors import NotFound, Uniqueness
from mockrc.store import StoredUser, UserStore


def user(user_id: str, name: str, *emails: str) -> StoredUser:
    attributes = {"userName": name, "emails": [{"type": "work", "value": e} for e in emails]}
    return StoredUser(user_id, attributes, created=0.0, last_modified=0.0)


def test_lookups_fold_case_but_values_keep_it() -> None:
    store = UserStore(unique_emails=True)
    store.add(user("1", "Ann@Example.com", "Ann@Example.com"))

    assert [u.id for u in store.find_by_user_name("ANN@example.COM")] == ["1"]
    assert [u.id for u in store.find_by_email("ann@EXAMPLE.com")] == ["1"]
    assert store.get("1").attributes["userName"] == "Ann@Example.com"


def test_replace_moves_the_index_entries() -> None:
    store = UserStore(unique_emails=True)
    store.add(user("1", "old@example.com", "old@example.com"))

    store.replace("1", {"userName": "new@example.com", "emails": [{"value": "new@example.com"}]}, now=5.0)

    assert store.find_by_user_name("old@example.com") == []
    assert store.find_by_email("old@example.com") == []
    assert store.find_by_email("new@example.com")[0].last_modified == 5.0
    assert store.get("1").version == 2


def test_a_conflicting_replace_changes_nothing() -> None:
    store = UserStore(unique_emails=True)
    store.add(user("1", "a@example.com", "a@example.com"))
    store.add(user("2", "b@example.com", "b@example.com"))

    with pytest.raises(Uniqueness):
        store.replace("2", {"userName": "A@example.com", "emails": []}, now=1.0)

    assert store.get("2").attributes["userName"] == "b@example.com"
    assert [u.id for u in store.find_by_user_name("b@example.com")] == ["2"]


def test_duplicate_email_is_refused_only_where_emails_must_be_unique() -> None:
    strict = UserStore(unique_emails=True)
    lenient = UserStore(unique_emails=False)
    for store in (strict, lenient):
        store.add(user("1", "a", "shared@example.com"))

    with pytest.raises(Uniqueness, match="Duplicate email"):
        strict.add(user("2", "b", "SHARED@example.com"))
    lenient.add(user("2", "b", "SHARED@example.com"))
    assert [u.id for u in lenient.find_by_email("shared@example.com")] == ["1", "2"]


def test_delete_frees_the_name_and_the_email() -> None:
    store = UserStore(unique_emails=True)
    store.add(user("1", "a@example.com", "a@example.com"))

    store.delete("1")

    assert len(store) == 0
    store.add(user("2", "a@example.com", "a@example.com"))
    with pytest.raises(NotFound):
        store.get("1")


def test_iteration_is_in_creation_order() -> None:
    store = UserStore(unique_emails=False)
    for n in (5, 3, 9):
        store.add(user(str(n), f"u{n}"))

    assert [u.id for u in store] == ["5", "3", "9"]


def test_a_page_is_a_slice_in_creation_order() -> None:
    store = UserStore(unique_emails=False)
    for n in range(1, 6):
        store.add(user(str(n), f"u{n}"))

    assert [u.id for u in store.page(1, 2)] == ["2", "3"]
    assert [u.id for u in store.page(4, 10)] == ["5"]
    assert store.page(9, 3) == []


def test_pages_follow_every_change_between_them() -> None:
    # The store keeps the order of ids for paging (issue 12): each change must show in the next page.
    store = UserStore(unique_emails=True)
    for n in range(1, 5):
        store.add(user(str(n), f"u{n}"))
    assert [u.id for u in store.page(0, 10)] == ["1", "2", "3", "4"]

    store.add(user("5", "u5"))
    with pytest.raises(Uniqueness):
        store.add(user("6", "U5"))
    store.replace("2", {"userName": "renamed"}, now=1.0)
    assert [u.id for u in store.page(1, 10)] == ["2", "3", "4", "5"]
    assert store.page(1, 1)[0].attributes == {"userName": "renamed"}

    store.delete("3")
    assert [u.id for u in store.page(1, 2)] == ["2", "4"]
    store.add(user("7", "u7"))
    assert [u.id for u in store.page(3, 10)] == ["5", "7"]

    store.clear()
    assert store.page(0, 10) == []
    store.load("users", "8", ('{"userName":"u8"}', 0.0, 0.0, 1))
    assert [u.id for u in store.page(0, 10)] == ["8"]


def test_check_new_refuses_what_add_refuses_and_changes_nothing() -> None:
    store = UserStore(unique_emails=True)
    store.add(user("1", "a@example.com", "shared@example.com"))

    with pytest.raises(Uniqueness, match="userName"):
        store.check_new({"userName": "A@example.com"})
    with pytest.raises(Uniqueness, match="Duplicate email"):
        store.check_new(user("2", "b@example.com", "SHARED@example.com").attributes)
    store.check_new(user("2", "b@example.com", "b@example.com").attributes)

    assert [u.id for u in store] == ["1"]
