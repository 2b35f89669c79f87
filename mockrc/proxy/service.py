"""One proxied exchange: predict, forward, compare, remember.

:class:`Proxy` is what the HTTP step (:mod:`mockrc.http.proxy_forward`) calls with the request as
received; it answers an :class:`Exchange`: the upstream's answer to send back unchanged (or why
there is none), the request's violations under the fake's rules, and the journal's
:class:`~mockrc.proxy.findings.ProxyRecord`. The prediction never stands in the client's way:
should the private fake fail, the request is still forwarded and its prediction is ``undecided``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from mockrc.proxy.compare import compare
from mockrc.proxy.findings import Prediction, ProxyRecord
from mockrc.proxy.predict import Predictor
from mockrc.proxy.upstream import Upstream, UpstreamAnswer, UpstreamFailure
from mockrc.redaction import parse_json
from mockrc.violations import Violation


@dataclass(frozen=True)
class Exchange:
    """The outcome of one proxied request: ``answer`` to send back, or the ``failure`` that stood
    in its way; the request's ``violations``; and what the journal records of it."""

    answer: UpstreamAnswer | None
    failure: UpstreamFailure | None
    violations: tuple[Violation, ...]
    record: ProxyRecord
    #: The answer's body without its Content-Encoding, when it had one and it decoded (for the journal).
    decoded: bytes | None = None


def _json_of(answer: UpstreamAnswer, body: bytes | None) -> Any:
    """The upstream's (decoded) body as JSON, or None (not JSON, not decodable, unreadable)."""
    media_type = (answer.header("Content-Type") or "").split(";")[0].strip().lower()
    if not body or not (media_type.endswith("/json") or media_type.endswith("+json")):
        return None
    try:
        return parse_json(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


class Proxy:
    """Forwards to one upstream and checks each exchange against the fake. Thread-safe.

    The prediction runs on a thread of its own while the request is forwarded: it needs nothing
    of the upstream's answer, and the upstream's time is time the client waits anyway, so the
    proxy adds what is left of it (``python -m benchmarks.bench_proxy``). One thread, because
    the private fake answers one request at a time.
    """

    def __init__(self, upstream: Upstream, predictor: Predictor) -> None:
        self.upstream = upstream
        self.predictor = predictor
        self._predicting = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mockrc-predict")

    def _predict(
        self, method: str, path: str, query_string: bytes, headers: Sequence[tuple[str, str]], body: bytes
    ) -> tuple[Prediction, list[Violation]]:
        try:
            return self.predictor.predict(method, path, query_string, headers, body)
        except Exception as exc:  # the prediction must never stand in the client's way
            return Prediction("undecided", None, f"prediction failed: {type(exc).__name__}"), []

    def handle(
        self,
        method: str,
        path: str,
        target: str,
        query_string: bytes,
        headers: Sequence[tuple[str, str]],
        body: bytes,
    ) -> Exchange:
        """Forward ``method target`` (``path`` and ``query_string`` as received) and check the answer."""
        predicted = self._predicting.submit(self._predict, method, path, query_string, headers, body)
        try:
            answer = self.upstream.forward(method, target, headers, body)
        except UpstreamFailure as failure:
            prediction, violations = predicted.result()
            record = ProxyRecord(self.upstream.url, None, failure.reason, prediction)
            return Exchange(None, failure, tuple(violations), record)
        plain = answer.decoded()
        decoded = _json_of(answer, plain)
        prediction, violations = predicted.result()
        readable = plain is not None
        findings = compare(
            method, path, prediction, violations, answer.status, answer.headers, decoded, readable
        )
        self.predictor.observe(method, path, answer.status, decoded)
        record = ProxyRecord(self.upstream.url, answer.status, None, prediction, tuple(findings))
        return Exchange(answer, None, tuple(violations), record, plain if plain is not answer.body else None)

    def close(self) -> None:
        self._predicting.shutdown()
        self.upstream.close()
