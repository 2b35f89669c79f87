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
import os
from collections.abc import Callable, Mapping
from typing import Any

#: A request with at least this many bytes of body and query is followed by a trim.
LARGE_REQUEST_BYTES = 1024 * 1024
#: The most malloc arenas ``mockrc serve`` lets glibc make (:func:`limit_arenas`).
ARENAS = 2
#: ``mallopt``'s parameter for the most arenas (``#define M_ARENA_MAX -8`` in glibc's malloc.h;
#: mallopt(3), https://man7.org/linux/man-pages/man3/mallopt.3.html).
M_ARENA_MAX = -8


def _libc_function(name: str) -> Callable[..., int] | None:
    """A function of glibc, or None where there is none (macOS, musl, Windows).

    Looked up among the symbols the process has already loaded (``dlopen(NULL)``, ctypes'
    ``CDLL(None)``; dlopen(3), https://man7.org/linux/man-pages/man3/dlopen.3.html), where the C
    library the interpreter runs on is: ``ctypes.util.find_library("c")`` would run ``ldconfig -p``
    in a subprocess for each name, at every start of ``mockrc serve``.
    """
    try:
        function: Callable[..., int] = getattr(ctypes.CDLL(None), name)
    except (OSError, TypeError, AttributeError):  # TypeError: Windows has no dlopen(NULL)
        return None
    return function


_TRIM = _libc_function("malloc_trim")
_MALLOPT = _libc_function("mallopt")


def limit_arenas(arenas: int = ARENAS, environ: Mapping[str, str] = os.environ) -> bool:
    """Let glibc's allocator make at most ``arenas`` arenas; whether it was set.

    glibc gives each thread that allocates while the others hold their arenas an arena of its
    own, up to 8 per core, and keeps each arena's freed pages for its thread: waitress's 8 worker
    threads each kept the high-water mark of the largest request they had parsed, and the fuzz run's
    resident set kept growing after the journal had filled (benchmarks/README.md has the figures).
    Called by ``mockrc serve`` before any worker thread starts. A ``MALLOC_ARENA_MAX`` in the
    environment is the user's choice and wins (glibc reads it itself); no-op off glibc.
    """
    if _MALLOPT is None or "MALLOC_ARENA_MAX" in environ:
        return False
    return _MALLOPT(M_ARENA_MAX, arenas) == 1


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
