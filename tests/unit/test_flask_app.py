"""MockrcFlask behaves as Flask does: each shortcut compared with Flask's own method.

The app built here has what mockrc's does not (blueprint hooks, ``after_this_request``, signal
receivers, an async view, redirects and 405s) so that every path where the shortcut must step
aside is exercised too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Blueprint, Flask, Response, after_this_request, g, request, url_for
from flask.signals import (
    appcontext_tearing_down,
    request_finished,
    request_started,
    request_tearing_down,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.test import EnvironBuilder

from mockrc.app import create_app
from mockrc.http.flask_app import MockrcFlask, app_class


def _build(cls: type[Flask], log: list[str], *, blueprint_hooks: bool) -> Flask:
    app = cls("compare")
    app.url_map.merge_slashes = False

    @app.before_request
    def before() -> Response | None:
        log.append(f"before {request.endpoint}")
        if request.args.get("refuse"):
            return Response("refused", 403)
        return None

    @app.after_request
    def after(response: Response) -> Response:
        log.append(f"after {response.status_code}")
        response.headers["X-After"] = "app"
        return response

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        log.append(f"teardown {type(error).__name__ if error else None}")

    @app.teardown_appcontext
    def appcontext_teardown(error: BaseException | None) -> None:
        log.append("appcontext teardown")

    @app.get("/items/<item_id>")
    def item(item_id: str) -> Response:
        g.seen = item_id
        return Response(url_for("item", item_id=item_id, _external=True))

    @app.route("/slash/", methods=["GET", "PUT"])
    def slash() -> str:
        return "slash"

    @app.get("/later")
    def later() -> str:
        @after_this_request
        def mark(response: Response) -> Response:
            log.append("after this request")
            response.headers["X-Later"] = "yes"
            return response

        return "later"

    @app.get("/empty")
    def empty() -> Response:
        return Response(status=204)

    @app.get("/stream")
    def stream() -> Response:
        return Response(part.encode() for part in ("a", "b", "c"))

    @app.get("/text-chunks")
    def text_chunks() -> Response:
        response = Response()
        response.response = ["text, ", "not bytes"]
        return response

    @app.get("/closing")
    def closing() -> Response:
        response = Response("closing")
        response.call_on_close(lambda: log.append("closed"))
        return response

    @app.get("/located/<header>")
    def located(header: str) -> Response:
        response = Response("made", 201)
        response.headers[header] = "/items/ü 1"  # made a URI by Werkzeug
        return response

    @app.get("/sized")
    def sized() -> Response:
        return Response([b"12", b"34"], headers={"content-length": "4", "X-Twice": "a"})

    @app.get("/unchanged")
    def unchanged() -> Response:
        return Response(b"dropped", 304, headers={"ETag": '"x"', "Content-Type": "text/plain"})

    @app.get("/unsized")
    def unsized() -> Response:
        response = Response(b"no length")
        response.automatically_set_content_length = False
        return response

    @app.get("/passthrough")
    def passthrough() -> Response:
        return Response([b"as ", b"is"], direct_passthrough=True)

    class Answer(Response):
        def get_app_iter(self, environ: Any) -> Any:
            return [b"its own body"]

    @app.get("/subclass")
    def subclass() -> Response:
        return Answer("not this")

    @app.get("/fail")
    def fail() -> str:
        raise ValueError("boom")

    @app.errorhandler(ValueError)
    def value_error(error: ValueError) -> tuple[str, int]:
        return f"handled {error}", 500

    parts = Blueprint("parts", __name__, url_prefix="/parts")

    @parts.get("/<part>")
    def part(part: str) -> str:
        return f"part {part}"

    if blueprint_hooks:

        @parts.before_request
        def part_before() -> None:
            log.append("part before")

        @parts.after_request
        def part_after(response: Response) -> Response:
            log.append("part after")
            return response

        @parts.teardown_request
        def part_teardown(error: BaseException | None) -> None:
            log.append("part teardown")

        @parts.url_value_preprocessor
        def part_values(endpoint: str | None, values: dict[str, Any] | None) -> None:
            log.append(f"part values {values}")

    app.register_blueprint(parts)
    return app


PATHS = [
    ("GET", "/items/7"),
    ("GET", "/items/7?refuse=1"),
    ("POST", "/items/7"),  # 405 with Allow
    ("GET", "/nowhere"),  # 404
    ("GET", "/slash"),  # strict slashes: 308 to /slash/
    ("PUT", "/slash"),
    ("GET", "//items/7"),  # merge_slashes off: no redirect, 404
    ("GET", "/later"),
    ("GET", "/fail"),
    ("GET", "/parts/p1"),
    ("GET", "/empty"),
    ("GET", "/stream"),
    ("HEAD", "/stream"),
    ("GET", "/text-chunks"),
    ("GET", "/closing"),
    ("HEAD", "/closing"),
    ("GET", "/passthrough"),
    ("GET", "/located/Location"),
    ("GET", "/located/content-location"),
    ("GET", "/sized"),
    ("GET", "/unchanged"),
    ("GET", "/unsized"),
    ("GET", "/subclass"),
    ("OPTIONS", "/items/7"),
    ("HEAD", "/items/7"),
]


def _exchange(app: Flask, method: str, path: str, **kwargs: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    response = app.test_client().open(path, method=method, **kwargs)
    # Allow lists a set of methods: its order is the set's, not the app's.
    headers = sorted(
        (name, ", ".join(sorted(value.split(", "))) if name == "Allow" else value)
        for name, value in response.headers.items()
    )
    return response.status_code, headers, response.get_data()


@contextmanager
def _receivers(log: list[str]) -> Iterator[None]:
    """Every request signal received while inside, as a line in ``log``."""

    def receiver(name: str) -> Callable[..., None]:
        def receive(sender: Any, **extra: Any) -> None:
            log.append(f"signal {name}")

        return receive

    signals = {
        "started": request_started,
        "finished": request_finished,
        "tearing_down": request_tearing_down,
        "appcontext_tearing_down": appcontext_tearing_down,
    }
    connected = [(signal, receiver(name)) for name, signal in signals.items()]
    for signal, receive in connected:
        signal.connect(receive)
    try:
        yield
    finally:
        for signal, receive in connected:
            signal.disconnect(receive)


@pytest.mark.parametrize("blueprint_hooks", [False, True], ids=["app-hooks", "blueprint-hooks"])
@pytest.mark.parametrize("with_signals", [False, True], ids=["no-receivers", "receivers"])
@pytest.mark.parametrize(("method", "path"), PATHS)
def test_same_answer_and_same_hooks_as_flask(
    method: str, path: str, blueprint_hooks: bool, with_signals: bool
) -> None:
    flask_log: list[str] = []
    ours_log: list[str] = []
    flask_app = _build(Flask, flask_log, blueprint_hooks=blueprint_hooks)
    ours = _build(MockrcFlask, ours_log, blueprint_hooks=blueprint_hooks)
    if with_signals:
        with _receivers(flask_log):
            expected = _exchange(flask_app, method, path)
        with _receivers(ours_log):
            got = _exchange(ours, method, path)
    else:
        expected = _exchange(flask_app, method, path)
        got = _exchange(ours, method, path)
    assert got == expected
    assert ours_log == flask_log
    assert any(line.startswith("teardown") for line in ours_log)


def test_the_405_names_the_allowed_methods() -> None:
    status, headers, _ = _exchange(_build(MockrcFlask, [], blueprint_hooks=False), "POST", "/items/7")
    assert status == 405
    assert dict(headers)["Allow"] == "GET, HEAD, OPTIONS"  # sorted by _exchange


def test_mockrc_app_is_a_mockrc_flask_and_keeps_its_answers_to_bad_routes() -> None:
    app = create_app()
    assert isinstance(app, MockrcFlask)
    client = app.test_client()
    assert client.get("/scim/v2/Nowhere").status_code == 404
    assert client.get("/scim/v2/Users//x").status_code == 404  # no redirect to the merged path
    refused = client.delete("/scim/v2/Users")
    assert refused.status_code == 405
    assert "POST" in refused.headers["Allow"]


def _raw(app: Flask, method: str, path: str) -> tuple[str, list[tuple[str, str]], list[bytes], bool]:
    """The WSGI answer itself: status, headers, the body's chunks, and whether it can be closed."""
    started: list[Any] = []
    environ = EnvironBuilder(path=path, method=method).get_environ()
    body = app(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    chunks = list(body)
    closable = hasattr(body, "close")
    if closable:
        body.close()  # type: ignore[attr-defined]
    return started[0][0], started[0][1], chunks, closable


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_the_wsgi_answer_is_flask_s(method: str, path: str) -> None:
    flask_log: list[str] = []
    ours_log: list[str] = []
    status, headers, chunks, _ = _raw(_build(Flask, flask_log, blueprint_hooks=False), method, path)
    got = _raw(_build(MockrcFlask, ours_log, blueprint_hooks=False), method, path)
    assert got[:3] == (status, headers, chunks)
    assert ours_log == flask_log  # "closed" included: a call_on_close callback runs in both
    # The body is handed over as it is only when closing it would do nothing.
    assert got[3] or not any(line == "closed" for line in flask_log)


def test_an_answer_held_in_memory_is_handed_over_as_its_chunks() -> None:
    app = _build(MockrcFlask, [], blueprint_hooks=False)
    assert _raw(app, "GET", "/items/7")[2:] == ([b"http://localhost/items/7"], False)
    assert _raw(app, "HEAD", "/items/7")[2:] == ([], False)


# --- ensure_sync --------------------------------------------------------------------------------


def _plain() -> str:
    return "plain"


async def _coroutine() -> str:
    return "coroutine"


def _with_attribute() -> str:
    return "attribute"


_with_attribute.marked = True  # type: ignore[attr-defined]


class _Holder:
    def method(self) -> str:
        return "method"

    async def async_method(self) -> str:
        return "async method"


@functools.wraps(_coroutine)
def _wrapped_coroutine() -> Any:
    return _coroutine()


#: Named, so that every xdist worker collects the same test ids.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "plain": _plain,
    "coroutine": _coroutine,
    "with-attribute": _with_attribute,
    "method": _Holder().method,
    "async-method": _Holder().async_method,
    "partial-coroutine": functools.partial(_coroutine),
    "partial-plain": functools.partial(_plain),
    "wrapped-coroutine": _wrapped_coroutine,
    "lambda": lambda: None,
    "builtin": print,
}


