"""The request hooks of the app factory run in the order written there (issue 11).

The journal records last, so it holds the answer as it was sent: with the rate limiter's headers
and ``nosniff``; a request a scenario answers still meets the rate limits' absence and the journal.
"""

from __future__ import annotations

from mockrc.app import create_app
from mockrc.clock import FakeClock
from mockrc.ratelimit import RateLimiter, RateLimits
from mockrc.settings import Settings
from mockrc.state import MockState
from tests.http.conftest import Fake


def test_the_journal_records_the_answer_with_every_header_the_other_steps_added(fake: Fake) -> None:
    fake.state.rate_limiter = RateLimiter(RateLimits(), fake.clock)

    sent = fake.get("/scim/v2/Users")

    [entry] = fake.state.journal.entries()
    recorded = {name.lower(): value for name, value in entry.response.headers.items()}
    assert sent.headers["X-Rate-Limit-Group"] == recorded["x-rate-limit-group"] == "light"
    assert sent.headers["X-Content-Type-Options"] == recorded["x-content-type-options"] == "nosniff"


def test_a_refusal_of_the_guard_meets_no_rate_limit_and_is_journaled(fake: Fake) -> None:
    fake.state.rate_limiter = RateLimiter(RateLimits(light=1), fake.clock)

    refused = fake.get("/scim/v2/Users", headers={"Host": "attacker.example"})
    counted = fake.get("/scim/v2/Users")

    assert (refused.status_code, counted.status_code) == (421, 200)
    assert "X-Rate-Limit-Group" not in refused.headers
    assert counted.headers["X-Rate-Limit-Remaining"] == "0"
    assert [e.status for e in fake.state.journal.entries()] == [421, 200]


def test_the_control_plane_meets_no_scenario_and_no_rate_limit(fake: Fake) -> None:
    fake.state.rate_limiter = RateLimiter(RateLimits(light=1), fake.clock)
    activated = fake.post("/__mockrc/scenarios/auth-failure/activate", json={})
    assert activated.status_code == 200

    health = [fake.get("/__mockrc/health") for _ in range(3)]

    assert [h.status_code for h in health] == [200, 200, 200]
    assert all("X-Rate-Limit-Group" not in h.headers for h in health)
    assert fake.state.journal.entries() == []


def test_the_app_factory_registers_each_kind_of_hook_once() -> None:
    """Every step runs from one function per kind, in the order written in mockrc/app.py: no
    order rests on Flask running after-request functions in reverse order of registration."""
    app = create_app(MockState(Settings(), clock=FakeClock()))

    assert {name: len(funcs) for name, funcs in app.before_request_funcs.items()} == {None: 1}
    assert {name: len(funcs) for name, funcs in app.after_request_funcs.items()} == {None: 1}
    assert {name: len(funcs) for name, funcs in app.teardown_request_funcs.items()} == {None: 1}
