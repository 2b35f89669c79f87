"""What every test of the suite shares.

:mod:`mockrc.validation` skips jsonschema for a body its fast check calls valid. Here every
payload a test sends through a validator in this process (the many invalid bodies of
``tests/http`` and ``tests/property`` included) is judged both ways, and a disagreement fails
the test: the generated documents of ``tests/unit/test_fast_validation.py`` are one side of that
guarantee, the suite's own payloads the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mockrc import validation


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