@pytest.mark.parametrize("func", FUNCTIONS.values(), ids=FUNCTIONS.keys())
def test_ensure_sync_returns_what_flask_returns(func: Callable[..., Any]) -> None:
    ours = MockrcFlask("ours")
    flask_app = Flask("flask")

    def outcome(app: Flask) -> tuple[str, Any]:
        try:
            result = app.ensure_sync(func)
        except Exception as error:  # Flask without asgiref refuses an async function here
            return "raised", type(error)
        return ("same", None) if result is func else ("wrapped", None)

    assert outcome(ours) == outcome(flask_app)


def test_ensure_sync_returns_a_plain_function_itself() -> None:
    assert MockrcFlask("ours").ensure_sync(_plain) is _plain


# --- the URL adapter ----------------------------------------------------------------------------

_hosts = st.one_of(
    st.sampled_from(
        ["localhost", "LocalHost:5000", "127.0.0.1:80", "example.com:443", "[::1]:8080", "a..b", "x" * 70]
    ),
    st.text(alphabet=st.characters(codec="latin-1", exclude_categories=("Cs",)), min_size=0, max_size=20),
)
_wsgi_text = st.text(alphabet=st.characters(codec="latin-1"), max_size=20)


@st.composite
def _environs(draw: st.DrawFn) -> dict[str, Any]:
    environ = EnvironBuilder(
        path="/", method=draw(st.sampled_from(["GET", "POST", "PUT", "OPTIONS", "HEAD"]))
    ).get_environ()
    environ["wsgi.url_scheme"] = draw(st.sampled_from(["http", "https"]))
    host = draw(st.none() | _hosts)
    if host is None:
        del environ["HTTP_HOST"]
        environ["SERVER_NAME"] = draw(st.sampled_from(["localhost", "Server.Example"]))
        environ["SERVER_PORT"] = draw(st.sampled_from(["80", "443", "8080", "x"]))
    else:
        environ["HTTP_HOST"] = host
    for key in ("SCRIPT_NAME", "PATH_INFO", "QUERY_STRING"):
        value = draw(st.none() | _wsgi_text.map(lambda s: "/" + s))
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    connection = draw(st.sampled_from([None, "Upgrade", "keep-alive, upgrade", "close", " upgrade\t"]))
    if connection is not None:
        environ["HTTP_CONNECTION"] = connection
    upgrade = draw(st.sampled_from([None, "websocket", "WebSocket", "h2c"]))
    if upgrade is not None:
        environ["HTTP_UPGRADE"] = upgrade
    return environ


