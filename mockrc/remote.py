"""A client of a shared mockrc server: fresh accounts from ``/__mockrc/accounts``, and each one's control.

One ``mockrc serve`` holds any number of isolated RingCentral accounts (docs/accounts.md). Test
suites, xdist workers and CI jobs that share it each take fresh accounts (``POST
/__mockrc/accounts``), drive and read them through the account's control URL
(``/__mockrc/accounts/{id}/...``, the same calls as ``/__mockrc/...``: docs/control-api.md) and
delete them when done. This module is that client, plain HTTP over ``requests`` (already installed
with ``responses``) and nothing of pytest; the plugin's shared-server mode
(:mod:`mockrc.pytest_plugin`) builds on it.

Every call has a timeout, and every failure is a :class:`RemoteError` that says which call, to
which server, and what came back, so that a suite pointed at a wrong URL stops with one clear line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import requests

from mockrc.http.guard import ADMIN_KEY_HEADER
from mockrc.journal import RequestPattern
from mockrc.paths import CONTROL_PREFIX
from mockrc.report import describe_entry
from mockrc.scenarios.loader import load_scenario, looks_like_path, read_document
from mockrc.strict import Exchanges
from mockrc.violations import Violation

ACCOUNTS_PATH: Final = f"{CONTROL_PREFIX}/accounts"
#: Seconds any one call may take (connect and read): a hung server fails the test, never hangs it.
TIMEOUT: Final = 30.0
#: Entries asked for at a time when the whole of an account's journal is wanted: the server's
#: most per answer (``MAX_LIST_LIMIT``, docs/control-api.md); older ones come with ``before``.
#: The server's own journal bounds (``--journal-size``, ``--journal-bytes``) bound the whole.
JOURNAL_PAGE: Final = 1_000
_ERRNO: Final = re.compile(r"\[Errno -?\d+\][^'\")]*")
#: How much of an unexpected answer a message repeats.
_ECHO_LIMIT: Final = 300


class RemoteError(Exception):
    """A shared mockrc server that cannot be used as asked: unreachable, too old, or refusing."""


def _why(exc: requests.RequestException) -> str:
    """The heart of a failed call (``[Errno 111] Connection refused``), not urllib3's whole chain."""
    found = _ERRNO.search(str(exc))
    return found.group(0).strip() if found else f"{type(exc).__name__}: {exc}"


def _echo(answer: requests.Response) -> str:
    """What an unexpected answer said: the message of a mockrc error body, else its text, cut short."""
    document = _json_or_none(answer)
    message = document.get("message") if isinstance(document, dict) else None
    text = message if isinstance(message, str) else answer.text.strip()
    return text if len(text) <= _ECHO_LIMIT else f"{text[:_ECHO_LIMIT]}... ({len(text)} characters)"


