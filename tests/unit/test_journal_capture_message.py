"""The journal's record of a response, whatever headers the response has."""

from __future__ import annotations

from flask import Response

from mockrc.http.journal_capture import _response_message


def test_a_response_without_a_content_type_is_recorded_and_its_body_read_as_text() -> None:
    response = Response(b"plain bytes", status=200)
    del response.headers["Content-Type"]

    recorded = _response_message(response).to_dict()

    assert recorded["body"] == "plain bytes"
    assert recorded["body_note"] is None  # not "the journal could not decode this body"
