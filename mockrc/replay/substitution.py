"""Turning a recorded request into the request to send to the target.

A journal cannot be sent back as it is: the ids in it are the recorded server's, and every
credential in it is redacted (:mod:`mockrc.redaction`). :class:`Substitutions` learns, from each
pair of answers (recorded, target), which target id stands for which recorded one: the ``id`` of a
resource answered by both, and the users of two lists paired by ``userName``. It writes the target's
ids into later paths, queries and bodies, and the credentials the replay was given (or the tokens
the target handed out) where the journal shows ``[redacted]``. A request it cannot rebuild
faithfully (a body the journal cut short, a secret it redacted and replay has no stand-in for) is
:class:`Unreplayable`, with the reason: never sent half right.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from mockrc.journal import FORM_MEDIA_TYPE
from mockrc.paths import OAUTH_PREFIX
from mockrc.redaction import REDACTED

#: The bearer token sent where the recorded request's token was unknown to the recorded server
#: (its answer was 401 and no principal stood behind it): the target must refuse it too.
UNKNOWN_TOKEN = "mockrc-replay-unknown-token"
#: Recorded request headers never sent again: the HTTP client writes its own (RFC 9110 §7.6.1's
#: hop-by-hop headers, the framing, the host of the target), and credentials are replaced.
_NOT_SENT = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "accept-encoding",
        "authorization",
        "proxy-authorization",
        "cookie",
    }
)
#: Recorded ids shorter than this are not looked for inside strings: a short one would match by chance.
_MIN_ID_LENGTH = 4


class Unreplayable(Exception):
    """A recorded request that cannot be sent faithfully; the message says why."""


@dataclass(frozen=True)
class Credentials:
    """What replay may authenticate with: a bearer token, and/or an app and a way to sign in."""

    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    jwt: str | None = None
    username: str | None = None
    password: str | None = None

    def basic(self) -> str | None:
        """``Basic ...`` for the app (RFC 6749 §2.3.1), None without a client id and secret."""
        if self.client_id is None or self.client_secret is None:
            return None
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def sign_in_form(self) -> dict[str, str] | None:
        """The token request form that signs in with the JWT or the password; None without either."""
        if self.jwt is not None:
            return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": self.jwt}
        if self.username is not None and self.password is not None:
            return {"grant_type": "password", "username": self.username, "password": self.password}
        return None


@dataclass(frozen=True)
class OutgoingRequest:
    """What replay sends: method, path (under the target's base URL), query, headers and body bytes."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes | None


@dataclass
class Substitutions:
    """The recorded ids the target answered differently, and the tokens the target handed out."""

    credentials: Credentials
    ids: dict[str, str] = field(default_factory=dict)
    access_token: str | None = None
    refresh_token: str | None = None
    _pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.access_token is None:
            self.access_token = self.credentials.token

    # --- learning ------------------------------------------------------------------------------

    def learn(self, entry: Mapping[str, Any], status: int, body: Any) -> None:
        """What the target's answer (``status``, parsed ``body``) to the recorded ``entry`` teaches."""
        recorded = (entry.get("response") or {}).get("body")
        if not (200 <= status < 300 and isinstance(body, Mapping)):
            return
        if entry["path"].startswith(f"{OAUTH_PREFIX}/token"):
            if isinstance(body.get("access_token"), str):
                self.access_token = body["access_token"]
            if isinstance(body.get("refresh_token"), str):
                self.refresh_token = body["refresh_token"]
            return
        if not isinstance(recorded, Mapping):
            return
        self._pair(recorded, body)
        listed, answered = recorded.get("Resources"), body.get("Resources")
        if isinstance(listed, list) and isinstance(answered, list):
            by_name = {r.get("userName"): r for r in answered if isinstance(r, Mapping)}
            for resource in listed:
                if isinstance(resource, Mapping) and resource.get("userName") in by_name:
                    self._pair(resource, by_name[resource["userName"]])

    def _pair(self, recorded: Mapping[str, Any], target: Mapping[str, Any]) -> None:
        old, new = recorded.get("id"), target.get("id")
        if isinstance(old, str) and isinstance(new, str) and old != new and old != REDACTED:
            self.ids[old] = new
            self._pattern = None

    # --- rebuilding ----------------------------------------------------------------------------

    def request(self, entry: Mapping[str, Any]) -> OutgoingRequest:
        """The request to send for ``entry``; Unreplayable saying why it cannot be sent faithfully."""
        upstream = entry.get("upstream")  # mockrc proxy's journal: the upstream may not have answered
        if isinstance(upstream, Mapping) and upstream.get("status") is None:
            raise Unreplayable(f"the upstream gave no answer when recorded ({upstream.get('error')})")
        if entry.get("body_truncated"):
            raise Unreplayable(
                f"the journal kept only part of the request body ({entry.get('body_note') or 'truncated'})"
            )
        note = entry.get("body_note")
        if note and ("UTF-8" in note or "could not" in note or "never read" in note or "refused" in note):
            raise Unreplayable(f"the journal does not hold the body as sent ({note})")
        headers = {
            name: value
            for name, value in (entry.get("headers") or {}).items()
            if name.lower() not in _NOT_SENT and value != REDACTED
        }
        authorization = self._authorization(entry)
        if authorization is not None:
            headers["Authorization"] = authorization
        media_type = (
            next((v for k, v in headers.items() if k.lower() == "content-type"), "")
            .partition(";")[0]
            .strip()
            .lower()
        )
        body = self._body(entry, media_type)
        query = self._value(entry.get("query") or {})
        _refuse_redacted(query, "the query")
        path = "/".join(self.ids.get(segment, segment) for segment in entry["path"].split("/"))
        return OutgoingRequest(entry["method"], path, urlencode(query, doseq=True), headers, body)

    def _authorization(self, entry: Mapping[str, Any]) -> str | None:
        recorded = next(
            (v for k, v in (entry.get("headers") or {}).items() if k.lower() == "authorization"), None
        )
        if recorded is None:
            return None
        scheme = recorded.partition(" ")[0]
        if scheme.lower() == "basic":
            basic = self.credentials.basic()
            if basic is None:
                raise Unreplayable("the app's credentials are redacted: give --client-id and --client-secret")
            return basic
        if scheme.lower() == "bearer":
            if entry.get("principal") is None and entry["status"] == 401:
                return f"Bearer {UNKNOWN_TOKEN}"
            if self.access_token is None:
                raise Unreplayable(
                    "the bearer token is redacted: give --token, or credentials to sign in with"
                )
            return f"Bearer {self.access_token}"
        raise Unreplayable(f"the {scheme} credentials are redacted and replay has no stand-in for them")

    def _body(self, entry: Mapping[str, Any], media_type: str) -> bytes | None:
        body = entry.get("body")
        if body is None:
            return None
        if isinstance(body, str):
            if REDACTED in body:
                raise Unreplayable("the journal redacted part of the body, which was not JSON or a form")
            return self._text(body).encode("utf-8")
        if media_type == FORM_MEDIA_TYPE and isinstance(body, Mapping):
            form = self._form(entry, dict(body))
            return urlencode(form, doseq=True).encode("ascii")
        value = self._value(body)
        _refuse_redacted(value, "the body")
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def _form(self, entry: Mapping[str, Any], form: dict[str, Any]) -> dict[str, Any]:
        """An OAuth form with the replay's credentials, or the target's tokens, for the redacted ones."""
        c = self.credentials
        if form.get("grant_type") == "authorization_code" or "code" in form:
            raise Unreplayable(
                "an authorization code comes from a sign-in in a browser and cannot be replayed"
            )
        stand_ins: dict[str, tuple[str | None, str]] = {
            "client_secret": (c.client_secret, "give --client-secret"),
            "password": (c.password, "give --password"),
            "assertion": (c.jwt, "give --jwt"),
            "refresh_token": (self.refresh_token, "the target handed out no refresh token before it"),
        }
        if form.get("grant_type") == "password" and c.username is not None:
            form["username"] = c.username
        if "client_id" in form and c.client_id is not None:
            form["client_id"] = c.client_id
        if "token" in form:  # revoke and introspect: the token the target handed out
            hint = form.get("token_type_hint")
            token = self.refresh_token if hint == "refresh_token" else self.access_token
            stand_ins["token"] = (token, "the target handed out no such token before it")
        for name, (value, hint) in stand_ins.items():
            if form.get(name) == REDACTED:
                if value is None:
                    raise Unreplayable(f"the form field {name} is redacted: {hint}")
                form[name] = value
        form = self._value(form)
        _refuse_redacted(form, "the form")
        return form

    def _value(self, value: Any) -> Any:
        """``value`` with every recorded id the target answered differently replaced by the target's."""
        if not self.ids:
            return value
        if isinstance(value, str):
            return self._text(value)
        if isinstance(value, list):
            return [self._value(v) for v in value]
        if isinstance(value, Mapping):
            return {k: self._value(v) for k, v in value.items()}
        return value

    def _text(self, text: str) -> str:
        if text in self.ids:
            return self.ids[text]
        if self._pattern is None:
            # Longest first, so that an id is never replaced by one of its prefixes.
            long_ids = sorted((i for i in self.ids if len(i) >= _MIN_ID_LENGTH), key=len, reverse=True)
            alternatives = "|".join(map(re.escape, long_ids)) or "(?!)"
            self._pattern = re.compile(r"(?<![\w-])(" + alternatives + r")(?![\w-])")
        return self._pattern.sub(lambda m: self.ids[m.group(1)], text)


def _refuse_redacted(value: Any, where: str, pointer: str = "") -> None:
    """Unreplayable naming the first place ``value`` holds a redacted secret."""
    if isinstance(value, str):
        if REDACTED in value:
            raise Unreplayable(f"the journal redacted {where} at {pointer or '/'}: the value sent is unknown")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _refuse_redacted(inner, where, f"{pointer}/{index}")
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            _refuse_redacted(inner, where, f"{pointer}/{key}")
