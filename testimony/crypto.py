"""Encryption at rest, composed from the `cryptography` package's primitives.

Three building blocks, each versioned by a leading byte so formats can change later:

* `encrypt`/`decrypt`: AES-256-GCM under a symmetric key, with associated data that binds a
  ciphertext to its place (submission and kind), so blobs cannot be swapped between rows.
* `wrap`/`unwrap`: an ECIES-style sealed box (it wraps data keys for one reader). An ephemeral X25519 key agrees a secret with the
  recipient's public key; HKDF-SHA256 turns it into an AES-256-GCM key. Used to wrap the
  random data key of each sealed blob to every reader (moderators, the recovery key, and for
  messages the submitter).
* `password_key`: Argon2id (argon2-cffi's low-level `hash_secret_raw`) turning a password or
  codename into key material.

No primitive is written here; only their composition.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
AEAD_VERSION = b"\x01"
SEAL_VERSION = b"\x01"
SEAL_INFO = b"testimony sealed box v1"


class CryptoError(Exception):
    """Base class: something encrypted could not be used."""


class MalformedCiphertext(CryptoError):
    """The bytes are not one of our ciphertexts (wrong version, truncated)."""


class DecryptionFailed(CryptoError):
    """Authentication failed: wrong key, wrong associated data, or altered bytes."""


@dataclass(frozen=True)
class KeyPair:
    private: bytes
    public: bytes


def random_key() -> bytes:
    return os.urandom(KEY_BYTES)


def generate_keypair() -> KeyPair:
    return keypair_from_seed(os.urandom(KEY_BYTES))


def keypair_from_seed(seed: bytes) -> KeyPair:
    """An X25519 key pair from 32 bytes (X25519 clamps any 32 bytes into a valid scalar)."""
    private = X25519PrivateKey.from_private_bytes(seed)
    return KeyPair(private=seed, public=_raw_public(private.public_key()))


def encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return AEAD_VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 1 + NONCE_BYTES + TAG_BYTES or blob[:1] != AEAD_VERSION:
        raise MalformedCiphertext("not an encrypted blob of a known version")
    if len(key) != KEY_BYTES:
        raise DecryptionFailed("key has the wrong length")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag as exc:
        raise DecryptionFailed("ciphertext did not authenticate") from exc


def wrap(recipient_public: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt to a public key; only the holder of the private key can open it."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _raw_public(ephemeral.public_key())
    try:
        recipient = X25519PublicKey.from_public_bytes(recipient_public)
    except ValueError as exc:
        raise MalformedCiphertext("recipient public key is not 32 bytes") from exc
    key = _box_key(ephemeral.exchange(recipient), ephemeral_public, recipient_public)
    return SEAL_VERSION + ephemeral_public + encrypt(key, plaintext, aad)


def unwrap(private: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 1 + KEY_BYTES or blob[:1] != SEAL_VERSION:
        raise MalformedCiphertext("not a sealed box of a known version")
    ephemeral_public, inner = blob[1 : 1 + KEY_BYTES], blob[1 + KEY_BYTES :]
    try:
        me = X25519PrivateKey.from_private_bytes(private)
        shared = me.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError as exc:
        # A low-order ephemeral point gives an all-zero secret, which cryptography refuses.
        raise DecryptionFailed("sealed box key agreement failed") from exc
    key = _box_key(shared, ephemeral_public, _raw_public(me.public_key()))
    return decrypt(key, inner, aad)


def password_key(secret: bytes, salt: bytes, *, time_cost: int, memory_kib: int) -> bytes:
    """32 bytes of key material from a password or codename, with Argon2id."""
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=time_cost,
        memory_cost=memory_kib,
        parallelism=1,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _box_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    # Both public keys go into HKDF's info so a box cannot be re-targeted to another key.
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=SEAL_INFO + ephemeral_public + recipient_public,
    )
    return hkdf.derive(shared)


def _raw_public(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
