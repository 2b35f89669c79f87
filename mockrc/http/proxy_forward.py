"""The proxy's step in the app factory: RingCentral's paths are forwarded, not answered.

In proxy mode (:func:`mockrc.app.create_proxy_app`) this step answers every request to a
RingCentral path in place of the scenario overlay, the rate limits and the views: it hands the
request as received to :class:`mockrc.proxy.service.Proxy` and sends the upstream's answer back
unchanged. The request's violations join the request's log (the journal records them as in fake
mode); the fidelity findings ride on ``g.proxy_record``. An upstream that gave no answer is a
502 or 504 (:class:`~mockrc.errors.BadGateway`, :class:`~mockrc.errors.GatewayTimeout`),
answered by the error handlers like every other error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import Request, Response, g

from mockrc.errors import BadGateway, GatewayTimeout
from mockrc.journal import wsgi_headers

if TYPE_CHECKING:
    from mockrc.proxy.service import Proxy


class ForwardedResponse(Response):
    """The upstream's answer as it came: no Content-Type of Flask's when it sent none."""

    default_mimetype = None


def _header_name(wsgi_key: str) -> str:
    return wsgi_key.removeprefix("HTTP_").replace("_", "-").title()


def _target(req: Request) -> str:
    """The path and query as the client sent them (the server's raw URI when it keeps one)."""
    raw = req.environ.get("RAW_URI") or req.environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw.startswith("/"):
        return raw
    # PATH_INFO is percent-decoded, as bytes read as latin-1 (PEP 3333): encode it again.
    path = quote(req.environ.get("PATH_INFO", "").encode("latin-1"), safe="/:@!$&'()*+,;=-._~")
    query = req.environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


def forward(proxy: Proxy, req: Request) -> Response:
    """Forward ``req`` to the upstream and answer what it answered."""
    headers = [(_header_name(key), value) for key, value in wsgi_headers(req.environ)]
    body = req.get_data(cache=True)
    exchange = proxy.handle(req.method, req.path, _target(req), req.query_string, headers, body)
    g.proxy_record = exchange.record
    g.violations.extend(exchange.violations)
    if exchange.answer is None:
        failure = exchange.failure
        reason = failure.reason if failure is not None else "no answer"
        raise (GatewayTimeout if failure is not None and failure.status == 504 else BadGateway)(
            f"mockrc proxy: {reason}"
        )
    g.proxied = True
    if exchange.decoded is not None:  # the journal shows the body decoded (the client gets it as sent)
        g.journal_response_body = exchange.decoded
    answer = exchange.answer
    return ForwardedResponse(answer.body, status=answer.status, headers=list(answer.headers))
