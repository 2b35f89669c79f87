"""The URLs that reach a server, for a server bound to every address (``0.0.0.0``, ``::``).

``http://0.0.0.0:8080`` is where a server listens, not an address a client can connect to. A server
bound to the unspecified address answers on every interface of its family, so the URLs to print
are loopback's (this machine) and the machine's host name and interface addresses (other
machines). Interface addresses come from psutil: the standard library cannot list them.
"""

from __future__ import annotations

import ipaddress
import socket


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def is_unspecified(host: str) -> bool:
    """Whether ``host`` is the any-address of IPv4 or IPv6 (``0.0.0.0``, ``::``)."""
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def reachable_urls(host: str, port: int) -> tuple[str, list[str]]:
    """The URL to use on this machine, and those other machines can use (none for a plain address).

    For a bound unspecified address: loopback of its family first, then the host name and each
    interface address of that family (IPv6 link-local ones left out: they need a zone, which a
    URL cannot carry portably).
    """
    if not is_unspecified(host):
        return _url(host, port), []
    family = socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    local = _url("::1" if family == socket.AF_INET6 else "127.0.0.1", port)
    others = [_url(socket.gethostname(), port)]
    for address in _interface_addresses(family):
        if not (address.is_loopback or address.is_link_local):
            others.append(_url(str(address), port))
    return local, list(dict.fromkeys(others))


def _interface_addresses(family: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    import psutil  # only a server bound to every address needs it

    try:
        interfaces = psutil.net_if_addrs()
    except OSError:  # an unusual platform: the host name alone must do
        return []
    found = []
    for addresses in interfaces.values():
        for address in addresses:
            if address.family == family:
                found.append(ipaddress.ip_address(address.address.split("%")[0]))
    return found