def _adapter_of(app: Flask, environ: dict[str, Any]) -> tuple[Any, ...]:
    """What Flask's request context would hold: the adapter's fields, request.host, and the match."""
    req = app.request_class(dict(environ))
    try:
        adapter = app.create_url_adapter(req)
    except HTTPException as error:
        return ("refused", type(error), error.code)
    assert adapter is not None
    fields = (
        adapter.server_name,
        adapter.script_name,
        adapter.subdomain,
        adapter.url_scheme,
        adapter.path_info,
        adapter.default_method,
        adapter.query_args,
        req.host,
    )
    try:
        rule, args = adapter.match(return_rule=True)
        matched: tuple[Any, ...] = (rule.endpoint, args)
    except RequestRedirect as redirect:
        matched = ("redirect", redirect.new_url)
    except HTTPException as error:
        matched = ("error", error.code, sorted(getattr(error, "valid_methods", None) or []))
    try:
        built = adapter.build("item", {"item_id": "a b/ü"}, force_external=True)
    except Exception as error:  # an unusable host builds nothing, in both
        built = type(error).__name__
    return fields, matched, built


@settings(max_examples=300, deadline=None)
@given(_environs())
def test_url_adapter_binds_as_flask_does(environ: dict[str, Any]) -> None:
    flask_app = _build(Flask, [], blueprint_hooks=False)
    ours = _build(MockrcFlask, [], blueprint_hooks=False)
    assert _adapter_of(ours, environ) == _adapter_of(flask_app, environ)


