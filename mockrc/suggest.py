"""Did you mean ...?: the closest known name to a misspelt one, for error messages.

One helper for every message that refuses an unknown name (a scenario, a key of a scenario file,
a marker keyword, a rule id), so they all suggest the same way: a name that differs only in case
first, else the closest one by :func:`difflib.get_close_matches`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(given: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the known name closest to ``given``; empty if none is close."""
    names = list(known)
    same = [name for name in names if name.casefold() == given.casefold()]
    close = same or difflib.get_close_matches(given, names, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
