"""Large control-plane answers (journal pages, violations, reports) are encoded in bounded pieces."""

from __future__ import annotations

import json

from mockrc.http.control.journal import _PIECE_BYTES, _json_pieces


def test_pieces_make_the_same_json_as_one_dumps() -> None:
    document = {"total": 3, "entries": [{"id": n, "body": "é" * n} for n in range(3)], "empty": [], "x": None}

    text = b"".join(_json_pieces(document)).decode("utf-8")

    assert json.loads(text) == document
    assert text == json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def test_generators_are_encoded_item_by_item_in_bounded_pieces() -> None:
    made: list[int] = []

    def entries() -> object:
        for n in range(200):
            made.append(n)
            yield {"id": n, "body": "x" * 10_000}

    pieces = _json_pieces({"total": 200, "entries": entries()})  # type: ignore[dict-item]
    first = next(pieces)

    assert len(made) < 200  # the first piece was sent before the last entry was made
    rest = list(pieces)
    assert all(len(piece) < _PIECE_BYTES + 11_000 for piece in [first, *rest])
    assert len(rest) > 20
    assert [e["id"] for e in json.loads(b"".join([first, *rest]))["entries"]] == list(range(200))


def test_an_empty_document_and_a_lone_surrogate_still_make_json() -> None:
    assert b"".join(_json_pieces({})) == b"{}"
    text = b"".join(_json_pieces({"entries": [{"body": "a\udc80b"}, {"body": "ok"}]}))
    assert json.loads(text) == {"entries": [{"body": "a\udc80b"}, {"body": "ok"}]}
