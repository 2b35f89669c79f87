"""The generators' valid requests are valid: the fake accepts them. Without this, the property
tests could pass on nothing but refusals."""

from __future__ import annotations

import json
import random

from hypothesis import given
from hypothesis import strategies as st

from tests.property import strategies as s
from tests.property.conftest import Target
from tests.property.strategies import Request


@given(st.integers(0, 2**32))
def test_a_generated_valid_user_is_created_and_read_back(target: Target, seed: int) -> None:
    body = s.valid_user(s.RandomDraw(random.Random(seed)))
    target.fresh()
    created = target.exchange(
        Request(
            "scim.create", "POST", "/scim/v2/Users", {"Content-Type": s.SCIM_JSON}, json.dumps(body).encode()
        )
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    read = target.exchange(Request("scim.read", "GET", f"/scim/v2/Users/{user_id}"))
    assert read.status_code == 200
    assert read.json()["userName"] == body["userName"]


def test_a_mixed_run_gets_answers_of_every_kind(target: Target) -> None:
    """150 mixed requests from the fuzz generator: successes and refusals both occur (what else
    holds of each answer is test_requests.py's business)."""
    draw = s.RandomDraw(random.Random(0))
    statuses: set[int] = set()
    for _ in range(150):
        target.fresh()
        statuses.add(target.send(s.any_request(draw)).status_code // 100)
    assert {2, 4} <= statuses
