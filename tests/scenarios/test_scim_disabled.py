"""``scim-disabled``: the directory provider is not SCIM: 403 "Feature [Bulk Assign] is not available"."""

from __future__ import annotations

import pytest

from tests.helpers import minimal_user
from tests.http.conftest import Fake
from tests.scenarios.support import login, scim, scim_error

pytestmark = pytest.mark.scenario("scim-disabled")

NOT_AVAILABLE = scim_error(403, "Feature [Bulk Assign] is not available")


def test_tokens_are_issued_but_every_scim_call_is_refused(scenario_fake: Fake) -> None:
    token = login(scenario_fake)["access_token"]

    listed = scim(scenario_fake, "GET", "/Users", token)
    created = scim(scenario_fake, "POST", "/Users", token, json=minimal_user("a@example.com"))

    assert (listed.status_code, listed.json()) == (403, NOT_AVAILABLE)
    assert (created.status_code, created.json()) == (403, NOT_AVAILABLE)
    assert scenario_fake.state.users.search(None).total == 0


def test_the_fake_s_own_token_and_later_tokens_are_refused_too(scenario_fake: Fake) -> None:
    first = scenario_fake.get("/scim/v2/ServiceProviderConfig")
    later = scim(scenario_fake, "GET", "/ResourceTypes", login(scenario_fake)["access_token"])

    assert (first.status_code, first.json()) == (403, NOT_AVAILABLE)
    assert (later.status_code, later.json()) == (403, NOT_AVAILABLE)
