"""Settings from the environment and an optional TOML file, validated at start-up.

Precedence: environment (``SOTESILTA_*``) over the TOML file named by
``SOTESILTA_CONFIG`` over defaults. Core's settings are the file's top-level keys; a
table (``[calendar]``) is a plugin's settings section, validated when the plugins load
(``sotesilta.core.kernel.plugins.sections``).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import tomllib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from sotesilta.core.accounts.domain import SessionPolicy
from sotesilta.core.kernel.db import normalise_url, sqlite_url
from sotesilta.core.kernel.sealing import generate_key, parse_keyring

SECRET_KEY_FILE = "secret.key"  # noqa: S105  (a file name)
DATA_KEYS_FILE = "data.keys"
INDEX_KEY_FILE = "index.key"
AUDIT_KEY_FILE = "audit.key"
MIN_SECRET_LENGTH = 32
#: the environment variable naming the TOML settings file
CONFIG_VARIABLE = "SOTESILTA_CONFIG"


class SettingsError(Exception):
    """Configuration is wrong; the message lists every problem, one per line."""


class OidcProvider(BaseModel):
    """One county's OpenID Connect provider (``[oidc_providers.<name>]``; docs/operators.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the wellbeing services county whose staff sign in here (e.g. "03")
    county: str = Field(pattern=r"^[0-9]{2}$")
    #: the button's text on the sign-in page, e.g. "Länsi-Uusimaa (Entra ID)"
    label: str = Field(min_length=1, max_length=100)
    #: the issuer exactly as the provider names itself; discovery is read from
    #: ``<issuer>/.well-known/openid-configuration``
    issuer: str
    client_id: str = Field(min_length=1)
    #: none: a public client (PKCE alone); otherwise sent as HTTP Basic (client_secret_basic)
    client_secret: SecretStr | None = None
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    #: the claims that name the user and list her groups (Entra ID: "groups" or "roles";
    #: AD FS: "group" or "role")
    username_claim: str = "preferred_username"
    name_claim: str = "name"
    groups_claim: str = "groups"
    #: group (a claim value) -> roles, municipality codes and station keys it gives
    roles: dict[str, tuple[str, ...]] = {}
    municipalities: dict[str, tuple[str, ...]] = {}
    stations: dict[str, tuple[str, ...]] = {}
    #: false: the county's staff may no longer sign in with a password (API tokens stay usable)
    password_sign_in: bool = True
    #: clock skew allowed for the id_token's times, seconds
    leeway_seconds: int = Field(default=60, ge=0, le=300)

    @field_validator("issuer")
    @classmethod
    def _issuer_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("the issuer must be an https:// URL (http only on 127.0.0.1 or localhost)")
        return value

    @model_validator(mode="after")
    def _openid_scope(self) -> OidcProvider:
        if "openid" not in self.scopes:
            raise ValueError("scopes must include 'openid'")
        if not self.roles:
            raise ValueError("roles must map at least one group to roles: nobody could sign in")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOTESILTA_", extra="forbid", frozen=True)

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str | None = None
    secret_key: SecretStr | None = None
    #: encryption keys for personal data: "id:base64key,..."; the first seals
    data_keys: SecretStr | None = None
    #: key of the keyed hash that finds identity codes; never rotated with data keys
    index_key: SecretStr | None = None
    #: Ed25519 private key (base64 of 32 bytes) that signs access-log checkpoints
    audit_key: SecretStr | None = None
    #: public keys (hex) of earlier audit keys whose checkpoints still count, e.g. of a lost key
    audit_trusted_keys: Annotated[tuple[str, ...], NoDecode] = ()
    #: access-log retention, years (Act 703/2023: 12 is the safe default)
    access_log_retention_years: int = Field(default=12, ge=1, le=100)
    public_base_url: str = "http://127.0.0.1:8000"
    default_language: Literal["fi", "sv", "en"] = "fi"
    blocked_plugins: Annotated[tuple[str, ...], NoDecode] = ()
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=12, ge=1, le=24 * 30)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_max_failures_per_address: int = Field(default=20, ge=1, le=10_000)
    login_max_failures_per_username: int = Field(default=50, ge=1, le=10_000)
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    login_lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: how long a nurse's hold protects a slot while she fills the form
    hold_minutes: int = Field(default=5, ge=1, le=60)
    #: calendar feeds: how far back and ahead they reach, and how long a cancelled event stays
    feed_past_days: int = Field(default=30, ge=0, le=366)
    feed_future_days: int = Field(default=180, ge=1, le=730)
    feed_tombstone_days: int = Field(default=30, ge=1, le=366)
    #: staff sign-in through each county's OpenID Connect provider, by a short name of
    #: letters, digits and '-' that appears in the sign-in address (/login/oidc/<name>)
    oidc_providers: dict[str, OidcProvider] = {}
    #: contact requests from the public: the response-time target in working days, by county
    #: code (e.g. {"03": 2}); a county not named gets 2
    contact_response_days: dict[str, Annotated[int, Field(ge=1, le=30)]] = {}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        document = read_config_file()
        if document is not None:
            # a table is a plugin's section, unless it names one of core's settings (then it is an error)
            own = {
                key: value
                for key, value in document.items()
                if not isinstance(value, dict) or key in cls.model_fields
            }
            sources.append(InitSettingsSource(settings_cls, init_kwargs=own))
        return tuple(sources)

    @field_validator("blocked_plugins", "audit_trusted_keys", mode="before")
    @classmethod
    def _split_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(name.strip() for name in value.split(",") if name.strip())
        return value

    @field_validator("audit_trusted_keys")
    @classmethod
    def _public_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for key in value:
            if len(key) != 64 or not all(c in "0123456789abcdefABCDEF" for c in key):
                raise ValueError(
                    f"{key[:16]!r}... is not an Ed25519 public key in hex (64 characters, as "
                    "`sotesilta audit public-key` prints it)"
                )
        return tuple(key.lower() for key in value)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return normalise_url(value.strip())
        except Exception as exc:
            raise ValueError(f"not a usable database URL ({exc})") from None

    @field_validator("public_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _production_needs_explicit_secrets(self) -> Settings:
        if self.env == "production":
            if self.secret_key is None:
                raise ValueError(
                    "SOTESILTA_SECRET_KEY is required when SOTESILTA_ENV=production "
                    "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
            if self.index_key is None:
                raise ValueError(
                    "SOTESILTA_INDEX_KEY is required when SOTESILTA_ENV=production (at least 32 random "
                    "characters; changing it later makes stored identity codes unfindable)"
                )
            if self.audit_key is None:
                raise ValueError(
                    "SOTESILTA_AUDIT_KEY is required when SOTESILTA_ENV=production (base64 of a "
                    "32-byte Ed25519 private key; it signs the access log's checkpoints)"
                )
            if self.data_keys is None:
                raise ValueError(
                    "SOTESILTA_DATA_KEYS is required when SOTESILTA_ENV=production "
                    "(generate one with: python -c 'from sotesilta.core.kernel.sealing import "
                    'generate_key; print("k1:" + generate_key())\')'
                )
            if self.database_url is None or self.database_url.startswith("sqlite"):
                raise ValueError(
                    "SOTESILTA_DATABASE_URL must name a PostgreSQL database when SOTESILTA_ENV=production"
                )
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"SOTESILTA_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters")
        if self.index_key is not None and len(self.index_key.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"SOTESILTA_INDEX_KEY must be at least {MIN_SECRET_LENGTH} characters")
        if self.data_keys is not None:
            try:
                parse_keyring(self.data_keys.get_secret_value())
            except ValueError as exc:
                raise ValueError(f"SOTESILTA_DATA_KEYS: {exc}") from None
        return self

    @field_validator("oidc_providers")
    @classmethod
    def _one_provider_per_county(cls, value: dict[str, OidcProvider]) -> dict[str, OidcProvider]:
        counties: dict[str, str] = {}
        for name, provider in value.items():
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,31}", name):
                raise ValueError(f"{name!r}: a provider's name is 1-32 of a-z, 0-9 and '-'")
            if provider.county in counties:
                raise ValueError(
                    f"{name!r} and {counties[provider.county]!r} are both for county {provider.county}"
                )
            counties[provider.county] = name
        return value

    @property
    def provider_origins(self) -> tuple[str, ...]:
        """The identity providers' origins (``https://host[:port]``), where the pages' forms
        may lead: the sign-in button's and the sign-out's answers redirect there."""
        return tuple(sorted({_origin(p.issuer) for p in self.oidc_providers.values()}))

    def response_days(self, county: str) -> int:
        """The county's response-time target for contact requests, in working days."""
        return self.contact_response_days.get(county, 2)

    @property
    def password_off_counties(self) -> frozenset[str]:
        """The counties whose staff sign in through their provider only."""
        return frozenset(p.county for p in self.oidc_providers.values() if not p.password_sign_in)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir)

    @property
    def is_embedded(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production" or self.public_base_url.startswith("https://")

    @property
    def session_policy(self) -> SessionPolicy:

        return SessionPolicy(
            idle_timeout=timedelta(minutes=self.session_idle_minutes),
            absolute_lifetime=timedelta(hours=self.session_absolute_hours),
            max_failed_logins=self.login_max_failures,
            max_failed_per_address=self.login_max_failures_per_address,
            max_failed_per_username=self.login_max_failures_per_username,
            failure_window=timedelta(minutes=self.login_window_minutes),
            lockout=timedelta(minutes=self.login_lockout_minutes),
        )

    @property
    def hold_duration(self) -> timedelta:
        return timedelta(minutes=self.hold_minutes)

    def secret(self) -> bytes:
        """The server secret: configured, or generated once into the data folder.

        Generating is allowed only outside production (validated above).
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        value = _read_or_create(self.data_dir / SECRET_KEY_FILE, lambda: secrets.token_urlsafe(48))
        if len(value) < MIN_SECRET_LENGTH:
            raise SettingsError(f"{self.data_dir / SECRET_KEY_FILE}: secret key file is too short or empty")
        return value.encode()

    def identity_index_key(self) -> bytes:
        """The HMAC key that finds identity codes: configured, or generated once."""
        if self.index_key is not None:
            return self.index_key.get_secret_value().encode()
        return _read_or_create(self.data_dir / INDEX_KEY_FILE, lambda: secrets.token_urlsafe(48)).encode()

    def audit_signing_key(self) -> bytes:
        """Raw Ed25519 private key bytes: configured, or generated once."""
        import base64

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        if self.audit_key is not None:
            encoded = self.audit_key.get_secret_value()
        else:
            encoded = _read_or_create(
                self.data_dir / AUDIT_KEY_FILE,
                lambda: base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode(),
            )
        raw = base64.b64decode(encoded)
        if len(raw) != 32:
            raise SettingsError("SOTESILTA_AUDIT_KEY must be the base64 of a 32-byte Ed25519 private key")
        return raw

    def keyring(self) -> dict[str, bytes]:
        """Data-encryption keys: configured, or generated once into the data folder."""
        if self.data_keys is not None:
            return parse_keyring(self.data_keys.get_secret_value())
        path = self.data_dir / DATA_KEYS_FILE
        spec = _read_or_create(path, lambda: f"k1:{generate_key()}")
        try:
            return parse_keyring(spec)
        except ValueError as exc:
            raise SettingsError(f"{path}: {exc}") from None


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    """Read a private file, creating it (mode 0600) on first use.

    Written to a private temporary file and linked into place, so two
    processes starting together never see a half-written key and never both
    write one: the second link fails and that process reads the first's.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_text().strip()


def config_file() -> Path | None:
    """The TOML settings file named by ``SOTESILTA_CONFIG``, if any."""
    named = os.environ.get(CONFIG_VARIABLE)
    return Path(named) if named else None


def read_config_file() -> dict[str, Any] | None:
    """The TOML settings file's content (``None`` without one); raises ``ValueError`` when it
    is missing or malformed and ``OSError`` when it cannot be read."""
    path = config_file()
    if path is None:
        return None
    if not path.is_file():
        raise ValueError(f"{path} does not exist or is not a file")
    with path.open("rb") as handle:
        return tomllib.load(handle)


def config_tables() -> dict[str, dict[str, Any]]:
    """The TOML settings file's tables that are the plugins' settings sections, by name."""
    try:
        document = read_config_file() or {}
    except (OSError, ValueError) as exc:
        raise SettingsError(f"{CONFIG_VARIABLE}: {exc}") from None
    # a table named like one of core's settings (``[oidc_providers.<name>]``) is core's
    return {
        key: value
        for key, value in document.items()
        if isinstance(value, dict) and key not in Settings.model_fields
    }


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings; raise ``SettingsError`` naming each bad value."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            location = ".".join(str(part) for part in error["loc"]) or "settings"
            if error["type"] == "extra_forbidden":
                # only the TOML file can carry unknown keys; env vars are matched by name
                lines.append(
                    f"{location}: unknown setting in {config_file()} "
                    "(a plugin's settings go in a table of its own, e.g. [calendar])"
                )
                continue
            name = f"SOTESILTA_{location.upper()}" if error["loc"] else location
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {message}")
        raise SettingsError("\n".join(lines)) from None
    except (OSError, ValueError) as exc:  # unreadable or malformed TOML file
        raise SettingsError(f"{CONFIG_VARIABLE}: {exc}") from None
