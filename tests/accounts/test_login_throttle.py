"""The login throttle stops guessing without becoming a tool to lock people out.

A guesser's address is locked for the username it fails (5), an address spraying many
usernames is locked for all (20), and only failures from several addresses together lock a
username everywhere (50). A known admin signs in from her own address meanwhile.
"""

from __future__ import annotations

import pytest
from support import PASSWORD

from sotesilta.core.accounts import service as accounts
from sotesilta.core.kernel.errors import AuthenticationFailed, LoginThrottled

WRONG = "nope-nope-nope"


def attempt(runtime, username: str, password: str, address: str) -> str:  # type: ignore[no-untyped-def]
    """``ok``, ``wrong`` or ``throttled``."""
    try:
        with runtime.uow() as uow:
            accounts.login(
                uow,
                username=username,
                password=password,
                secret=runtime.secret,
                policy=runtime.settings.session_policy,
                remote_addr=address,
            )
    except AuthenticationFailed:
        return "wrong"
    except LoginThrottled:
        return "throttled"
    return "ok"


@pytest.fixture
def admin(make_user):  # type: ignore[no-untyped-def]
    return make_user("espoo.admin", ["admin"])


def test_a_guessers_address_is_locked_but_the_admin_signs_in_from_her_own(runtime, admin, clock):
    policy = runtime.settings.session_policy
    assert [
        attempt(runtime, "espoo.admin", WRONG, "198.51.100.7") for _ in range(policy.max_failed_logins)
    ] == ["wrong"] * policy.max_failed_logins
    assert attempt(runtime, "espoo.admin", PASSWORD, "198.51.100.7") == "throttled"  # even the right one
    assert attempt(runtime, "espoo.admin", PASSWORD, "192.0.2.10") == "ok"  # her own address
    clock.advance(minutes=runtime.settings.login_lockout_minutes, seconds=1)
    assert attempt(runtime, "espoo.admin", PASSWORD, "198.51.100.7") == "ok"


def test_an_address_spraying_usernames_is_locked_for_every_username(runtime, admin, make_user):
    make_user("espoo.nurse", ["health_staff"])
    policy = runtime.settings.session_policy
    for number in range(policy.max_failed_per_address):
        assert attempt(runtime, f"someone{number}", WRONG, "203.0.113.5") == "wrong"
    assert attempt(runtime, "espoo.nurse", PASSWORD, "203.0.113.5") == "throttled"
    assert attempt(runtime, "espoo.nurse", PASSWORD, "192.0.2.11") == "ok"


def test_only_failures_from_many_addresses_together_lock_a_username_everywhere(runtime, admin):
    policy = runtime.settings.session_policy
    addresses = -(-policy.max_failed_per_username // policy.max_failed_logins)  # ceiling
    assert addresses > 1  # one address can never do it alone
    for number in range(addresses):
        for _ in range(policy.max_failed_logins):
            attempt(runtime, "espoo.admin", WRONG, f"198.51.100.{number}")
    assert attempt(runtime, "espoo.admin", PASSWORD, "192.0.2.10") == "throttled"


def test_one_address_alone_cannot_lock_a_username_everywhere(runtime, admin):
    policy = runtime.settings.session_policy
    for _ in range(policy.max_failed_per_username + 10):
        attempt(runtime, "espoo.admin", WRONG, "198.51.100.7")
    assert attempt(runtime, "espoo.admin", PASSWORD, "192.0.2.10") == "ok"
