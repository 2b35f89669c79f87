"""``mockrc serve`` imports nothing its first answer does not need (issue 12: first answer ≤ 0.3 s).

jsonschema (with referencing, attrs, rpds), pyyaml, faker, the report's XML writer and the CLI's
HTTP client cost ~70 ms of CPU together at start; each is imported when first used instead. A
fresh interpreter goes through what ``mockrc serve`` does up to its first answer and lists the
modules it loaded: asserted on the module names, never on a timing.
"""

from __future__ import annotations

import json
import subprocess
import sys

#: Up to the first answer: the CLI parses ``serve``, builds the state and the app, and the app
#: answers ``GET /__mockrc/health`` (a bare WSGI call: flask.testing would import more itself).
FIRST_ANSWER = """
import io, json, sys
from mockrc.cli.main import parse_args
from mockrc.app import create_app
from mockrc.settings import Settings
from mockrc.state import MockState

parse_args(["serve", "--port", "0"])
app = create_app(MockState(Settings(tokens=("t",))))
environ = {
    "REQUEST_METHOD": "GET", "PATH_INFO": "/__mockrc/health", "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http",
    "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "REMOTE_ADDR": "127.0.0.1",
}
statuses = []
b"".join(app(environ, lambda status, headers, *rest: statuses.append(status)))
print(json.dumps({"status": statuses[0], "modules": sorted(sys.modules)}))
"""

#: Imported only by what needs them: schema validation, YAML files, generated users, the JUnit
#: report, the CLI commands that call a running fake, the other commands' modules (imported when
#: their command runs), ctypes.util (whose find_library runs ``ldconfig -p``), the contract report
#: (the first one asked for imports it), SQLite (``--state-file`` only) and ``mockrc proxy``'s modules.
NOT_AT_START = (
    "jsonschema",
    "fastjsonschema",
    "referencing",
    "yaml",
    "faker",
    "xml.etree",
    "urllib.request",
    "urllib3",
    "requests",
    "mockrc.cli.commands",
    "mockrc.cli.proxy",
    "mockrc.cli.report",
    "mockrc.cli.replay",
    "ctypes.util",
    "mockrc.report",
    "mockrc.persistence",
    "sqlite3",
    "mockrc.proxy",
)


def test_the_first_answer_imports_no_schema_validator_yaml_parser_or_faker() -> None:
    result = subprocess.run(
        [sys.executable, "-c", FIRST_ANSWER], capture_output=True, text=True, check=True, timeout=120
    )
    found = json.loads(result.stdout)

    assert found["status"].startswith("200")
    loaded = [m for m in found["modules"] if any(m == n or m.startswith(n + ".") for n in NOT_AT_START)]
    assert loaded == []


def test_the_cli_s_copies_of_the_proxy_and_replay_defaults_are_theirs() -> None:
    """The CLI writes these defaults itself so its parser imports neither urllib3 nor requests."""
    from mockrc.cli import proxy as cli_proxy
    from mockrc.cli import replay as cli_replay
    from mockrc.proxy import upstream
    from mockrc.replay import http_target

    assert (cli_proxy.CONNECT_TIMEOUT, cli_proxy.READ_TIMEOUT) == (
        upstream.CONNECT_TIMEOUT,
        upstream.READ_TIMEOUT,
    )
    assert cli_replay.DEFAULT_TIMEOUT == http_target.DEFAULT_TIMEOUT
