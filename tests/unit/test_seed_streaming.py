"""Generated seed users are generated again on each pass, not kept: the same users every time."""

from __future__ import annotations

from mockrc.seed import build_seed, generate_users, iter_generated_users


def test_a_seed_of_generated_users_yields_the_same_users_on_every_pass_and_keeps_none() -> None:
    seed = build_seed([50, "small-team"], seed=4)

    first = [(u.source, u.body) for u in seed.users]
    again = [(u.source, u.body) for u in seed.users]

    assert len(seed.users) == len(first) == 53
    assert first == again
    assert [body for _, body in first[3:]] == generate_users(
        50, seed=4, taken=[b["userName"] for _, b in first[:3]]
    )
    # Nothing generated is held between passes: the seed keeps the count and how to generate.
    assert seed.users.count == 50 and len(seed.users.files) == 3


def test_users_are_generated_one_at_a_time() -> None:
    users = iter_generated_users(10**9, seed=1)

    assert next(users) == generate_users(1, seed=1)[0]
