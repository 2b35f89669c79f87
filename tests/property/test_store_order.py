"""The store's creation order, which a list page slices, against a plain list (issue 12).

:class:`~mockrc.store.UserStore` keeps the ids in creation order in a sorted list of sublists
(sortedcontainers), so that a delete no longer makes the next page list every id again. A state
machine adds, deletes, replaces, clears and loads users in any order and asks for pages at any
offset and count; each answer must be what slicing a plain list of the ids kept in creation
order gives, and the total what its length says. The sublists are made tiny (a load factor of 4
instead of 1,000), so that a few dozen steps split, merge and re-index them as a million users
would.
"""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from mockrc.errors import NotFound, Uniqueness
from mockrc.store import StoredUser, UserStore

#: Few names, so that adds and replaces also collide (and must then change nothing).
NAMES = st.sampled_from([f"user{n}@example.com" for n in range(12)])
OFFSETS = st.integers(min_value=0, max_value=40)
COUNTS = st.integers(min_value=0, max_value=40)


class CreationOrder(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = UserStore(unique_emails=True)
        self.store._order._reset(4)  # tiny sublists: splits, merges and index rebuilds at once
        #: The model: ids in creation order, and each one's attributes.
        self.order: list[str] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.next_id = 1
        self.clock = 0.0

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id * 7 % 1009 + 1009 * self.next_id)  # not in creation order as text

    def _taken(self, name: str, but: str | None = None) -> bool:
        return any(a["userName"].casefold() == name.casefold() for i, a in self.users.items() if i != but)

    @initialize(count=st.integers(min_value=0, max_value=30))
    def some_users(self, count: int) -> None:
        for n in range(count):
            self.add(f"seed{n}@example.com")

    @rule(name=NAMES)
    def add(self, name: str) -> None:
        user_id, attributes = self._new_id(), {"userName": name, "emails": [{"value": name}]}
        self.clock += 1.0
        if self._taken(name):
            try:
                self.store.add(StoredUser(user_id, attributes, self.clock, self.clock))
            except Uniqueness:
                return
            raise AssertionError(f"{name} was taken, and the store added it")
        self.store.add(StoredUser(user_id, attributes, self.clock, self.clock))
        self.order.append(user_id)
        self.users[user_id] = attributes

    @precondition(lambda self: self.order)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        user_id = data.draw(st.sampled_from(self.order))
        self.store.delete(user_id)
        self.order.remove(user_id)
        del self.users[user_id]

    @rule()
    def delete_a_missing_user(self) -> None:
        try:
            self.store.delete("no-such-user")
        except NotFound:
            return
        raise AssertionError("a missing user was deleted")

    @precondition(lambda self: self.order)
    @rule(data=st.data(), name=NAMES)
    def replace(self, data: st.DataObject, name: str) -> None:
        user_id = data.draw(st.sampled_from(self.order))
        attributes = {"userName": name, "title": "replaced"}
        self.clock += 1.0
        if self._taken(name, but=user_id):
            try:
                self.store.replace(user_id, attributes, self.clock)
            except Uniqueness:
                return
            raise AssertionError(f"{name} was taken, and the store gave it to {user_id}")
        self.store.replace(user_id, attributes, self.clock)
        self.users[user_id] = attributes  # keeps its place in the order

    @rule()
    def clear(self) -> None:
        self.store.clear()
        self.order.clear()
        self.users.clear()

    @rule(name=NAMES)
    def load(self, name: str) -> None:
        """What restoring a state file does: a stored row taken back (after the others)."""
        if self._taken(name):
            return
        user_id = self._new_id()
        self.store.load("users", user_id, (f'{{"userName":"{name}"}}', 0.0, 0.0, 3))
        self.order.append(user_id)
        self.users[user_id] = {"userName": name}

    @rule(offset=OFFSETS, count=COUNTS)
    def page(self, offset: int, count: int) -> None:
        page = self.store.page(offset, count)

        assert [u.id for u in page] == self.order[offset : offset + count]
        assert [u.attributes for u in page] == [self.users[i] for i in self.order[offset : offset + count]]

    @invariant()
    def totals_and_order_are_exact(self) -> None:
        assert len(self.store) == len(self.order)
        assert [u.id for u in self.store] == self.order
        assert list(self.store._order) == self.order


TestCreationOrder = CreationOrder.TestCase
TestCreationOrder.settings = settings(max_examples=60, stateful_step_count=40)
