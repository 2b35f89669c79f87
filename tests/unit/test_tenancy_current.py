"""Each app reads its own request's account: the choice of one app never leaks into another's.

Two apps live in one process whenever in-process mocks nest or ``mockrc proxy`` runs its private
fake; a request of one in progress must not change which account the other's views read.
"""

from __future__ import annotations

from mockrc.http.tenancy import CurrentAccount
from mockrc.settings import Settings
from mockrc.state import MockState


def test_an_account_chosen_for_one_app_is_not_what_another_reads() -> None:
    first, second, chosen = MockState(Settings()), MockState(Settings()), MockState(Settings())
    current_first, current_second = CurrentAccount(first), CurrentAccount(second)

    token = current_first.choose(chosen)
    try:
        assert current_first.journal is chosen.journal
        assert current_second.journal is second.journal
    finally:
        current_first.release(token)
    assert current_first.journal is first.journal
