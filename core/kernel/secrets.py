"""Password hashing and opaque tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended costs
# Verified against when a username is unknown, so timing does not reveal which
# usernames exist.
_DUMMY_HASH = _hasher.hash("sotesilta-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """256 bits from the OS generator, URL-safe."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    # Tokens are long and random, so a plain SHA-256 suffices (no brute force);
    # only the digest is stored.
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_digest(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def generate_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters
