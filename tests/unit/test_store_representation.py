"""How the store keeps users: private copies handed out, nothing per user for the collector to walk."""

from __future__ import annotations

import gc

from mockrc.store import StoredUser, UserStore


def user(user_id: str, name: str, *emails: str) -> StoredUser:
    attributes = {"userName": name, "emails": [{"type": "work", "value": e} for e in emails]}
    return StoredUser(user_id, attributes, created=1.0, last_modified=2.0)


def test_a_user_handed_out_is_a_copy_changing_it_changes_nothing_stored() -> None:
    store = UserStore(unique_emails=True)
    store.add(user("1", "a@example.com", "a@example.com"))

    handed_out = store.get("1")
    handed_out.attributes["userName"] = "changed@example.com"
    handed_out.attributes["emails"].clear()
    handed_out.version = 99

    again = store.get("1")
    assert again.attributes == {
        "userName": "a@example.com",
        "emails": [{"type": "work", "value": "a@example.com"}],
    }
    assert again.version == 1
    assert [u.id for u in store.find_by_email("a@example.com")] == ["1"]
    assert store.get("1") == again and store.get("1") is not again


def test_values_come_back_exactly_as_stored() -> None:
    store = UserStore(unique_emails=False)
    attributes = {
        "userName": "Zoë@Example.com",
        "active": False,
        "x": {"n": 1.5, "big": 2**70, "none": None, "list": [1, "two", True]},
    }
    store.add(StoredUser("7", attributes, created=3.25, last_modified=4.5, version=3))

    stored = store.get("7")
    assert stored.attributes == attributes
    assert list(stored.attributes) == list(attributes)
    assert (stored.created, stored.last_modified, stored.version) == (3.25, 4.5, 3)
    assert store.snapshot("7") == attributes


def test_emails_shared_by_several_users_come_back_in_creation_order_after_changes() -> None:
    store = UserStore(unique_emails=False)
    for n in ("3", "1", "2"):
        store.add(user(n, f"u{n}", "shared@example.com"))

    store.replace("3", {"userName": "u3", "emails": [{"value": "SHARED@example.com"}]}, now=5.0)
    assert [u.id for u in store.find_by_email("shared@example.com")] == ["3", "1", "2"]
    store.delete("1")
    assert [u.id for u in store.find_by_email("shared@example.com")] == ["3", "2"]
    store.delete("3")
    assert [u.id for u in store.find_by_email("Shared@Example.com")] == ["2"]
    store.delete("2")
    assert store.find_by_email("shared@example.com") == []


def test_stored_users_add_nothing_for_the_garbage_collector_to_walk() -> None:
    store = UserStore(unique_emails=True)
    gc.collect()
    before = len(gc.get_objects())
    for n in range(2_000):
        store.add(user(str(n), f"user{n}@example.com", f"user{n}@example.com", f"other{n}@example.com"))
    gc.collect()  # CPython untracks tuples of atoms when a collection first sees them

    # Nested dicts and lists per user were ~4 tracked objects each (8,000 here).
    assert len(gc.get_objects()) - before < 100


def test_a_write_never_puts_the_tables_of_users_back_in_a_young_generation() -> None:
    """A young collection walks every object of the generations it collects, and a table of users
    in one is walked whole: the tables must stay where they are (tracked, in the old generation or
    frozen) whatever the writes do."""
    store = UserStore(unique_emails=False)  # emails may repeat: their index holds tuples of ids
    for n in range(100):
        store.add(user(str(n), f"user{n}@example.com", "shared@example.com"))
    # A full collection untracks an exact dict whose keys and values are all untracked (records
    # are tuples of atoms), and the next write of a record tracks it again in generation 0.
    gc.collect()
    tables = (store._users, store._by_email)
    assert all(gc.is_tracked(t) for t in tables)

    store.add(user("new", "new@example.com", "shared@example.com"))
    store.replace("1", {"userName": "renamed@example.com", "emails": []}, now=3.0)

    young = {id(o) for generation in (0, 1) for o in gc.get_objects(generation)}
    assert not any(id(t) in young for t in tables)
