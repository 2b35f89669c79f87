"""PKCE (RFC 7636): checking a ``code_verifier`` against the ``code_challenge`` of the authorize request.

RingCentral supports both methods, ``plain`` and ``S256``, and ``plain`` is the default when a
challenge comes without a method (its reference: ``CodeChallengeMethodEnum``, default plain). The
format of both values (43 to 128 unreserved characters) is checked by the form schemas.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Literal

ChallengeMethod = Literal["plain", "S256"]


def challenge_for(verifier: str, method: ChallengeMethod) -> str:
    """The ``code_challenge`` a client derives from ``verifier`` (RFC 7636 §4.2)."""
    if method == "plain":
        return verifier
    digest = hashlib.sha256(verifier.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifies(verifier: str, challenge: str, method: ChallengeMethod) -> bool:
    """Whether ``verifier`` answers ``challenge`` (RFC 7636 §4.6), compared in constant time."""
    return hmac.compare_digest(challenge_for(verifier, method).encode("utf-8"), challenge.encode("utf-8"))
