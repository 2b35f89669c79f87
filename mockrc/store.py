"""The user store: SCIM users of one account, with the indexes RingCentral's filters need.

RingCentral filters users only by userName and email, so both are indexed (case-insensitively,
since both compare case-insensitively): a filter query costs the same at 100,000 users as at
1,000. The store also owns the uniqueness rules, because only it sees every user at once.
Values are stored exactly as the client sent them; only the index keys are case-folded.

**Representation.** A stored user is one tuple of atoms: its attributes as compact JSON text,
its times, version and creation number; the indexes map plain strings to ids. None of that is
a container the garbage collector has to walk (CPython untracks a tuple holding only strings and
numbers; see ``gc.is_tracked``), so a full collection costs the same with a million users as with
none. Stored as nested dicts and lists, 100,000 users were ~400,000 tracked objects and every
full collection paused the server ~110 ms on this project's machines: requests' p99 grew with
the store. The text is also smaller than the objects it stands for (well under 1 KiB per user
with both indexes). Users are decoded when read (:class:`StoredUser`, its attributes parsed on
first use), which also makes every user handed out a private copy: changing it changes nothing
stored. The creation order, which a list page slices, is a sorted list of sublists of ids keyed by
creation number (sortedcontainers): adding, deleting and slicing a page cost O(log n) plus the
page, never a pass over every user.

The store is a :class:`~mockrc.repository.Repository` of one kind, ``users``: a row is
``(attributes as JSON text, created, last_modified, version)``, the text exactly as stored, so a
state file writes and reads it without decoding.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, overload

from sortedcontainers import SortedKeyList

from mockrc.errors import NotFound, Uniqueness
from mockrc.repository import Observer, Observers, Row

#: (attributes as JSON, created, last_modified, version, creation number, flags): atoms only.
#: The flags say which of the store's ``flagged`` attributes have a value (bit n: the n-th), and
#: the bit after them whether any of its ``marked`` attributes is there (:class:`UserStore`).
Record = tuple[str, float, float, int, int, int]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
_decode = json.loads


class StoredUser:
    """One user: its attributes as sent (canonical names), plus what the server keeps about it.

    What the store hands out is a copy: its ``attributes`` are decoded from the stored text on
    first use, and changing them changes nothing stored (``UserStore.replace`` does).
    """

    __slots__ = ("_attributes", "_flagged", "_flags", "_json", "created", "id", "last_modified", "version")

    def __init__(
        self, id: str, attributes: dict[str, Any], created: float, last_modified: float, version: int = 1
    ) -> None:
        self.id = id
        self._attributes: dict[str, Any] | None = attributes
        self._json: str | None = None
        self.created = created
        self.last_modified = last_modified
        self.version = version
        self._flagged: tuple[str, ...] = ()
        self._flags = 0

    @classmethod
    def _of(cls, user_id: str, record: Record, flagged: tuple[str, ...]) -> StoredUser:
        user = cls.__new__(cls)
        user.id = user_id
        user._json, user.created, user.last_modified, user.version, _, user._flags = record
        user._flagged = flagged
        user._attributes = None
        return user

    def has_value(self, key: str) -> bool:
        """Whether the attribute ``key`` has a value (is there and not null, false, 0 or empty):
        from the store's flags where it keeps one for ``key``, without decoding the attributes."""
        if key in self._flagged:
            return bool(self._flags >> self._flagged.index(key) & 1)
        return bool(self.attributes.get(key))

    @property
    def attributes(self) -> dict[str, Any]:
        if self._attributes is None:
            self._attributes = _decode(self._json or "{}")
        return self._attributes

    @property
    def attributes_json(self) -> str:
        """The attributes as compact JSON text (what the store keeps, and the state file writes)."""
        if self._json is None:
            self._json = _encode(self.attributes)
        return self._json

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StoredUser):
            return NotImplemented
        return (self.id, self.attributes, self.created, self.last_modified, self.version) == (
            other.id,
            other.attributes,
            other.created,
            other.last_modified,
            other.version,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value: not hashable

    def __repr__(self) -> str:
        return (
            f"StoredUser(id={self.id!r}, attributes={self.attributes!r}, created={self.created!r}, "
            f"last_modified={self.last_modified!r}, version={self.version!r})"
        )


def email_values(attributes: dict[str, Any]) -> list[str]:
    """Every email address of a user, as sent."""
    return [e["value"] for e in attributes.get("emails") or () if isinstance(e, dict) and e.get("value")]


def _fold(value: str) -> str:
    return value.casefold()


#: A user's index keys: its folded userName (None when not a string) and folded emails.
_Keys = tuple[str | None, list[str]]


def _index_keys(attributes: dict[str, Any]) -> _Keys:
    """The folded userName (if a string) and folded emails of a user; an email equal to the
    userName is the same string object, so the two indexes share it."""
    user_name = attributes.get("userName")
    name_key = _fold(user_name) if isinstance(user_name, str) else None
    emails = []
    for email in email_values(attributes):
        key = _fold(email)
        emails.append(name_key if key == name_key and name_key is not None else key)
    return name_key, emails


class Checkout:
    """A user's attributes decoded for a change (:meth:`UserStore.checkout`): a private copy, with
    the stored text it was decoded from and that text's index keys, so :meth:`UserStore.replace`
    need not decode the text again to unindex it (the same keys, one decode fewer per PATCH)."""

    __slots__ = ("attributes", "keys", "text")

    def __init__(self, attributes: dict[str, Any], text: str) -> None:
        self.attributes = attributes
        self.text = text
        self.keys = _index_keys(attributes)  # before anyone changes the copy


class StoredPage(Sequence[StoredUser]):
    """Users of a page as the store keeps them: a :class:`StoredUser` is made of a record only
    when looked at, and a writer that reads :attr:`records` makes none (issue 12: making a
    hundred of them was a tenth of a list page's CPU)."""

    __slots__ = ("flagged", "marked", "records")

    def __init__(
        self, records: list[tuple[str, Record]], flagged: tuple[str, ...], marked: frozenset[str]
    ) -> None:
        #: (id, record) of each user, in creation order. Records are atoms: sharing them is safe.
        self.records = records
        #: What the store's flags say (:class:`UserStore`): a reader of the records checks it
        #: reads them as they were written.
        self.flagged = flagged
        self.marked = marked

    def __len__(self) -> int:
        return len(self.records)

    @overload
    def __getitem__(self, index: int) -> StoredUser: ...

    @overload
    def __getitem__(self, index: slice) -> list[StoredUser]: ...

    def __getitem__(self, index: int | slice) -> StoredUser | list[StoredUser]:
        if isinstance(index, slice):
            return [StoredUser._of(i, r, self.flagged) for i, r in self.records[index]]
        user_id, record = self.records[index]
        return StoredUser._of(user_id, record, self.flagged)

    def __iter__(self) -> Iterator[StoredUser]:
        flagged = self.flagged
        return (StoredUser._of(i, r, flagged) for i, r in self.records)


class _Table(dict[str, Any]):
    """A dict the garbage collector never untracks: the store's tables of records.

    CPython untracks an exact dict whose keys and values are all untracked (records are tuples of
    atoms, untracked once a collection has looked at them), and tracks it again, in the youngest
    generation, when a tracked value goes in: every write's new record. From then on each young
    collection walked the whole table until it aged, a pause that grows with the store (8-12 ms at
    200,000 users added through the API after ``mockrc serve``'s ``gc.freeze()``, where the
    server started empty and its empty table, untracked, was not frozen). A subclass's instance is
    tracked from birth and never untracked (``_PyDict_MaybeUntrack`` acts on exact dicts only), so
    the table is frozen with the rest of the server's startup state and never walked again.
    """

    __slots__ = ()


class UserStore:
    """Users by id, in creation order, with case-insensitive userName and email indexes."""

    kinds = ("users",)

    def __init__(
        self, *, unique_emails: bool, flagged: tuple[str, ...] = (), marked: frozenset[str] = frozenset()
    ) -> None:
        self._unique_emails = unique_emails
        #: Top-level attributes each record notes whether they have a value (:meth:`StoredUser.has_value`):
        #: which extensions a user has values in decides its ``schemas``, and a read can tell
        #: without decoding the user (a list page of users with the enterprise extension: 4x).
        self._flagged = flagged
        #: Top-level attributes whose presence (any value) each record notes in the flag bit
        #: after the ``flagged`` ones: those a writer splicing the stored text cannot splice over
        #: (the keys the server writes itself, those it never returns), told without a search.
        self._marked = marked
        self._marked_bit = 1 << len(flagged)
        self._observers = Observers()
        #: Id -> record, and folded email -> ids: tables that stay tracked (:class:`_Table`).
        self._users: dict[str, Record] = _Table()
        self._by_user_name: dict[str, str] = {}
        #: Folded email -> the id holding it, or a tuple of ids where emails need not be unique.
        self._by_email: dict[str, str | tuple[str, ...]] = _Table()
        self._added = 0
        #: The ids in creation order (sorted by creation number), so a page is a slice whose cost
        #: is the page's, wherever it starts (skipping through the dict cost O(startIndex), ~10 ms
        #: deep in a million users). A sorted list of sublists: adding, deleting and slicing cost
        #: O(log n) plus the page, where a plain list was dropped by every delete (~8 ms to free
        #: at a million users) and rebuilt by the next page (~11 ms), both under the state's lock.
        self._order: SortedKeyList[str, int] = SortedKeyList(key=self._number)

    def __len__(self) -> int:
        return len(self._users)

    def __iter__(self) -> Iterator[StoredUser]:
        flagged = self._flagged
        return iter([StoredUser._of(i, r, flagged) for i, r in self._users.items()])

    def page(self, offset: int, count: int) -> list[StoredUser]:
        """``count`` users from position ``offset`` in creation order, without copying the rest:
        an unfiltered listing costs the page, not the account (nor how deep the page is)."""
        return list(self.listing(offset, count))

    def listing(self, offset: int, count: int) -> StoredPage:
        """:meth:`page`, its users made only when looked at (:class:`StoredPage`)."""
        users = self._users
        records = [(i, users[i]) for i in self._order[offset : offset + count]]
        return StoredPage(records, self._flagged, self._marked)

    def get(self, user_id: str) -> StoredUser:
        record = self._users.get(user_id)
        if record is None:
            raise NotFound(f"User [{user_id}] not found")
        return StoredUser._of(user_id, record, self._flagged)

    def find_by_user_name(self, user_name: str) -> list[StoredUser]:
        user_id = self._by_user_name.get(_fold(user_name))
        return [self.get(user_id)] if user_id else []

    def find_by_email(self, email: str) -> list[StoredUser]:
        """Users holding ``email``, in creation order (several only where emails need not be unique)."""
        holders = self._by_email.get(_fold(email))
        if holders is None:
            return []
        if isinstance(holders, str):
            return [self.get(holders)]
        return [self.get(i) for i in sorted(holders, key=lambda i: self._users[i][4])]

    def check_new(self, attributes: dict[str, Any]) -> None:
        """Uniqueness (409) if a new user of ``attributes`` could not be added: what :meth:`add`
        checks, for a caller that must know before it draws the new user's id."""
        self._check_unique(None, attributes, _index_keys(attributes))

    def add(self, user: StoredUser) -> StoredUser:
        """Store a new user; Uniqueness (409) if its userName or (by profile) an email is taken."""
        attributes = user.attributes
        keys = _index_keys(attributes)
        self._check_unique(user.id, attributes, keys)
        if user.id in self._users:  # not done by the service (new ids), but keep the indexes true
            self._forget(user.id)
        self._added += 1
        self._users[user.id] = (
            user.attributes_json,
            user.created,
            user.last_modified,
            user.version,
            self._added,
            self._flags_of(attributes),
        )
        self._index(user.id, keys)
        self._order.add(user.id)
        if self._observers:
            self._observers("users", user.id)
        return user

    def replace(
        self,
        user_id: str,
        attributes: dict[str, Any],
        now: float,
        *,
        checkout: Checkout | None = None,
        text: str | None = None,
    ) -> StoredUser:
        """Swap a user's attributes for new ones, atomically: on a conflict nothing changes.

        ``checkout``: the :meth:`checkout` the new attributes were made from; its index keys are
        the stored ones if the stored text is still the very one it decoded (else it is decoded).
        ``text``: the attributes as the compact JSON the store keeps, when the caller wrote it
        already (:func:`mockrc.json_input.checked_text`); else they are encoded here.
        """
        stored, created, _, version, number, _ = self._record(user_id)
        new_keys = _index_keys(attributes)
        self._check_unique(user_id, attributes, new_keys)
        if checkout is not None and checkout.text is stored:
            old_keys = checkout.keys
        else:
            old_keys = _index_keys(_decode(stored))
        if old_keys != new_keys:  # most replaces keep the userName and emails: no index change
            self._unindex(user_id, old_keys)
            self._index(user_id, new_keys)
        user = StoredUser(user_id, attributes, created, now, version + 1)
        user._json = text
        flags = self._flags_of(attributes)
        self._users[user_id] = (user.attributes_json, created, now, version + 1, number, flags)
        if self._observers:
            self._observers("users", user_id)
        return user

    def delete(self, user_id: str) -> None:
        self._record(user_id)
        self._forget(user_id)
        if self._observers:
            self._observers("users", user_id)

    def _forget(self, user_id: str) -> None:
        """Take a stored user out of the order, the indexes and the records."""
        self._order.remove(user_id)  # while its record (and so its creation number) is there
        self._unindex(user_id, _index_keys(_decode(self._users.pop(user_id)[0])))

    def _number(self, user_id: str) -> int:
        """A stored user's creation number: the key of the creation order."""
        return self._users[user_id][4]

    def clear(self) -> None:
        self._users.clear()
        self._order.clear()
        self._by_user_name.clear()
        self._by_email.clear()
        self._observers("users", None)

    # --- the repository seam (mockrc.repository) ---------------------------------------------------

    def subscribe(self, observer: Observer) -> None:
        self._observers.add(observer)

    def row(self, kind: str, key: str) -> Row | None:
        record = self._users.get(key)
        return None if record is None else record[:4]

    def rows(self, kind: str) -> Iterator[tuple[str, Row]]:
        return ((user_id, record[:4]) for user_id, record in list(self._users.items()))

    def load(self, kind: str, key: str, row: Row) -> None:
        """Take back a user a backend kept (its uniqueness checked again, no observer told)."""
        text, created, last_modified, version = row
        if not isinstance(text, str):
            raise TypeError(f"attributes are {type(text).__name__}, not JSON text")
        attributes = _decode(text)
        if not isinstance(attributes, dict):
            raise ValueError("attributes are not a JSON object")
        observers, self._observers = self._observers, Observers()
        try:
            self.add(StoredUser(key, attributes, float(created), float(last_modified), int(version)))
        finally:
            self._observers = observers

    def snapshot(self, user_id: str) -> dict[str, Any]:
        """A deep copy of a user's attributes, safe to modify (e.g. by a PATCH under way)."""
        attributes: dict[str, Any] = _decode(self._record(user_id)[0])
        return attributes

    def checkout(self, user_id: str) -> Checkout:
        """:meth:`snapshot`, kept with what :meth:`replace` needs to store a change of it cheaply."""
        text = self._record(user_id)[0]
        return Checkout(_decode(text), text)

    def _record(self, user_id: str) -> Record:
        try:
            return self._users[user_id]
        except KeyError:
            raise NotFound(f"User [{user_id}] not found") from None

    def _flags_of(self, attributes: dict[str, Any]) -> int:
        flags = 0
        for bit, key in enumerate(self._flagged):
            if attributes.get(key):
                flags |= 1 << bit
        if self._marked and not self._marked.isdisjoint(attributes):
            flags |= self._marked_bit
        return flags

    def _holders(self, key: str) -> tuple[str, ...]:
        holders = self._by_email.get(key, ())
        return (holders,) if isinstance(holders, str) else holders

    def _check_unique(self, user_id: str | None, attributes: dict[str, Any], keys: _Keys) -> None:
        """409 if another user than ``user_id`` (None: any user) holds the userName or (by profile)
        an email of ``attributes``; ``keys`` are their index keys (:func:`_index_keys`: one per
        email, in order)."""
        name_key, email_keys = keys
        if name_key is not None:
            holder = self._by_user_name.get(name_key)
            if holder is not None and holder != user_id:
                raise Uniqueness(f"User with userName [{attributes['userName']}] already exists")
        if self._unique_emails:
            for email, key in zip(email_values(attributes), email_keys, strict=True):
                if any(h != user_id for h in self._holders(key)):
                    raise Uniqueness(f"Duplicate email: user with email [{email}] already exists")

    def _index(self, user_id: str, keys: _Keys) -> None:
        name_key, email_keys = keys
        if name_key is not None:
            self._by_user_name[name_key] = user_id
        for key in email_keys:
            holders = self._holders(key)
            if user_id not in holders:
                self._by_email[key] = (*holders, user_id) if holders else user_id

    def _unindex(self, user_id: str, keys: _Keys) -> None:
        name_key, email_keys = keys
        if name_key is not None and self._by_user_name.get(name_key) == user_id:
            del self._by_user_name[name_key]
        for key in email_keys:
            holders = self._holders(key)
            if user_id in holders:
                left = tuple(h for h in holders if h != user_id)
                if not left:
                    del self._by_email[key]
                else:
                    self._by_email[key] = left[0] if len(left) == 1 else left
