"""The user store: SCIM users of one account, with the indexes RingCentral's filters need.

RingCentral filters users only by userName and email, so both are indexed (case-insensitively,
since both compare case-insensitively): a filter query costs the same at 100,000 users as at
1,000. The store also owns the uniqueness rules, because only it sees every user at once.
Values are stored exactly as the client sent them; only the index keys are case-folded.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mockrc.errors import NotFound, Uniqueness


@dataclass
class StoredUser:
    """One user: its attributes as sent (canonical names), plus what the server keeps about it."""

    id: str
    attributes: dict[str, Any]
    created: float
    last_modified: float
    version: int = 1


def email_values(attributes: dict[str, Any]) -> list[str]:
    """Every email address of a user, as sent."""
    return [e["value"] for e in attributes.get("emails") or () if isinstance(e, dict) and e.get("value")]


def _fold(value: str) -> str:
    return value.casefold()


class UserStore:
    """Users by id, in creation order, with case-insensitive userName and email indexes."""

    def __init__(self, *, unique_emails: bool) -> None:
        self._unique_emails = unique_emails
        self._users: dict[str, StoredUser] = {}
        self._by_user_name: dict[str, str] = {}
        self._by_email: dict[str, set[str]] = {}
        self._order: dict[str, int] = {}
        self._added = 0

    def __len__(self) -> int:
        return len(self._users)

    def __iter__(self) -> Iterator[StoredUser]:
        return iter(list(self._users.values()))

    def page(self, offset: int, count: int) -> list[StoredUser]:
        """``count`` users from position ``offset`` in creation order, without copying the rest:
        an unfiltered listing costs the page, not the account."""
        return list(itertools.islice(self._users.values(), offset, offset + count))

    def get(self, user_id: str) -> StoredUser:
        try:
            return self._users[user_id]
        except KeyError:
            raise NotFound(f"User [{user_id}] not found") from None

    def find_by_user_name(self, user_name: str) -> list[StoredUser]:
        user_id = self._by_user_name.get(_fold(user_name))
        return [self._users[user_id]] if user_id else []

    def find_by_email(self, email: str) -> list[StoredUser]:
        """Users holding ``email``, in creation order (several only where emails need not be unique)."""
        users = [self._users[i] for i in self._by_email.get(_fold(email), ())]
        return sorted(users, key=lambda u: self._order[u.id]) if len(users) > 1 else users

    def add(self, user: StoredUser) -> StoredUser:
        """Store a new user; Uniqueness (409) if its userName or (by profile) an email is taken."""
        self._check_unique(user.id, user.attributes)
        self._users[user.id] = user
        self._added += 1
        self._order[user.id] = self._added
        self._index(user)
        return user

    def replace(self, user_id: str, attributes: dict[str, Any], now: float) -> StoredUser:
        """Swap a user's attributes for new ones, atomically: on a conflict nothing changes."""
        user = self.get(user_id)
        self._check_unique(user_id, attributes)
        self._unindex(user)
        user.attributes = attributes
        user.last_modified = now
        user.version += 1
        self._index(user)
        return user

    def delete(self, user_id: str) -> None:
        user = self.get(user_id)
        self._unindex(user)
        del self._users[user_id]
        del self._order[user_id]

    def clear(self) -> None:
        self._users.clear()
        self._by_user_name.clear()
        self._by_email.clear()
        self._order.clear()

    def snapshot(self, user_id: str) -> dict[str, Any]:
        """A deep copy of a user's attributes, safe to modify (e.g. by a PATCH under way)."""
        return copy.deepcopy(self.get(user_id).attributes)

    def _check_unique(self, user_id: str, attributes: dict[str, Any]) -> None:
        user_name = attributes.get("userName")
        if isinstance(user_name, str):
            holder = self._by_user_name.get(_fold(user_name))
            if holder is not None and holder != user_id:
                raise Uniqueness(f"User with userName [{user_name}] already exists")
        if self._unique_emails:
            for email in email_values(attributes):
                holders = self._by_email.get(_fold(email), set()) - {user_id}
                if holders:
                    raise Uniqueness(f"Duplicate email: user with email [{email}] already exists")

    def _index(self, user: StoredUser) -> None:
        user_name = user.attributes.get("userName")
        if isinstance(user_name, str):
            self._by_user_name[_fold(user_name)] = user.id
        for email in email_values(user.attributes):
            self._by_email.setdefault(_fold(email), set()).add(user.id)

    def _unindex(self, user: StoredUser) -> None:
        user_name = user.attributes.get("userName")
        if isinstance(user_name, str) and self._by_user_name.get(_fold(user_name)) == user.id:
            del self._by_user_name[_fold(user_name)]
        for email in email_values(user.attributes):
            holders = self._by_email.get(_fold(email))
            if holders is not None:
                holders.discard(user.id)
                if not holders:
                    del self._by_email[_fold(email)]