class RemoteServer:
    """A running mockrc with the accounts API, reached at ``url``; ``admin_key`` for ``--allow-remote``."""

    def __init__(self, url: str, *, admin_key: str | None = None, timeout: float = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        # JSON on every call: the guard refuses a state-changing control call that a web page could
        # make, and a JSON content type (or the admin key) is what proves it is none.
        self.http.headers["Content-Type"] = "application/json"
        if admin_key:
            self.http.headers[ADMIN_KEY_HEADER] = admin_key

    def close(self) -> None:
        self.http.close()

    def call(
        self,
        method: str,
        url: str,
        *,
        what: str,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        expect: Iterable[int] = (200,),
    ) -> requests.Response:
        """One control call; RemoteError saying ``what`` failed and why, unless the status is expected."""
        try:
            answer = self.http.request(
                method, url, json=json, params=params, timeout=self.timeout, allow_redirects=False
            )
        except requests.RequestException as exc:
            raise RemoteError(f"mockrc at {self.url}: cannot {what}: {_why(exc)}") from None
        if answer.status_code not in tuple(expect):
            raise self._refusal(method, url, what, answer)
        return answer

    def _refusal(self, method: str, url: str, what: str, answer: requests.Response) -> RemoteError:
        """The error for an answer that was not the one expected: the call, its status, and why."""
        hint = ""
        if answer.status_code in (401, 403) and ADMIN_KEY_HEADER not in self.http.headers:
            hint = (
                " (a server started with --allow-remote needs its admin key:"
                " --mockrc-admin-key or MOCKRC_ADMIN_KEY)"
            )
        return RemoteError(
            f"mockrc at {self.url}: cannot {what}: {method} {url} answered {answer.status_code}{hint}:"
            f" {_echo(answer)}"
        )

    def check(self) -> None:
        """RemoteError unless ``url`` is a mockrc that serves the accounts API."""
        try:
            answer = self.http.get(f"{self.url}{ACCOUNTS_PATH}", timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            raise RemoteError(
                f"cannot reach a mockrc server at {self.url} ({_why(exc)}); start one"
                " with `mockrc serve` (or the container image) and give its URL"
            ) from None
        if answer.status_code == 404:
            raise RemoteError(
                f"the server at {self.url} has no accounts API (GET {ACCOUNTS_PATH} answered 404):"
                " it is not mockrc, or a mockrc older than the accounts API"
            )
        if answer.status_code != 200:
            raise self._refusal("GET", f"{self.url}{ACCOUNTS_PATH}", "list its accounts", answer)
        if not isinstance(_json_or_none(answer), dict):
            raise RemoteError(
                f"the server at {self.url} answered GET {ACCOUNTS_PATH} with no JSON object: {_echo(answer)}"
            )

    def create_account(self, body: Mapping[str, Any]) -> RemoteAccount:
        """A fresh account (``POST /__mockrc/accounts`` with ``body``: users, seed, profile...)."""
        answer = self.call(
            "POST", f"{self.url}{ACCOUNTS_PATH}", what="create an account", json=dict(body), expect=(201,)
        )
        return RemoteAccount(self, answer.json())

    def accounts(self) -> list[dict[str, Any]]:
        """Every account the server holds (``id``, ``default``, ``users``, ``profile``)."""
        answer = self.call("GET", f"{self.url}{ACCOUNTS_PATH}", what="list its accounts")
        return list(answer.json()["accounts"])

    def delete_account(self, account_id: str) -> None:
        """Delete an account and everything it holds; one already gone is no error."""
        self.call(
            "DELETE", f"{self.url}{ACCOUNTS_PATH}/{account_id}", what="delete an account", expect=(204, 404)
        )


def _json_or_none(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


class RemoteAccount:
    """One account on a :class:`RemoteServer`: what ``POST /__mockrc/accounts`` answered, and its control."""

    def __init__(self, server: RemoteServer, document: Mapping[str, Any]) -> None:
        self.server = server
        self.document = dict(document)
        self.id: str = document["id"]
        self.base_url: str = document["base_url"].rstrip("/")
        self.control_url: str = document["control_url"].rstrip("/")
        self.token: str = document["token"]
        self.profile: str = document.get("profile", "ringcentral")

    def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        expect: Iterable[int] = (200,),
    ) -> Any:
        """A control call on this account (``path`` under its control URL); the JSON answer."""
        answer = self.server.call(
            method,
            f"{self.control_url}{path}",
            what=f"{what} (account {self.id})",
            json=json,
            params=params,
            expect=expect,
        )
        return answer.json() if answer.content else None

    def delete(self) -> None:
        self.server.delete_account(self.id)

    # --- users ------------------------------------------------------------------------------------

    def users(self) -> list[dict[str, Any]]:
        """Every user in the account, as the SCIM API renders it."""
        return list(self.call("GET", "/users", what="list its users")["Resources"])

    def add_users(self, bodies: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Add SCIM User ``bodies`` as seeded users (all or none); the users, as the API renders them."""
        answer = self.call(
            "POST", "/users", what="add users", json={"users": [dict(b) for b in bodies]}, expect=(201,)
        )
        return list(answer["Resources"])

    # --- journal, report, scenarios, clock -----------------------------------------------------------

    @property
    def journal(self) -> RemoteJournal:
        return RemoteJournal(self)

    def violations(self, *, severity: str | None = None, rule: str | None = None) -> list[dict[str, Any]]:
        """Every violation recorded, with its request's id, method, path and status."""
        params = {k: v for k, v in (("severity", severity), ("rule", rule)) if v is not None}
        return list(self.call("GET", "/violations", what="read its violations", params=params)["violations"])

    def report(self, *, strict_warnings: bool = False) -> dict[str, Any]:
        """The contract report on the account's journal, as JSON (``mockrc report --format json``)."""
        params = {"strict_warnings": "true" if strict_warnings else "false", "min_requests": 0}
        return dict(self.call("GET", "/report", what="build its report", params=params))

    @property
    def scenarios(self) -> RemoteScenarios:
        return RemoteScenarios(self)

    @property
    def clock(self) -> RemoteClock:
        return RemoteClock(self)

    def exchanges(self, entries: Sequence[Mapping[str, Any]]) -> Exchanges:
        """What strict mode reads (:class:`~mockrc.strict.Exchanges`), from the journal ``entries``
        (:meth:`RemoteJournal.entries`) and the account's scenarios."""
        errors: list[tuple[str, Violation]] = []
        rules: set[str] = set()
        not_answered: list[tuple[str, str]] = []
        for entry in entries:
            described = describe_entry(entry)
            for v in entry.get("violations") or ():
                violation = Violation(v["pointer"], v["rule"], v["message"], v["severity"])
                rules.add(violation.rule)
                if violation.severity == "error":
                    errors.append((described, violation))
            if entry.get("route") is None and entry.get("served_by") is None:
                not_answered.append((described, entry["path"]))
        unfired = {a["name"]: a["unfired_required"] for a in self.scenarios.active() if a["unfired_required"]}
        return Exchanges(errors, frozenset(rules), not_answered, unfired)


class RemoteJournal:
    """An account's journal through its control URL: the queries and assertions of
    :class:`~mockrc.journal.Journal`, on entries in their JSON form (docs/journal.md)."""

    def __init__(self, account: RemoteAccount) -> None:
        self._account = account

    def _paged(self, method: str, path: str, what: str, **call: Any) -> dict[str, Any]:
        """The answer of a journal read, with the ``entries`` of every page, oldest first."""
        answer = dict(self._account.call(method, path, what=what, params={"limit": JOURNAL_PAGE}, **call))
        entries = list(answer["entries"])
        page = entries
        while len(page) == JOURNAL_PAGE:
            older = {"limit": JOURNAL_PAGE, "before": page[0]["id"]}
            page = list(self._account.call(method, path, what=what, params=older, **call)["entries"])
            entries[:0] = page
        answer["entries"] = entries
        return answer

    def entries(self) -> list[dict[str, Any]]:
        """The entries in the server's memory, oldest first."""
        return list(self._paged("GET", "/journal", "read its journal")["entries"])

    def __len__(self) -> int:
        answer = self._account.call("GET", "/journal", what="read its journal", params={"limit": 0})
        return int(answer["total"])

    def _find(self, pattern: RequestPattern | None, criteria: Mapping[str, Any]) -> dict[str, Any]:
        wanted = _pattern(pattern, criteria)
        return self._paged("POST", "/journal/find", "search its journal", json=wanted.criteria())

    def find(self, pattern: RequestPattern | None = None, **criteria: Any) -> list[dict[str, Any]]:
        """The entries matching a pattern, or the criteria of one (``find(method="POST", status=400)``)."""
        return list(self._find(pattern, criteria)["entries"])

    def count(self, pattern: RequestPattern | None = None, **criteria: Any) -> int:
        wanted = _pattern(pattern, criteria)
        answer = self._account.call(
            "POST", "/journal/count", what="count in its journal", json=wanted.criteria()
        )
        return int(answer["count"])

    def violations(self, *, severity: str | None = None, rule: str | None = None) -> list[dict[str, Any]]:
        return self._account.violations(severity=severity, rule=rule)

    def assert_requested(
        self, pattern: RequestPattern | None = None, *, times: int | None = None, **criteria: Any
    ) -> list[dict[str, Any]]:
        """The matching entries; AssertionError if there are none (or not exactly ``times``), with
        the near misses, as :meth:`mockrc.journal.Journal.assert_requested`."""
        wanted = _pattern(pattern, criteria)
        answer = self._find(wanted, {})
        found, total = list(answer["entries"]), int(answer["total"])
        if (times is None and total) or (times is not None and total == times):
            return found
        expected = "at least once" if times is None else f"{times} time{'s' if times != 1 else ''}"
        lines = [f"expected {wanted.describe()} {expected}; it was requested {total} times"]
        if found:
            lines += ["matching requests:", *(f"  {describe_entry(e)}" for e in found[:10])]
        elif answer.get("near_misses"):
            lines.append("near misses (closest first):")
            lines += [
                f"  {describe_entry(m['entry'])}: {'; '.join(m['differences'])}"
                for m in answer["near_misses"]
            ]
        else:
            recent = self._account.call("GET", "/journal", what="read its journal", params={"limit": 3})
            lines += (
                ["no request came close; the last requests were:"]
                + [f"  {describe_entry(e)}" for e in recent["entries"]]
                if recent["entries"]
                else ["no request was recorded"]
            )
        raise AssertionError("\n".join(lines))

    def assert_not_requested(self, pattern: RequestPattern | None = None, **criteria: Any) -> None:
        """AssertionError listing the matching entries, if there are any."""
        wanted = _pattern(pattern, criteria)
        answer = self._find(wanted, {})
        if answer["total"]:
            lines = [f"expected no {wanted.describe()}; it was requested {answer['total']} times:"]
            lines += [f"  {describe_entry(e)}" for e in answer["entries"][:10]]
            raise AssertionError("\n".join(lines))

    def assert_no_violations(self, *, include_warnings: bool = False) -> None:
        """AssertionError listing every error-severity violation (and warnings, if asked) with its request."""
        found = self.violations(severity=None if include_warnings else "error")
        if not found:
            return
        kinds = "contract violations" if include_warnings else "error-severity contract violations"
        lines = [f"{len(found)} {kinds}:"]
        for v in found[:20]:
            request = f"#{v['request_id']} {v['method']} {v['path']} -> {v['status']}"
            lines.append(f"  {request}: {v['severity']} {v['rule']} at {v['pointer'] or '/'}: {v['message']}")
        if len(found) > 20:
            lines.append(f"  ... and {len(found) - 20} more")
        raise AssertionError("\n".join(lines))


def _pattern(pattern: RequestPattern | None, criteria: Mapping[str, Any]) -> RequestPattern:
    if pattern is not None and criteria:
        raise TypeError("pass a RequestPattern or criteria, not both")
    return pattern if pattern is not None else RequestPattern(**criteria)


class RemoteScenarios:
    """An account's scenarios through its control URL (``/scenarios``, docs/scenarios.md)."""

    def __init__(self, account: RemoteAccount) -> None:
        self._account = account

    def active(self) -> list[dict[str, Any]]:
        """The active scenarios as ``GET /__mockrc/scenarios`` describes them (state, steps, unfired)."""
        return list(self._account.call("GET", "/scenarios", what="read its scenarios")["active"])

    def get(self, name: str) -> dict[str, Any]:
        """One active scenario, described (``["state"]``, ``["steps"]``...)."""
        return dict(self._account.call("GET", f"/scenarios/{name}", what=f"read scenario {name}"))

    def activate(self, name_or_document: str | Mapping[str, Any]) -> dict[str, Any]:
        """Activate a shipped scenario by name, a scenario file (sent as the document it holds), or
        a scenario document. A file is checked here first, so that its mistakes name the file."""
        if isinstance(name_or_document, str) and looks_like_path(name_or_document):
            name_or_document = scenario_document(name_or_document)
        if isinstance(name_or_document, str):
            path, body = f"/scenarios/{name_or_document}/activate", None
        else:
            path, body = "/scenarios", dict(name_or_document)
        return dict(self._account.call("POST", path, what="activate a scenario", json=body))

    def deactivate(self, name: str) -> dict[str, Any]:
        return dict(self._account.call("POST", f"/scenarios/{name}/deactivate", what=f"deactivate {name}"))

    def reset(self) -> None:
        """Every active scenario back to its first state, its counters to zero."""
        self._account.call("POST", "/scenarios/reset", what="reset its scenarios")

    def required_steps(self, name: str) -> list[str]:
        """The ids of the required steps of active scenario ``name``."""
        return [s["id"] for s in self.get(name)["steps"] if s["required"]]


class RemoteClock:
    """An account's clock through its control URL: it moves only when told (``advance``)."""

    def __init__(self, account: RemoteAccount) -> None:
        self._account = account

    def now(self) -> float:
        """Seconds since the epoch, by the account's clock."""
        return float(self._account.call("GET", "/clock", what="read its clock")["epoch"])

    def advance(self, seconds: float) -> None:
        """Move the clock forward (tokens expire, windows pass, nobody sleeps)."""
        self._account.call("POST", "/clock/advance", what="advance its clock", json={"seconds": seconds})


def scenario_document(path: str) -> dict[str, Any]:
    """The scenario document in the file at ``path``, checked (ScenarioError naming the file).

    A shared server cannot read the test's files, so a scenario file travels as its document; a
    posted document may use only the response bodies mockrc ships, not files beside it.
    """
    load_scenario(path)
    document = read_document(Path(path).read_text(encoding="utf-8"), path)
    return dict(document)
