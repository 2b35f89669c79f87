"""The fake every property test drives, through both transports.

The hypothesis profiles every test of the suite runs under are registered in ``tests/conftest.py``
(the one place, so a ``@given`` outside this directory gets them too, whatever is collected):

- ``ci`` (the default): a few dozen examples per test, no deadline (a live request's time
  depends on the machine), derandomized and without an example database, so a run is the same
  under xdist and in any order, and leaves nothing behind; no shrinking, so a failure is
  reported at once (the falsifying request is printed by :meth:`Target.exchange`);
- ``long`` (``HYPOTHESIS_PROFILE=long``): thousands of examples, random, shrinking on: the
  long run documented in ``benchmarks/README.md``.

The fake is module-scoped (hypothesis runs many examples in one test function, and a function-
scoped fixture would be shared by all of them anyway): one in-process fake and one live server,
each reset to the same three seeded users before every example by :meth:`Target.fresh`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.mock import MockRingCentral
from mockrc.settings import Settings
from mockrc.state import MockState
from mockrc.transport.server import LiveServer
from tests.property.strategies import CLIENT_ID, CLIENT_SECRET, JWTS, PASSWORDS, Request

#: Users every example starts with (generated from the seed, the same after every reset).
SEEDED_USERS = 3
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def _strict_json(text: str) -> Any:
    """JSON as RFC 8259 defines it: Python's parser would also take NaN and Infinity."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def _parsed(text: str, what: str, where: str) -> Any:
    try:
        return _strict_json(text)
    except ValueError as exc:
        raise AssertionError(f"{what} is not JSON ({exc}){where}") from None


def snapshot(state: MockState) -> tuple[Any, ...]:
    """What a refused request must not change: users, access tokens, OAuth sessions and refresh tokens.

    When a token was first used is left out: presenting a valid token on a request that is then
    refused (a 404 for a missing user) is still a use of it.
    """
    users = tuple(
        (u.id, u.version, u.last_modified, json.dumps(u.attributes, sort_keys=True, default=repr))
        for u in state.users.store
    )
    tokens = tuple(
        sorted((v, t.revoked, t.expires_at, t.session_id) for v, t in state.tokens._tokens.items())
    )
    sessions = state.oauth.sessions
    return (
        users,
        tokens,
        repr(sorted(sessions._sessions.items())),
        repr(sorted(sessions._refresh.items())),
    )


@dataclass
class Target:
    """One fake (in-process or live) and a session to it; :meth:`exchange` checks every property."""

    transport: str
    state: MockState
    base_url: str
    session: requests.Session
    #: Where the journal streams every entry (``mockrc serve --journal FILE``), and how far it was read.
    journal_file: Path
    token: str = ""
    _file_offset: int = 0

    def new_journal_lines(self) -> list[str]:
        """The lines the journal file gained since the last call."""
        with self.journal_file.open("rb") as stream:
            stream.seek(self._file_offset)
            added = stream.read()
        self._file_offset += len(added)
        # JSON Lines ends records with "\n" only: str.splitlines() would also split at U+2028,
        # which a JSON string may hold as it is.
        text = added.decode("utf-8")
        return text.split("\n")[:-1] if text else []

    def fresh(self) -> None:
        """Back to the seeded users, with a new admin token, at the clock's start (a reset keeps
        the clock, and an example may have advanced it): every example starts the same."""
        clock = self.state.clock
        assert isinstance(clock, FakeClock)
        clock._now = FakeClock.DEFAULT_START
        self.state.reset()
        self.token = self.state.issue_admin_token()
        # What an earlier example left unread (it failed before reading) is not this example's.
        self._file_offset = self.journal_file.stat().st_size

    def existing_user(self) -> str | None:
        return next((u.id for u in self.state.users.store), None)

    def send(self, request: Request) -> requests.Response:
        path, headers = request.resolve(self.token, self.existing_user())
        return self.session.request(
            request.method,
            self.base_url + path,
            headers=headers,
            data=request.body,
            timeout=30,
            allow_redirects=False,
        )

    def control(self, path: str) -> requests.Response:
        return self.session.get(self.base_url + path, timeout=30)

    def exchange(self, request: Request) -> requests.Response:
        """Send ``request`` and check what must hold whatever it was (the module docstring of
        ``test_requests.py`` lists the properties)."""
        state = self.state
        before = snapshot(state)
        journaled = len(state.journal)
        last_id = state.journal.entries()[-1].id if journaled else 0
        response = self.send(request)
        where = f"\n  request: {request.describe()}\n  answer: {response.status_code} {response.text[:500]!r}"

        errors = [f"{e.method} {e.path}: {e.exception!r}" for e in state.handler_errors]
        assert not errors, f"the fake raised {errors}{where}"
        assert response.status_code < 500, f"a 5xx{where}"
        check_answer(request, response, where)
        if response.status_code >= 400:
            assert snapshot(state) == before, f"a refused request changed the state{where}"

        lines = self.new_journal_lines()
        if request.is_control:
            assert not lines, f"a control-plane call was written to the journal file{where}"
        else:
            entries = state.journal.entries()
            assert len(entries) == journaled + 1, f"{len(entries) - journaled} journal entries{where}"
            entry = entries[-1]
            assert entry.id > last_id and entry.method == request.method, f"journaled as {entry!r}{where}"
            assert entry.status == response.status_code, f"journaled status {entry.status}{where}"
            assert len(lines) == 1, f"{len(lines)} lines in the journal file{where}"
            written = _parsed(lines[0], "the journal file's line", where)
            assert written.get("id") == entry.id, f"journal file has entry {written.get('id')}{where}"
            assert written.get("status") == response.status_code, f"journal file status{where}"
        check_journal_readable(self, where, lines)
        return response


