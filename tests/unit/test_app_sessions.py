"""The app keeps no Flask session (it sets no secret key): every request gets a null session."""

from __future__ import annotations

import pytest
from flask import session
from flask.sessions import NullSession

from mockrc.app import create_app


def test_a_request_has_a_null_session_that_refuses_writes_as_flasks_does() -> None:
    app = create_app()

    with app.test_request_context("/scim/v2/Users"):
        assert isinstance(session._get_current_object(), NullSession)  # type: ignore[attr-defined]
        assert dict(session) == {}
        with pytest.raises(RuntimeError, match="secret key"):
            session["user"] = "x"


def test_an_app_given_a_secret_key_has_flasks_sessions_again() -> None:
    app = create_app()
    app.secret_key = "for this test"

    with app.test_request_context("/scim/v2/Users"):
        session["user"] = "x"
        assert session["user"] == "x"
