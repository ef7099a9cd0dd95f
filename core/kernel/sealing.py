"""Authenticated encryption of personal data at rest (AES-256-GCM with key ids).

A sealed value is ``v1.<key id>.<base64url(nonce | ciphertext | tag)>``. The
associated data binds it to its column ("booking.client_name"), so a value
copied into another column does not open. Several keys may be configured: the
first seals, all open, so keys can be rotated while the server runs.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class SealingError(Exception):
    """A value cannot be opened: unknown key id, tampered, or not a sealed value."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_key() -> str:
    return _b64(AESGCM.generate_key(bit_length=256))


def parse_keyring(spec: str) -> dict[str, bytes]:
    """``"kid:base64key,kid2:base64key"``; the first one seals."""
    keys: dict[str, bytes] = {}
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        kid, sep, encoded = part.partition(":")
        if not sep or not _KEY_ID.match(kid):
            raise ValueError(f"data key {kid!r}: write it as <id>:<base64 key>")
        try:
            key = _unb64(encoded)
        except ValueError:
            raise ValueError(f"data key {kid!r} is not base64") from None
        if len(key) != 32:
            raise ValueError(f"data key {kid!r} must be 32 bytes (AES-256)")
        if kid in keys:
            raise ValueError(f"data key id {kid!r} appears twice")
        keys[kid] = key
    if not keys:
        raise ValueError("no data keys given")
    return keys


class Sealer:
    def __init__(self, keys: Mapping[str, bytes]) -> None:
        if not keys:
            raise ValueError("a sealer needs at least one key")
        self._keys = {kid: AESGCM(key) for kid, key in keys.items()}
        self.current_key_id = next(iter(keys))

    def seal(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(12)
        ciphertext = self._keys[self.current_key_id].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{VERSION}.{self.current_key_id}.{_b64(nonce + ciphertext)}"

    def open(self, sealed: str, *, context: str) -> str:
        version, _, rest = sealed.partition(".")
        kid, _, payload = rest.partition(".")
        if version != VERSION or not payload:
            raise SealingError("not a sealed value")
        aead = self._keys.get(kid)
        if aead is None:
            raise SealingError(f"value sealed with key {kid!r}, which is not configured")
        try:
            raw = _unb64(payload)
            return aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except (InvalidTag, ValueError) as exc:
            raise SealingError(f"sealed value does not open under key {kid!r} ({context})") from exc

    def seal_optional(self, plaintext: str | None, *, context: str) -> str | None:
        return None if plaintext is None else self.seal(plaintext, context=context)

    def open_optional(self, sealed: str | None, *, context: str) -> str | None:
        return None if sealed is None else self.open(sealed, context=context)

    @staticmethod
    def key_id_of(sealed: str) -> str:
        return sealed.split(".", 2)[1]