def check_answer(request: Request, response: requests.Response, where: str) -> None:
    """A 2xx, a 3xx from the authorize flow, or a well-formed 4xx error body."""
    status = response.status_code
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if status == 204 or request.method == "HEAD":
        return
    if status < 400:
        assert status < 300, f"unexpected redirect to {response.headers.get('Location')!r}{where}"
        if media_type in ("application/json", "application/scim+json"):
            _parsed(response.text, "the answer", where)
        return
    is_scim = request.path.startswith("/scim")
    expected = "application/scim+json" if is_scim else "application/json"
    assert media_type == expected, f"error as {media_type!r}, not {expected}{where}"
    try:
        body = _strict_json(response.text)
    except ValueError as exc:
        raise AssertionError(f"error body is not JSON ({exc}){where}") from None
    assert isinstance(body, dict), f"error body is not an object{where}"
    if is_scim:
        assert body.get("schemas") == [SCIM_ERROR], f"not a SCIM error{where}"
        assert body.get("status") == str(status), f"SCIM error status {body.get('status')!r}{where}"
        assert isinstance(body.get("detail"), str) and body["detail"], f"SCIM error without detail{where}"
        assert "scimType" not in body or isinstance(body["scimType"], str), f"odd scimType{where}"
        return
    items = body.get("errors")
    assert isinstance(items, list) and items, f"error without errors[]{where}"
    for item in items:
        assert isinstance(item, dict), f"odd errors[] item{where}"
        assert isinstance(item.get("errorCode"), str) and isinstance(item.get("message"), str), (
            f"errors[] item without errorCode/message{where}"
        )
    if "error" in body:  # RingCentral's OAuth error
        assert isinstance(body["error"], str) and isinstance(body.get("error_description"), str), (
            f"OAuth error without error/error_description{where}"
        )
    else:  # RingCentral's REST error
        assert isinstance(body.get("errorCode"), str) and isinstance(body.get("message"), str), (
            f"REST error without errorCode/message{where}"
        )


def secrets_of(target: Target) -> tuple[str, ...]:
    """Credentials a generated request may carry, which no journal output may show (README,
    "Redaction"): the admin token, the app's secret and its Basic form, the users' passwords and
    JWT credentials."""
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    return (target.token, CLIENT_SECRET, basic, *PASSWORDS, *JWTS)


def check_no_secret(text: str, secrets: tuple[str, ...], what: str, where: str) -> None:
    shown = [secret for secret in secrets if secret in text]
    assert not shown, f"{what} shows {shown}{where}"


def check_journal_readable(target: Target, where: str, lines: Sequence[str] = ()) -> None:
    """The journal and the report answer 200 with JSON (or JUnit XML), whatever was recorded,
    and neither they nor the journal file's new ``lines`` show a credential."""
    secrets = secrets_of(target)
    for line in lines:
        check_no_secret(line, secrets, "the journal file", where)
    for path in ("/__mockrc/journal?limit=5", "/__mockrc/report", "/__mockrc/report?format=junit"):
        answer = target.control(path)
        assert answer.status_code == 200, (
            f"GET {path} answered {answer.status_code}: {answer.text[:300]}{where}"
        )
        if "junit" not in path:
            _parsed(answer.text, f"GET {path}", where)
        check_no_secret(answer.text, secrets, f"GET {path}", where)
    errors = [f"{e.method} {e.path}: {e.exception!r}" for e in target.state.handler_errors]
    assert not errors, f"reading the journal raised {errors}{where}"


def _encodable(text: str) -> str:
    """``text`` with lone surrogates escaped: they cannot be encoded as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Failure reports that xdist can send: a generated body with a lone surrogate ends up in the
    fake's captured log (the traceback of a 500), and a worker cannot encode it (INTERNALERROR)."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    report.sections = [(title, _encodable(content)) for title, content in report.sections]
    if report.longrepr is not None:
        text = str(report.longrepr)
        if _encodable(text) != text:
            report.longrepr = _encodable(text)


@pytest.fixture(scope="module", params=["inprocess", "server"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """One fake per transport for the whole module, its journal streamed to a file (as with
    ``mockrc serve --journal``); each example calls :meth:`Target.fresh`. A module sets
    ``PROFILE = "scim"`` to test that profile (default: ringcentral)."""
    profile = getattr(request.module, "PROFILE", "ringcentral")
    session = requests.Session()
    journal_file = tmp_path_factory.mktemp("journal") / "journal.jsonl"
    if request.param == "inprocess":
        with MockRingCentral(profile=profile, users=SEEDED_USERS, clock=FakeClock()) as rc:
            rc.state.journal.stream_to(journal_file)
            yield Target("inprocess", rc.state, rc.base_url, session, journal_file)
            rc.state.journal.close()
        return
    state = MockState(Settings(profile=profile, users=(SEEDED_USERS,)), clock=FakeClock())
    state.journal.stream_to(journal_file)
    with LiveServer(create_app(state)) as server:
        yield Target("server", state, server.url, session, journal_file)
    state.journal.close()
