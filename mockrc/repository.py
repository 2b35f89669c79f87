"""The seam between a fake's stores and wherever their entries are kept beyond memory.

Each store of one fake keeps its entries in memory and implements :class:`Repository`:
:class:`~mockrc.store.UserStore` (users), :class:`~mockrc.tokens.TokenRegistry` (access tokens) and
:class:`~mockrc.oauth.sessions.SessionStore` (OAuth sessions and refresh tokens). A repository
names its *kinds* of entries, tells its observers after each change which entry changed, hands out
any entry as a :data:`Row` of plain values (text and numbers), and takes rows back.

A backend subscribes to the changes and keeps the rows: the SQLite state file
(:class:`mockrc.persistence.SqliteMirror`, ``mockrc serve --state-file``) is one; without one,
nobody subscribes and a change costs one truth test. A backend never reaches into a store's private
fields, and a store knows nothing of any backend. ``tests/unit/test_repository_contract.py`` is the
contract: it runs every store, in memory and mirrored to SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

#: One entry as a backend keeps it: plain values only (its key is kept beside it). Each kind has
#: its own layout, documented by the store; a row a store hands out it also takes back.
Row = tuple[str | int | float, ...]


class Observer(Protocol):
    """Told after a change: entry ``key`` of ``kind`` was added, changed or removed, or, for a
    ``key`` of None, every entry of ``kind`` was removed (a reset)."""

    def __call__(self, kind: str, key: str | None) -> None: ...


class Repository(Protocol):
    """A store of one fake, seen by a backend (see the module docstring)."""

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of entries, in the order a backend must load them back (an entry may refer
        to one of an earlier kind: a refresh token to its session)."""

    def subscribe(self, observer: Observer) -> None:
        """Tell ``observer`` of every change from now on."""

    def row(self, kind: str, key: str) -> Row | None:
        """Entry ``key`` of ``kind`` as it is now; None if there is none (it was removed)."""

    def rows(self, kind: str) -> Iterator[tuple[str, Row]]:
        """Every entry of ``kind`` as ``(key, row)``, in the order the entries were added."""

    def load(self, kind: str, key: str, row: Row) -> None:
        """Take back an entry a backend kept, telling no observer (it is kept already). An entry
        the store cannot hold any more (its user left the account) is dropped; a malformed row
        raises ValueError, TypeError or KeyError."""

    def clear(self) -> None:
        """Remove every entry (observers hear ``(kind, None)`` for each kind)."""


class Observers:
    """The observers of one store: calling it tells each of them, in subscription order."""

    __slots__ = ("_observers",)

    def __init__(self) -> None:
        self._observers: list[Observer] = []

    def add(self, observer: Observer) -> None:
        self._observers.append(observer)

    def __bool__(self) -> bool:
        return bool(self._observers)

    def __call__(self, kind: str, key: str | None) -> None:
        for observer in self._observers:
            observer(kind, key)
