"""The shipped scenarios through both transports: tests/http's ``fake``, with scenarios active.

``@pytest.mark.scenario("NAME", ...)`` activates shipped scenarios on the fake's state before the
test runs; a test that needs the fake without them first (tokens issued before the trouble
starts) activates them itself with :func:`tests.scenarios.support.activate`.
"""

from __future__ import annotations

import pytest

from tests.http.conftest import Fake, fake  # noqa: F401 - the fixture itself, reused here


@pytest.fixture
def scenario_fake(fake: Fake, request: pytest.FixtureRequest) -> Fake:  # noqa: F811
    """``fake`` with the scenarios of the test's ``scenario`` marker active, in the order given."""
    marker = request.node.get_closest_marker("scenario")
    for name in marker.args if marker else ():
        fake.state.scenarios.activate(name)
    return fake


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scenario(*names): activate these shipped scenarios on the fake")
