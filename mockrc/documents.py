"""Reading the YAML and JSON files people write for mockrc (seed files, scenario files), strictly.

JSON by the source's ``.json`` suffix, YAML (safe loader) otherwise. Both refuse a key given twice
in one mapping, where YAML and Python's JSON both silently keep the last one: two steps pasted into
one list item, or two ``users:`` lists, would otherwise lose half the file without a word.

pyyaml is imported when the first YAML document is read, not with this module: ``mockrc serve``
without a scenario or seed file never needs it before its first answer (issue 12).
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from mockrc.errors import DocumentError

if TYPE_CHECKING:
    import yaml


def read_document(text: str, source: str) -> Any:
    """The document in ``text``; DocumentError (a line and column where known) if it does not
    parse or gives a key twice. ``source`` is the file's name: its suffix picks the parser."""
    if source.endswith(".json"):
        try:
            return json.loads(text, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as exc:
            raise DocumentError(f"line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}") from None
    import yaml

    try:
        return yaml.load(text, Loader=_strict_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise DocumentError(f"{where}not valid YAML: {getattr(exc, 'problem', None) or exc}") from None


@cache
def _strict_loader() -> type[yaml.SafeLoader]:
    """YAML's safe loader, except that a key given twice in a mapping is an error, not "last wins"."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise DocumentError(
                        f"line {line}: key {key!r} is given twice in the same mapping"
                        f" (first on line {seen[key]})",
                        duplicate_key=True,
                    )
                seen[key] = line
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DocumentError(f"key {key!r} is given twice in the same object", duplicate_key=True)
        found[key] = value
    return found
