"""What every test of the suite shares.

:mod:`mockrc.validation` skips jsonschema for a body its fast check calls valid. Here every
payload a test sends through a validator in this process (the many invalid bodies of
``tests/http`` and ``tests/property`` included) is judged both ways, and a disagreement fails
the test: the generated documents of ``tests/unit/test_fast_validation.py`` are one side of that
guarantee, the suite's own payloads the other.

The hypothesis profiles (``ci``, the default, and ``long``) are registered here, for every
``@given`` of the suite: ``tests/property/conftest.py`` says what each is for. Registered in a
conftest below this one, a test outside that directory ran with hypothesis's own defaults (a
200 ms deadline that a loaded machine's first example can miss) whenever that conftest was not
collected.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings

from mockrc import validation

_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=_SLOW_IS_FINE,
    print_blob=False,
)
settings.register_profile(
    "long",
    max_examples=2_000,
    deadline=None,
    database=None,
    suppress_health_check=_SLOW_IS_FINE,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _fast_validation_cross_checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    compiled = validation._compiled

    def cross_checked(profile: Any, kind: Any) -> Any:
        found = compiled(profile, kind)
        fast = found.known_valid
        if fast is None:
            return found

        def known_valid(payload: Any, fast: Callable[[Any], bool] = fast) -> bool:
            answer = fast(payload)
            errors = list(found.validator.iter_errors(payload))
            assert answer == (not errors), (
                f"the fast check of the {profile.name} {kind} schema says "
                f"{'valid' if answer else 'invalid'}, jsonschema {[e.message for e in errors]}: {payload!r}"
            )
            return answer

        return validation._Compiled(found.validator, known_valid)

    monkeypatch.setattr(validation, "_compiled", cross_checked)
    yield
