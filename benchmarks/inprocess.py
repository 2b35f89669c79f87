"""In-process cost: a ``requests`` call answered by ``mock_ringcentral`` versus the floor of that transport.

The floor is built here from the libraries alone, not from mockrc's transport, so that overhead in
mockrc's own plumbing shows up in the ratio instead of hiding in the baseline: a ``requests`` call
matched by a ``responses`` callback that calls a one-line Flask JSON route as a WSGI application
(werkzeug's ``EnvironBuilder`` and ``run_wsgi_app``, the leanest standard way; Flask's test client
adds cookie handling and costs more). Both sides use one ``requests.Session`` and send the same
headers.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
import responses
from flask import Flask, Response, jsonify
from werkzeug.test import EnvironBuilder, run_wsgi_app

from benchmarks.workload import load_users, sample
from mockrc.mock import mock_ringcentral

FLOOR_ORIGIN = "https://floor.bench.example"


@dataclass(frozen=True)
class InProcess:
    """Best CPU seconds per call, over the rounds, for each way of answering a request in-process."""

    floor: float
    mock_health: float
    mock_get_user: float

    @property
    def ratio(self) -> float:
        """GET /Users/{id} through mock_ringcentral over the floor (the issue's target: <= 1.5)."""
        return self.mock_get_user / self.floor


def trivial_app() -> Flask:
    app = Flask("floor")

    @app.get("/ping")
    def ping() -> Response:
        return jsonify(status="ok")

    return app


@contextmanager
def floor_transport() -> Iterator[str]:
    """``responses`` routing requests for :data:`FLOOR_ORIGIN` into :func:`trivial_app`; yields its URL."""
    app = trivial_app()

    def answer(request: requests.PreparedRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        environ = EnvironBuilder(
            path=request.path_url,
            base_url=FLOOR_ORIGIN,
            method=str(request.method),
            headers=list(request.headers.items()),
            data=request.body,
        ).get_environ()
        body, status, headers = run_wsgi_app(app, environ, buffered=True)
        return int(status[:3]), headers.to_wsgi_list(), b"".join(body)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        url = re.compile(re.escape(FLOOR_ORIGIN) + "/")
        mock.add_callback("GET", url, callback=answer, content_type=None)
        yield f"{FLOOR_ORIGIN}/ping"


def per_call(call: Callable[[], None], number: int) -> float:
    """CPU seconds per call over ``number`` timed calls, after as many untimed ones to warm up.

    The process's CPU time, not wall time: both sides run in this one thread, and on a shared
    machine wall time counts whatever else the cores were doing (runs at a load of 4 gave ratios
    from 0.97 to 2.1 for the same code).
    """
    for _ in range(number):
        call()
    started = time.process_time()
    for _ in range(number):
        call()
    return (time.process_time() - started) / number


def _getter(session: requests.Session, urls: Iterator[str], headers: dict[str, str]) -> Callable[[], None]:
    def get() -> None:
        url = next(urls)
        status = session.get(url, headers=headers).status_code
        if status != 200:
            raise RuntimeError(f"GET {url} answered {status}")

    return get


def measure_in_process(*, users: int, number: int, rounds: int) -> InProcess:
    """Alternate rounds of the floor and of mock_ringcentral (health, GET by id); keep each one's best.

    The two transports are never active together (nested ``responses`` mocks would add a layer to
    one side), so each round starts its own, with a fresh fake holding ``users`` users. Alternating
    spreads any drift of the machine over both; the best round is the one least disturbed by other
    work, since background load can only add time.
    """
    floor_headers = {"Authorization": "Bearer not-checked-by-the-floor", "Accept": "application/scim+json"}
    floor, mock_health, mock_get_user = [], [], []
    for _ in range(rounds):
        with floor_transport() as url, requests.Session() as session:
            floor.append(per_call(_getter(session, itertools.repeat(url), floor_headers), number))
        with mock_ringcentral() as rc, requests.Session() as session:
            picked = sample(load_users(rc.state, users), 1000)
            headers = {**rc.auth_headers, "Accept": "application/scim+json"}
            health = itertools.repeat(f"{rc.base_url}/__mockrc/health")
            by_id = (f"{rc.base_url}/scim/v2/Users/{i}" for i in itertools.cycle(picked.ids))
            mock_health.append(per_call(_getter(session, health, headers), number))
            mock_get_user.append(per_call(_getter(session, by_id, headers), number))
    return InProcess(min(floor), min(mock_health), min(mock_get_user))
