"""A journal file read as a stream: one checked entry at a time, each line within a byte limit.

``mockrc replay`` and ``mockrc record`` read journals that may hold millions of requests (a soak's
``mockrc serve --journal FILE``), so neither loads the file: :func:`read_journal` yields each entry
as it reads its line, and a line longer than :data:`LINE_LIMIT` is refused before it is parsed.
Every entry is checked against the journal entry schema
(``fixtures/schemas/mockrc/journal-entry.schema.json``), as ``mockrc report`` checks it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from mockrc.json_schema import fixture_schema
from mockrc.violations import json_pointer

#: Bytes one journal line may hold. An entry keeps at most 64 KiB of each body, and a query value
#: at most 64 Ki characters (:mod:`mockrc.journal`); JSON escapes can make that up to six times
#: longer, and a hostile request's headers add their own. 16 MiB is far above any real line and
#: bounds what one line can cost to read.
LINE_LIMIT = 16 * 1024 * 1024


class JournalFileError(ValueError):
    """A journal that cannot be read; the message names the file, the line and what is wrong."""


def read_journal(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The entries of a JSON Lines journal, one by one; JournalFileError at the first unusable line."""
    source = os.fspath(path)
    validator = fixture_schema("schemas", "mockrc", "journal-entry.schema.json")
    try:
        stream = open(source, "rb")  # noqa: SIM115 - closed by the with below, after the generator starts
    except OSError as exc:
        raise JournalFileError(f"{source}: cannot read the journal: {exc.strerror or exc}") from None
    with stream:
        number = 0
        while True:
            try:
                line = stream.readline(LINE_LIMIT + 1)
            except OSError as exc:
                raise JournalFileError(f"{source}: cannot read the journal: {exc.strerror or exc}") from None
            if not line:
                return
            number += 1
            if len(line) > LINE_LIMIT:
                raise JournalFileError(
                    f"{source}:{number}: the line is longer than {LINE_LIMIT:,} bytes: not a journal entry"
                )
            if not line.strip():
                continue
            yield _entry(line, f"{source}:{number}", validator)


def _entry(line: bytes, where: str, validator: Any) -> dict[str, Any]:
    try:
        entry = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise JournalFileError(f"{where}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise JournalFileError(f"{where}: not a JSON document: {exc}") from None
    problem = next(iter(validator.iter_errors(entry)), None)
    if problem is not None:
        pointer = json_pointer(list(problem.absolute_path)) or "/"
        raise JournalFileError(f"{where}: not a journal entry: {pointer}: {problem.message}")
    if not isinstance(entry, dict):  # the schema says object; this tells mypy
        raise JournalFileError(f"{where}: not a journal entry: not an object")
    return entry
