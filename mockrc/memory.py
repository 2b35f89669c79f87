"""Giving back to the system the memory a large request's parsing freed (glibc's ``malloc_trim``).

Parsing a hostile 10 MB body makes hundreds of megabytes of short-lived objects. Python frees
them, but glibc's allocator keeps the freed pages in the arena of the thread that used them, and
the live server answers from several threads, each with its own arena: the fuzz run's server
(``python -m benchmarks.fuzz``) grew to 565-636 MB of resident memory while what it held (the
journal, the users) was under 100 MB. ``malloc_trim(0)`` returns the free pages of every arena
(glibc 2.8 and later; see malloc_trim(3), https://man7.org/linux/man-pages/man3/malloc_trim.3.html).
It walks the heap, so it runs only after a request at least :data:`LARGE_REQUEST_BYTES` long,
and nowhere but on glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable, Mapping
from typing import Any

#: A request with at least this many bytes of body and query is followed by a trim.
LARGE_REQUEST_BYTES = 1024 * 1024


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where there is none (macOS, musl, Windows)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_TRIM = _malloc_trim()


def request_bytes(environ: Mapping[str, Any]) -> int:
    """The bytes a request brought: its declared body and its query string."""
    try:
        body = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        body = 0
    return max(body, 0) + len(environ.get("QUERY_STRING") or "")


def release_after(environ: Mapping[str, Any]) -> bool:
    """Give the free memory back to the system after a large request; whether a trim ran."""
    if _TRIM is None or request_bytes(environ) < LARGE_REQUEST_BYTES:
        return False
    _TRIM(0)
    return True
