"""Signing in through an OpenID provider, without one: the claims' mapping, the pending
sign-in's single use, the account made or found from verified claims, password sign-in turned
off per county, and the settings that configure a provider. The round trip through a real
provider is tests/system/test_oidc_sign_in.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from support import PASSWORD, TEST_SECRET

from sotesilta.core.accounts import service as accounts
from sotesilta.core.accounts import sso
from sotesilta.core.accounts.domain import claimed_groups, granted_by_groups
from sotesilta.core.accounts.oidc import FlowSecrets, SignInRefused
from sotesilta.core.accounts.service import PasswordSignInOff
from sotesilta.core.accounts.tables import UserAccount, UserRole
from sotesilta.core.kernel.errors import AuthenticationFailed
from sotesilta.core.kernel.settings import OidcProvider, SettingsError, load_settings

ISSUER = "https://login.example.fi/lu/v2.0"


def provider(**changes: Any) -> OidcProvider:
    config: dict[str, Any] = {
        "county": "03",
        "label": "Länsi-Uusimaa",
        "issuer": ISSUER,
        "client_id": "sotesilta",
        "roles": {"nurses": ["health_staff"], "instructors": ["instructor"]},
        "municipalities": {"espoo": ["049"], "lohja": ["444"], "lahti": ["398"]},
    }
    return OidcProvider(**{**config, **changes})


# --- the mapping -----------------------------------------------------------------------------

groups = st.sets(st.sampled_from(["a", "b", "c", "d", "e"]))
mapping = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e"]), st.lists(st.sampled_from(["x", "y", "z"]), max_size=3)
)


@given(held=groups, roles=mapping)
def test_a_group_gives_exactly_what_it_is_mapped_to_and_removing_one_never_gives_more(
    held: set[str], roles: dict[str, list[str]]
) -> None:
    granted = granted_by_groups(held, roles=roles, municipalities={}, stations={})
    assert granted.roles == {value for group in held for value in roles.get(group, ())}
    for group in held:
        fewer = granted_by_groups(held - {group}, roles=roles, municipalities={}, stations={})
        assert fewer.roles <= granted.roles


def test_a_groups_claim_is_a_list_of_strings_or_one_string() -> None:
    assert claimed_groups(["a", 3, "b", None]) == ("a", "b")
    assert claimed_groups("a") == ("a",)  # AD FS sends one group as a string
    assert claimed_groups({"a": 1}) == ()
    assert claimed_groups(None) == ()


def test_the_nonce_and_verifier_belong_to_one_browser_and_one_state() -> None:
    one = FlowSecrets.derive(b"s" * 32, "browser", "state")
    assert one == FlowSecrets.derive(b"s" * 32, "browser", "state")
    assert one.nonce != FlowSecrets.derive(b"s" * 32, "another", "state").nonce
    assert one.verifier != FlowSecrets.derive(b"s" * 32, "browser", "another").verifier
    assert len(one.verifier) == 43 and len(one.challenge) == 43


# --- the pending sign-in ---------------------------------------------------------------------


def test_a_pending_sign_in_is_used_once_by_its_own_browser_within_ten_minutes(runtime, clock) -> None:  # type: ignore[no-untyped-def]
    def begin(state: str) -> None:
        with runtime.uow() as uow:
            sso.start_sign_in(uow, provider="lu", state_digest=state, browser_digest="b1", next_path="/work")

    def take(state: str, browser: str = "b1") -> str:
        try:
            with runtime.uow() as uow:
                return sso.take_sign_in(uow, state_digest=state, browser_digest=browser).next_path
        except SignInRefused as refused:
            return refused.reason

    begin("s1")
    assert take("s1") == "/work"
    assert take("s1") == "state-unknown-or-used"
    begin("s2")
    assert take("s2", browser="b2") == "state-of-another-browser"
    assert take("s2") == "state-unknown-or-used"  # the other browser's try used it up
    begin("s3")
    clock.advance(minutes=10, seconds=1)
    assert take("s3") == "state-expired"


# --- the account from the claims --------------------------------------------------------------


def sign_in(runtime, claims: dict[str, Any], config: OidcProvider | None = None) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        _, user_id = sso.sign_in_with_claims(
            uow,
            provider="lu",
            config=config or provider(),
            claims={"iss": ISSUER, **claims},
            secret=runtime.secret,
            absolute_lifetime=runtime.settings.session_policy.absolute_lifetime,
        )
    return user_id


def roles_of(runtime, user_id: int) -> set[str]:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return set(uow.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))


def test_the_account_is_found_by_issuer_and_subject_whatever_its_username_becomes(runtime) -> None:  # type: ignore[no-untyped-def]
    first = sign_in(
        runtime, {"sub": "abc", "preferred_username": "nora@lu.fi", "groups": ["nurses", "espoo"]}
    )
    again = sign_in(
        runtime, {"sub": "abc", "preferred_username": "nora.n@lu.fi", "groups": ["nurses", "espoo"]}
    )
    assert again == first
    # the same name from another subject is another person: refused, not linked
    with pytest.raises(SignInRefused) as refused:
        sign_in(runtime, {"sub": "xyz", "preferred_username": "nora@lu.fi", "groups": ["nurses", "espoo"]})
    assert refused.value.reason == "username-taken"


def test_an_existing_password_account_is_never_taken_over_by_its_username(runtime, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("nora@lu.fi", ["admin"])
    with pytest.raises(SignInRefused) as refused:
        sign_in(runtime, {"sub": "abc", "preferred_username": "nora@lu.fi", "groups": ["nurses", "espoo"]})
    assert refused.value.reason == "username-taken"


def test_only_the_providers_own_countys_municipalities_are_given(runtime) -> None:  # type: ignore[no-untyped-def]
    user_id = sign_in(
        runtime, {"sub": "abc", "preferred_username": "n@lu.fi", "groups": ["nurses", "espoo", "lahti"]}
    )
    with runtime.uow() as uow:
        assert accounts.get_user(uow, user_id).municipalities == ("049",)


def test_a_disabled_account_stays_disabled_whatever_its_groups(runtime) -> None:  # type: ignore[no-untyped-def]
    user_id = sign_in(runtime, {"sub": "abc", "preferred_username": "n@lu.fi", "groups": ["nurses", "espoo"]})
    with runtime.uow() as uow:
        accounts.disable_user(uow, user_id=user_id)
    with pytest.raises(SignInRefused) as refused:
        sign_in(runtime, {"sub": "abc", "preferred_username": "n@lu.fi", "groups": ["nurses", "espoo"]})
    assert refused.value.reason == "account-disabled"


def test_groups_that_give_no_role_refuse_and_take_the_roles_away(runtime) -> None:  # type: ignore[no-untyped-def]
    user_id = sign_in(runtime, {"sub": "abc", "preferred_username": "n@lu.fi", "groups": ["nurses", "espoo"]})
    assert roles_of(runtime, user_id) == {"health_staff"}
    with pytest.raises(SignInRefused) as refused:
        sign_in(runtime, {"sub": "abc", "preferred_username": "n@lu.fi", "groups": ["espoo"]})
    assert refused.value.reason == "no-role"
    assert roles_of(runtime, user_id) == set()


def test_a_mapping_to_an_unknown_role_refuses_rather_than_guessing(runtime) -> None:  # type: ignore[no-untyped-def]
    config = provider(roles={"nurses": ["nurse"]})
    with pytest.raises(SignInRefused) as refused:
        sign_in(
            runtime, {"sub": "abc", "preferred_username": "n@lu.fi", "groups": ["nurses", "espoo"]}, config
        )
    assert refused.value.reason == "mapping-names-unknown-role"
    with runtime.uow() as uow:
        assert uow.session.scalar(select(UserAccount.id).where(UserAccount.username == "n@lu.fi")) is None


# --- passwords turned off per county ----------------------------------------------------------


def password_login(runtime, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        accounts.login(
            uow,
            username=username,
            password=password,
            secret=runtime.secret,
            policy=runtime.settings.session_policy,
            password_off_counties=frozenset({"03"}),
        )


def test_a_county_without_passwords_refuses_them_only_to_its_own_staff(runtime, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("espoo.nurse", ["health_staff"], ["049"])  # Länsi-Uusimaa (03)
    make_user("lahti.nurse", ["health_staff"], ["398"])  # Päijät-Häme (09)
    with pytest.raises(PasswordSignInOff):
        password_login(runtime, "espoo.nurse")
    password_login(runtime, "lahti.nurse")
    # a wrong password is the usual refusal: it does not tell whose county turned passwords off
    with pytest.raises(AuthenticationFailed) as wrong:
        password_login(runtime, "espoo.nurse", "wrong-password-x")
    assert not isinstance(wrong.value, PasswordSignInOff)


# --- the pages --------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    lu = provider(password_sign_in=False).model_dump()
    return load_settings(
        data_dir=tmp_path, database_url=database_url, secret_key=TEST_SECRET, oidc_providers={"lu": lu}
    )


def test_the_sign_in_page_offers_the_countys_provider(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    assert 'action="/login/oidc/lu"' in page.text and "Länsi-Uusimaa" in page.text
    # a browser holds a form's redirects to form-action: the button's answer leads there
    policy = page.headers["content-security-policy"]
    assert "form-action 'self' https://login.example.fi;" in policy


def test_the_callback_takes_an_all_digit_code_and_state_as_text_and_refuses_an_unknown_state(client) -> None:  # type: ignore[no-untyped-def]
    # a provider's code may be all digits: not a number out of range (422), just an unknown state
    response = client.get("/login/oidc/lu/callback?code=123456789012345678901234&state=98765432109876543210")
    assert response.status_code == 400
    assert "sotesilta_session" not in response.cookies
    assert client.get("/login/oidc/nobody/callback?code=1&state=2").status_code == 404
    # elsewhere the query's numbers are still checked
    assert client.get("/login?next=99999999999999999999").status_code == 422


# --- the settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scopes": ["profile"]}, "openid"),
        ({"roles": {}}, "roles must map"),
        ({"issuer": "http://idp.example.fi"}, "https"),
        ({"county": "3"}, "(?i)county"),
    ],
)
def test_a_provider_that_cannot_work_stops_start_up(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    settings = provider().model_dump() | changes
    with pytest.raises(SettingsError, match=message):
        load_settings(data_dir=tmp_path, oidc_providers={"lu": settings})


def test_one_provider_per_county_with_a_name_fit_for_an_address(tmp_path: Path) -> None:
    lu = provider().model_dump()
    with pytest.raises(SettingsError, match="both for county 03"):
        load_settings(data_dir=tmp_path, oidc_providers={"lu": lu, "lu-2": lu})
    with pytest.raises(SettingsError, match="a-z, 0-9"):
        load_settings(data_dir=tmp_path, oidc_providers={"Länsi Uusimaa": lu})
    both = load_settings(
        data_dir=tmp_path,
        oidc_providers={"lu": lu, "ph": provider(county="09", password_sign_in=False).model_dump()},
    )
    assert both.password_off_counties == {"09"}
