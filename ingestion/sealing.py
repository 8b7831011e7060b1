"""Text that must be kept but must not be readable without the PII key, sealed with AES-256-GCM.

A quarantined line has to stay as it was exported, so that someone can see what is wrong and fix
it; but it is a whole export row, phone, receiver name, address and Alipay account included, and
those are exactly what the loader pseudonymises everywhere else. So the warehouse keeps it sealed
under a key derived from the PII key, and only `python -m ingestion.quarantine` (run by someone
who holds the key) opens it. The contact points the outbox sends to are sealed the same way.

The nonce is derived from the text (the SIV idea): the same text under the same key seals to the
same token, so re-running a night writes the same bytes, and a nonce is only ever repeated with
the same plaintext, which reveals nothing but that equality.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TOKEN_PREFIX = "s1:"  # the sealing version, so a later scheme can be told apart
_KEY_LABEL = b"fugou sealing key v1"
_NONCE_LABEL = b"fugou sealing nonce v1"


class UnsealError(ValueError):
    """A token that this key did not seal (another key, or damaged)."""


def _keys(pii_key: bytes) -> tuple[bytes, bytes]:
    return (
        hmac.new(pii_key, _KEY_LABEL, hashlib.sha256).digest(),
        hmac.new(pii_key, _NONCE_LABEL, hashlib.sha256).digest(),
    )


class Sealer:
    """Seals and opens text under one PII key (the derived keys are worked out once)."""

    def __init__(self, pii_key: bytes) -> None:
        key, self._nonce_key = _keys(pii_key)
        self._aead = AESGCM(key)

    def seal(self, text: str | None) -> str | None:
        if text is None:
            return None
        data = text.encode("utf-8")
        nonce = hmac.new(self._nonce_key, data, hashlib.sha256).digest()[:12]
        sealed = self._aead.encrypt(nonce, data, None)
        return TOKEN_PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, token: str | None) -> str | None:
        if token is None:
            return None
        if not token.startswith(TOKEN_PREFIX):
            raise UnsealError("not a sealed token")
        try:
            raw = base64.b64decode(token[len(TOKEN_PREFIX) :], validate=True)
            return self._aead.decrypt(raw[:12], raw[12:], None).decode("utf-8")
        except Exception as exc:  # InvalidTag, bad base64: the message must not echo the token
            raise UnsealError("this key did not seal the token, or it is damaged") from exc
