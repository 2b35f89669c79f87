"""One answer each to "is this SCIM?", "is this the control plane?", "is this mockrc's own?",
and one reader of a Bearer header (issue 11)."""

from __future__ import annotations

import pytest

from mockrc.http.auth import bearer_token_of
from mockrc.paths import is_control_path, is_own_path, is_scim_path


@pytest.mark.parametrize(
    ("path", "scim", "control", "own"),
    [
        ("/scim", True, False, False),
        ("/scim/v2/Users", True, False, False),
        ("/scimitar", False, False, False),
        ("/restapi/oauth/token", False, False, False),
        ("/__mockrc", False, True, True),
        ("/__mockrc/journal", False, True, True),
        ("/__mockrcx", False, False, False),
        ("/favicon.ico", False, False, True),
    ],
)
def test_each_path_has_one_answer(path: str, scim: bool, control: bool, own: bool) -> None:
    assert (is_scim_path(path), is_control_path(path), is_own_path(path)) == (scim, control, own)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer   abc  ", "abc"),
        ("  BEARER abc", "abc"),
        ("Bearer", None),
        ("Bearer   ", None),
        ("Basic YTpi", None),
        ("", None),
        (None, None),
    ],
)
def test_a_bearer_header_is_read_in_one_place(header: str | None, token: str | None) -> None:
    assert bearer_token_of(header) == token