@pytest.mark.parametrize(
    "config",
    [{"SERVER_NAME": "example.com"}, {"TRUSTED_HOSTS": ["localhost"]}],
    ids=["server-name", "trusted-hosts"],
)
def test_url_adapter_defers_to_flask_when_configured(config: dict[str, Any]) -> None:
    environ = EnvironBuilder(path="/items/1", headers={"Host": "localhost"}).get_environ()
    flask_app = _build(Flask, [], blueprint_hooks=False)
    ours = _build(MockrcFlask, [], blueprint_hooks=False)
    flask_app.config.update(config)
    ours.config.update(config)
    assert _adapter_of(ours, environ) == _adapter_of(flask_app, environ)


@pytest.mark.parametrize(
    ("release", "expected"),
    [
        ("3.1.3", MockrcFlask),
        ("3.1.0rc1", MockrcFlask),
        ("3.0.3", Flask),
        ("3.2.0", Flask),
        ("4.0", Flask),
        ("dev", Flask),
    ],
)
def test_mockrc_flask_only_on_a_flask_release_it_was_verified_against(
    release: str, expected: type[Flask]
) -> None:
    # Its methods repeat Flask 3.1's bodies: another release runs on Flask itself, the same and slower.
    assert app_class(release) is expected


def test_the_installed_flask_is_one_mockrc_flask_was_verified_against() -> None:
    # The tests above compare MockrcFlask with this Flask: were it another release, they would
    # compare Flask with itself and say nothing.
    assert app_class() is MockrcFlask
