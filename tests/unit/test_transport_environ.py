"""The in-process transport builds each WSGI environ itself (EnvironBuilder costs ~70 µs a request):
it must be the environ EnvironBuilder makes, key for key, value for value, in the same order."""

from __future__ import annotations

import sys
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from mockrc.transport.inprocess import _builder_environ, _environ, _origin_environ

ORIGINS = (
    "https://platform.ringcentral.com",
    "https://platform.devtest.ringcentral.com",
    "http://rc.test:8080",
    "http://127.0.0.1:80",
)
_ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
_PIECES = st.one_of(
    _ASCII.map(str), st.sampled_from(["%", "%2F", "%ff", "%C3%A9", "é", "\t", "\n", "\x00", "?", "/"])
)
_TEXT = st.lists(_PIECES, max_size=12).map("".join)
_PATHS = st.builds(
    lambda head, query: f"{head}?{query}" if query else head,
    st.one_of(_TEXT.map(lambda text: f"/{text}"), st.just("//host/x")),
    _TEXT,
)
_NAMES = st.one_of(
    st.sampled_from(
        [
            "Authorization",
            "Content-Type",
            "content-type",
            "Content-Length",
            "X-A",
            "X_A",
            "Host",
            "Accept",
            "User-Agent",
        ]
    ),
    st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,12}", fullmatch=True),
)
_VALUES = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "Multipart/Form-Data",
            "",
            "7",
            "line\nbreak",
        ]
    ),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=20),
)


def _comparable(environ: dict[str, Any]) -> list[tuple[str, Any]]:
    """The environ's items in order, the input stream as the bytes it holds (but a multipart
    body EnvironBuilder encodes itself, with a random boundary: both sides leave it to it)."""
    random = "WerkzeugFormPart" in environ.get("CONTENT_TYPE", "")
    return [
        (
            key,
            "random"
            if random and key in ("CONTENT_TYPE", "CONTENT_LENGTH")
            else "stream"
            if key == "wsgi.input"
            else value,
        )
        for key, value in environ.items()
    ] + ([] if random else [("body", environ["wsgi.input"].read())])


def _outcome(build: Any, *args: Any) -> Any:
    try:
        return _comparable(build(*args))
    except Exception as exc:  # both must refuse what they refuse alike
        return type(exc)


@example(
    origin=ORIGINS[0],
    method="GET",
    path_url="/scim/v2/Users/123?filter=userName%20eq%20%22a%2Bb%22&count=1",
    headers=[("Authorization", "Bearer t"), ("Accept", "application/scim+json")],
    body=None,
)
@example(origin=ORIGINS[2], method="POST", path_url="/a", headers=[("Content-Type", "")], body=b"")
@given(
    origin=st.sampled_from(ORIGINS),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    path_url=_PATHS,
    headers=st.lists(st.tuples(_NAMES, _VALUES), max_size=6),
    body=st.one_of(st.none(), st.binary(max_size=20)),
)
def test_the_environ_is_the_one_werkzeug_builds(
    origin: str, method: str, path_url: str, headers: list[tuple[str, str]], body: bytes | None
) -> None:
    base = _origin_environ(origin)

    built = _outcome(_environ, base, origin, method, path_url, headers, body)

    assert built == _outcome(_builder_environ, origin, method, path_url, headers, body)


def test_the_error_stream_is_the_one_in_place_when_the_request_is_made(capsys: Any) -> None:
    origin = ORIGINS[0]

    environ = _environ(_origin_environ(origin), origin, "GET", "/", [], None)

    assert environ["wsgi.errors"] is sys.stderr
