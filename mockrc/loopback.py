"""Whether a host is this machine's loopback: one answer for every place that decides on it.

Two questions, kept apart on purpose:

- :func:`is_loopback_name`: the name as written is ``localhost`` or a loopback IP literal, with no
  name resolution. An OAuth redirect URI (RFC 8252 §7.3) and a replay target are judged by what
  they say, so the answer cannot change with the resolver.
- :func:`resolves_to_loopback`: every address the name stands for is a loopback one. Where mockrc
  binds (``--host``) and where ``mockrc proxy`` sends a client's credentials over plain HTTP, what
  counts is the addresses actually used.
"""

from __future__ import annotations

import ipaddress
import socket


def is_loopback_name(host: str) -> bool:
    """``localhost``, or an IP literal in 127.0.0.0/8 or ``::1``; a name is never resolved."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolves_to_loopback(host: str) -> bool:
    """An IP literal (brackets allowed) that is loopback, or a name all of whose addresses are."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(found) and all(
        ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in found
    )
