"""The host policy of the request guard, and how ``mockrc serve`` fills it from its options."""

from __future__ import annotations

import socket

import pytest

from mockrc.cli.main import main, parse_args
from mockrc.cli.serve import allowed_hosts
from mockrc.http.guard import HostPolicy, parse_allowed_host
from mockrc.settings import Settings


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("localhost", True),
        ("localhost:8080", True),
        ("LocalHost.:8080", True),
        ("127.0.0.1", True),
        ("127.255.0.3:1", True),
        ("[::1]", True),
        ("[::1]:8080", True),
        ("platform.ringcentral.com", True),
        ("platform.devtest.ringcentral.com:443", True),
        ("platform.ringcentral.com.evil.example", False),
        ("evil.example", False),
        ("localhost.evil.example", False),
        ("10.0.0.1", False),
        ("[::2]", False),
        ("::1", False),  # not a Host header: an IPv6 address needs its brackets
        ("localhost:http", False),
        ("user@localhost", False),
        ("localhost/x", False),
        ("", False),
    ],
)
def test_the_default_policy_answers_loopback_and_ringcentral_s_hosts_only(host: str, allowed: bool) -> None:
    assert HostPolicy.of(Settings()).allows(host) is allowed


def test_allowed_hosts_add_names_addresses_and_networks() -> None:
    policy = HostPolicy.of(
        Settings(allowed_hosts=("MockRC.test", "192.0.2.7", "10.0.0.0/8", "2001:db8::/32"))
    )

    assert [
        policy.allows(h)
        for h in ("mockrc.test:80", "192.0.2.7", "192.0.2.8", "10.9.9.9:1", "[2001:db8::1]", "x.mockrc.test")
    ] == [True, True, False, True, True, False]


def test_a_star_answers_every_host() -> None:
    assert HostPolicy.of(Settings(allowed_hosts=("*",))).allows("anything.example:1")


@pytest.mark.parametrize(
    "entry", ["mockrc.test:8080", "http://mockrc.test", "a b", "", "bad/33", "ünï.example"]
)
def test_an_allowed_host_that_is_not_a_host_is_refused_saying_what_to_write(entry: str) -> None:
    with pytest.raises(ValueError, match="is not a host name, an IP address, a network"):
        parse_allowed_host(entry)


def test_serve_answers_for_its_host_and_its_allowed_hosts() -> None:
    assert allowed_hosts("mockrc.test", False, []) == ("mockrc.test",)
    assert allowed_hosts("127.0.0.1", False, ["a.test", "b.test"]) == ("127.0.0.1", "a.test", "b.test")
    assert allowed_hosts("0.0.0.0", False, ["a.test"]) == ("a.test",)  # nobody sends a wildcard as Host
    assert allowed_hosts("::", False, ["a.test"]) == ("a.test",)


@pytest.mark.parametrize("listed", [[], ["a.test"]])
def test_allow_remote_answers_addresses_and_the_machine_s_names_and_the_list(listed: list[str]) -> None:
    hosts = allowed_hosts("0.0.0.0", True, listed)
    policy = HostPolicy.of(Settings(allowed_hosts=hosts))

    assert {socket.gethostname(), "0.0.0.0/0", "::/0"} <= set(hosts)
    assert policy.allows("192.0.2.1:8080") and policy.allows("[2001:db8::1]:8080")
    assert policy.allows(socket.gethostname())
    assert not policy.allows("attacker.example")
    assert policy.allows("a.test") is bool(listed)


def test_allowed_hosts_come_from_the_environment_too() -> None:
    args = parse_args(["serve"], {"MOCKRC_ALLOWED_HOST": "a.test, 10.0.0.0/8"})

    assert args.allowed_host == ["a.test", "10.0.0.0/8"]


def test_a_bad_allowed_host_stops_serve_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--allowed-host", "mockrc.test:8080"])

    assert stopped.value.code == 2
    assert "'mockrc.test:8080' is not a host name" in capsys.readouterr().err


def test_verdicts_are_remembered_for_a_bounded_number_of_short_host_values() -> None:
    policy = HostPolicy.of(Settings())
    long_host = "a" * 5000 + ".example"

    answers = [policy.allows(f"host{i}.example") for i in range(200)] + [policy.allows(long_host)]

    assert not any(answers)
    assert 0 < len(policy._verdicts) <= 64
    assert long_host not in policy._verdicts
    assert policy.allows("localhost:1") and policy.allows("localhost:1")
