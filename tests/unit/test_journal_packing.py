"""The journal keeps entries as tuples the garbage collector does not walk, and reads them back exactly."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import requests
from hypothesis import given, settings
from hypothesis import strategies as st

import mockrc
from mockrc.journal import BODY_LIMIT, Journal, JournalEntry, Message
from mockrc.violations import Truncation, Violation
from tests.helpers import minimal_user, patch

_TEXT = st.text(max_size=12)
_NAMES = st.sampled_from(
    [
        "Authorization",
        "Content-Type",
        "X-Api-Key",
        "HTTP_AUTHORIZATION",
        "HTTP_COOKIE",
        "CONTENT_TYPE",
        "X-Echo",
    ]
)
_MEDIA_TYPES = st.sampled_from(
    [
        "",
        "application/json",
        "application/scim+json; charset=utf-8",
        "application/x-www-form-urlencoded",
        "text/plain",
    ]
)
_BODIES = st.one_of(
    st.binary(max_size=40),
    st.sampled_from(
        [
            b'{"userName": "a@example.com", "password": "hunter2", "note": "hunter2 again"}',
            b"client_id=app&client_secret=s3cret&grant_type=password&echo=s3cret",
            b'{"a": [1, {"token": "t0ken"}]}',
            b"not json",
        ]
    ),
    st.integers(BODY_LIMIT - 2, 2 * BODY_LIMIT + 2).map(lambda n: b'{"password": "p", "x": "' + b"y" * n),
)
_VIOLATION = st.builds(Violation, _TEXT, _TEXT, _TEXT, st.sampled_from(["error", "warning"]))


@st.composite
def _messages(draw: st.DrawFn) -> Message:
    pairs = draw(st.lists(st.tuples(_NAMES, _TEXT), max_size=4))
    headers = draw(st.sampled_from([tuple, list]))(pairs)  # a response's headers are a list
    body = draw(_BODIES)
    size = draw(st.one_of(st.none(), st.integers(len(body), len(body) + 10)))
    return Message(
        headers,
        body,
        draw(_MEDIA_TYPES),
        wsgi=draw(st.booleans()),
        size=size,
        note=draw(st.one_of(st.none(), _TEXT)),
    )


@st.composite
def _entries(draw: st.DrawFn) -> JournalEntry:
    optional = st.one_of(st.none(), _TEXT)
    violations = draw(
        st.one_of(
            st.lists(_VIOLATION, max_size=3),
            st.lists(_VIOLATION, max_size=2).map(lambda found: [*found, Truncation.of(5, True, 2)]),
        )
    )
    return JournalEntry(
        id=draw(st.integers(0, 10**9)),
        time=draw(st.floats(0, 4e9)),
        method=draw(st.sampled_from(["GET", "POST", "PATCH", "DELETE"])),
        path=draw(st.text(max_size=20)),
        status=draw(st.integers(100, 599)),
        request=draw(_messages()),
        response=draw(_messages()),
        query=draw(
            st.dictionaries(_TEXT, st.one_of(_TEXT, st.lists(_TEXT, min_size=2, max_size=3)), max_size=3)
        ),
        route=draw(optional),
        principal=draw(optional),
        app=draw(optional),
        duration_ms=draw(st.floats(0, 1e6)),
        served_by=draw(optional),
        violations=tuple(violations),
        query_secrets=tuple(draw(st.lists(_TEXT, max_size=2))),
        account=draw(_TEXT),
    )


def _reads(entry: JournalEntry) -> dict[str, Any]:
    """Everything a reader gets of an entry."""
    return {
        "record": entry.to_dict(),
        "summary": entry.summary(),
        "cost": entry.cost(),
        "describe": entry.describe(),
        "violations": entry.shown_violations(),
        "query": entry.query,
        "body": (entry.request.read(), entry.response.read(), entry.request.media_type),
        "truncated": (entry.request.truncated, entry.response.truncated),
    }


@settings(deadline=None)  # bodies up to 128 KiB are redacted on each read: slow on a loaded machine
@given(_entries())
def test_an_entry_packed_and_unpacked_reads_as_the_entry_did(entry: JournalEntry) -> None:
    read_back = JournalEntry.unpacked(entry.pack())

    assert read_back == entry
    assert _reads(read_back) == _reads(entry)
    assert [type(v) for v in read_back.violations] == [type(v) for v in entry.violations]


@settings(deadline=None)
@given(_entries(), st.booleans())
def test_the_journal_gives_back_what_was_recorded_and_keeps_its_summary(
    entry: JournalEntry, read: bool
) -> None:
    if read:
        entry.summary()  # decoded before recording: kept as it is
    journal = Journal()
    journal.record(entry)

    [first] = journal.entries()
    assert _reads(first) == _reads(entry)
    [again] = journal.entries()
    assert again._summary == entry.summary()  # decoded once, kept in the journal
    assert journal.bytes == entry.cost()


def test_a_summary_decoded_after_the_entry_left_the_journal_is_not_kept_for_another() -> None:
    journal = Journal(capacity=1)
    journal.record(JournalEntry(1, 0.0, "GET", "/a", 200, Message((), b""), Message((), b""), {}))
    [old] = journal.entries()
    journal.clear()
    journal.record(
        JournalEntry(
            2, 0.0, "POST", "/b", 201, Message((), b'{"x":1}', "application/json"), Message((), b""), {}
        )
    )

    old.summary()

    [new] = journal.entries()
    assert new._summary is None
    assert new.summary().excerpt == '{"x":1}'


def _contents(obj: object) -> Iterator[object]:
    """``obj`` and everything it refers to, depth first."""
    yield obj
    for inner in gc.get_referents(obj):
        yield from _contents(inner)


def test_nothing_the_journal_holds_is_tracked_by_the_garbage_collector() -> None:
    with mockrc.mock_ringcentral() as rc:
        scim = f"{rc.base_url}/scim/v2"
        user = requests.post(
            f"{scim}/Users", json=minimal_user("a@example.com"), headers=rc.auth_headers
        ).json()
        requests.post(f"{scim}/Users", json={"userName": 5}, headers=rc.auth_headers)  # an error violation
        requests.patch(  # a warning
            f"{scim}/Users/{user['id']}",
            json=patch({"op": "Replace", "path": "active", "value": "False"}),
            headers=rc.auth_headers,
        )
        requests.get(f"{scim}/Users", params=[("filter", 'userName eq "a"'), ("x", "1"), ("x", "2")])
        requests.get(f"{scim}/Users/{user['id']}?access_token=s3cret", headers={"Cookie": "a=b"})
        requests.post(
            f"{rc.base_url}/restapi/oauth/token",
            data={"grant_type": "password", "client_id": "app", "client_secret": "s3cret"},
        )
        requests.delete(f"{scim}/Users/{user['id']}", headers=rc.auth_headers)
        journal = rc.journal
        assert len(journal) == 7

        for reading in (False, True):
            if reading:  # what readers decode is kept too, as untracked as the rest
                rc.report()
                for entry in journal.entries():
                    entry.summary()
                assert all(entry._summary is not None for entry in journal.entries())
            gc.collect()
            gc.collect()
            tracked = [obj for slot in journal._entries for obj in _contents(slot) if gc.is_tracked(obj)]
            assert tracked == []
