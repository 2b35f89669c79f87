"""The journal's record of a response, whatever headers the response has."""

from __future__ import annotations

import io

from flask import Request, Response
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from mockrc.http.journal_capture import _request_message, _response_message
from mockrc.journal import Message, media_type_of, wsgi_headers


def test_a_response_without_a_content_type_is_recorded_and_its_body_read_as_text() -> None:
    response = Response(b"plain bytes", status=200)
    del response.headers["Content-Type"]

    recorded = _response_message(response).to_dict()

    assert recorded["body"] == "plain bytes"
    assert recorded["body_note"] is None  # not "the journal could not decode this body"


# The request path keeps a request's Content-Type as sent and reads its media type only when the
# entry is read (mockrc.journal.media_type_of), and skips Werkzeug's body machinery for a request
# that declares no body: both must read every request as Werkzeug's Request does.

_HEADER_TEXT = st.text(alphabet=st.sampled_from(' \t\x0b\x0c;="/+-_aAjJsSoOnN,é\x85\xa0'), max_size=30)
_CONTENT_TYPES = st.one_of(
    _HEADER_TEXT,
    st.sampled_from(
        [
            "application/json",
            "Application/SCIM+JSON; charset=utf-8",
            " application/json ;x",
            "application/x-www-form-urlencoded",
            "\tapplication/json\t",
            "text/plain;",
        ]
    ),
)


@given(content_type=_CONTENT_TYPES)
def test_the_media_type_read_later_is_werkzeugs(content_type: str) -> None:
    environ = EnvironBuilder(path="/scim/v2/Users").get_environ()
    environ["CONTENT_TYPE"] = content_type

    assert media_type_of(content_type) == Request(environ).mimetype


@given(
    content_type=st.one_of(st.none(), _CONTENT_TYPES),
    content_length=st.one_of(st.none(), st.sampled_from(["", "0", "4", "abc", "-1", " 4"])),
    transfer_encoding=st.one_of(st.none(), st.sampled_from(["chunked", "gzip", ""])),
    body=st.binary(max_size=8),
    terminated=st.booleans(),
)
def test_a_request_is_captured_as_werkzeug_reads_it(
    content_type: str | None,
    content_length: str | None,
    transfer_encoding: str | None,
    body: bytes,
    terminated: bool,
) -> None:
    def environ() -> dict[str, object]:
        made = EnvironBuilder(path="/scim/v2/Users", method="POST").get_environ()
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            made.pop(key, None)
        for key, value in (
            ("CONTENT_TYPE", content_type),
            ("CONTENT_LENGTH", content_length),
            ("HTTP_TRANSFER_ENCODING", transfer_encoding),
        ):
            if value is not None:
                made[key] = value
        made["wsgi.input"] = io.BytesIO(body)
        made["wsgi.input_terminated"] = terminated
        return made

    captured = _request_message(Request(environ())).to_dict()
    # What the journal captured before the request path skipped Werkzeug for a request without a body.
    request = Request(environ())
    wanted = Message(
        wsgi_headers(request.environ),
        request.get_data(cache=True)
        if request.content_length or request.is_json or "HTTP_TRANSFER_ENCODING" in request.environ
        else b"",
        request.mimetype,
        wsgi=True,
    ).to_dict()

    assert captured == wanted
