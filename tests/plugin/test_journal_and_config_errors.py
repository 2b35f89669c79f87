"""The plugin's journal bounds (ini options), and what it calls bad configuration: a ConfigError,
and not any ValueError raised while the fake is built."""

from __future__ import annotations

import pytest

# Imported here, before any pytester run: an in-process run forgets the modules it imported, so a
# mockrc.state first imported inside one would be a fresh module in the next, and the patch below
# would miss the one the plugin uses (seen when tests/plugin runs alone).
import mockrc.state  # noqa: F401

pytest_plugins = ("pytester",)


def test_the_ini_options_bound_each_tests_journal(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmockrc_journal_size = 2\nmockrc_journal_bytes = 100000\n")
    pytester.makepyfile(
        """
import requests


def test_bounded(mockrc):
    for _ in range(3):
        requests.get(f"{mockrc.base_url}/scim/v2/Users", headers=mockrc.auth_headers)
    assert len(mockrc.journal.entries()) == 2
    assert mockrc.journal.max_bytes == 100000
"""
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


def test_a_journal_bound_that_is_not_a_whole_number_is_named(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmockrc_journal_size = many\n")
    pytester.makepyfile("def test_it(mockrc):\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["mockrc: ini option mockrc_journal_size must be a whole number, not 'many'"])


def test_a_value_error_inside_the_fake_is_not_called_bad_configuration(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
import pytest


@pytest.fixture(autouse=True)
def broken_seed(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug inside the fake")

    monkeypatch.setattr("mockrc.state.build_seed", broken)


def test_it(mockrc):
    pass
"""
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ValueError: a bug inside the fake*"])
    result.stdout.no_fnmatch_line("*cannot build the test's fake*")
