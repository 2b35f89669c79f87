"""Settings of one fake: everything a user can choose, with the embedded defaults.

``mockrc serve`` fills these from its options, the in-process mock from its arguments; the
application reads them and nothing else, so both transports behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from mockrc.journal import DEFAULT_CAPACITY, DEFAULT_MAX_BYTES
from mockrc.ratelimit import RateLimits

#: The hosts RingCentral's SDKs and Entra talk to; the in-process transport answers for them.
DEFAULT_BASE_URLS: tuple[str, ...] = (
    "https://platform.ringcentral.com",
    "https://platform.devtest.ringcentral.com",
)

ErrorShape = Literal["scim", "rest"]


@dataclass(frozen=True)
class Settings:
    """What a fake is configured with."""

    #: ``ringcentral`` (RingCentral's rules) or ``scim`` (a generic RFC 7643/7644 User target).
    profile: str = "ringcentral"
    #: Static bearer tokens of the default admin, with every permission, that never expire.
    tokens: tuple[str, ...] = ()
    #: How 401/403 on ``/scim`` are shaped: the SCIM error body (default) or RingCentral's REST
    #: gateway body. RingCentral does not document which one its gateway sends there.
    auth_error_shape: ErrorShape = "scim"
    #: Seed for ids and generated data: the same seed gives the same ids.
    seed: int = 0
    #: Extra base URLs the in-process transport answers for, besides RingCentral's own.
    base_urls: tuple[str, ...] = field(default=DEFAULT_BASE_URLS)
    #: The account file (apps, users, SCIM enabled); None is ``fixtures/accounts/default.json``.
    account: str | None = None
    #: Scenarios active from the start (and again after a reset): shipped names or file paths.
    scenarios: tuple[str, ...] = ()
    #: RingCentral's per-user rate limits, or None for none (the default: test suites would trip them).
    rate_limits: RateLimits | None = None
    #: Journal entries kept in memory (the newest ones); a ``--journal`` file keeps every one.
    journal_size: int = DEFAULT_CAPACITY
    #: Bytes the journal's entries in memory may hold in all (bodies are kept up to 64 KiB each);
    #: the oldest entries go first. A ``--journal`` file is not bounded by it.
    journal_bytes: int = DEFAULT_MAX_BYTES
    #: The users the fake starts with, and again after every reset (:mod:`mockrc.seed`): a number
    #: generates that many realistic users from ``seed``; a string is a seed file, shipped
    #: (``fixtures/seed/<name>``) or a path, with users and maybe the account.
    users: tuple[int | str, ...] = ()
    #: The SQLite file that keeps the account, users and tokens across restarts
    #: (:mod:`mockrc.persistence`); None keeps everything in memory.
    state_file: str | None = None
    #: When set, every ``/__mockrc`` call but the health check needs this key (``mockrc serve``
    #: sets one when it binds an address other than loopback).
    admin_key: str | None = None
    #: Hosts the fake answers for besides loopback and the hosts of ``base_urls``: names, IP
    #: addresses, networks (``10.0.0.0/8``), or ``*`` for any; any other ``Host`` header is answered
    #: 421, so that a page cannot reach the fake under a name of its own (DNS rebinding; see
    #: :mod:`mockrc.http.guard`). ``mockrc serve`` adds ``--host`` and ``--allowed-host``.
    allowed_hosts: tuple[str, ...] = ()
