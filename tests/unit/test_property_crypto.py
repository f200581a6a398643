"""Properties of the encryption at rest (hypothesis): everything round-trips, and any damage
(a flipped byte anywhere, a swapped key, a truncated blob, moved associated data) is refused
with a named error, never garbage plaintext and never some other exception.

The exact error is part of the contract: `MalformedCiphertext` when the bytes cannot be one of
our formats (wrong version byte, too short to hold nonce and tag), `DecryptionFailed` when
they could be but do not authenticate.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from testimony import crypto, instance_keys

PROPS = settings(max_examples=150, deadline=None)

keys = st.binary(min_size=crypto.KEY_BYTES, max_size=crypto.KEY_BYTES)
plaintexts = st.binary(max_size=2048)
aads = st.binary(max_size=64)
# An X25519 private key is any 32 bytes (the scalar is clamped), so seeds cover every key pair.
seeds = st.binary(min_size=32, max_size=32)

# encrypt(): version (1) + nonce (12) + ciphertext + tag (16)
AEAD_MIN = 1 + crypto.NONCE_BYTES + crypto.TAG_BYTES
# seal(): version (1) + ephemeral public key (32) + encrypt(...)
SEAL_HEADER = 1 + crypto.KEY_BYTES


def _flip(blob: bytes, position: int, mask: int) -> bytes:
    damaged = bytearray(blob)
    damaged[position] ^= mask
    return bytes(damaged)


# ---- AES-256-GCM blobs -----------------------------------------------------------------------


@PROPS
@given(key=keys, plaintext=plaintexts, aad=aads)
def test_encrypt_round_trips(key: bytes, plaintext: bytes, aad: bytes) -> None:
    blob = crypto.encrypt(key, plaintext, aad)
    assert len(blob) == AEAD_MIN + len(plaintext)
    assert crypto.decrypt(key, blob, aad) == plaintext


@PROPS
@given(key=keys, plaintext=plaintexts, aad=aads, data=st.data())
def test_any_flipped_bit_in_a_blob_is_refused(
    key: bytes, plaintext: bytes, aad: bytes, data: st.DataObject
) -> None:
    blob = crypto.encrypt(key, plaintext, aad)
    position = data.draw(st.integers(0, len(blob) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="mask")
    damaged = _flip(blob, position, mask)
    expected = crypto.MalformedCiphertext if position == 0 else crypto.DecryptionFailed
    with pytest.raises(expected):
        crypto.decrypt(key, damaged, aad)


@PROPS
@given(key=keys, other=keys, plaintext=plaintexts, aad=aads)
def test_another_key_is_refused(key: bytes, other: bytes, plaintext: bytes, aad: bytes) -> None:
    assume(key != other)
    blob = crypto.encrypt(key, plaintext, aad)
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(other, blob, aad)


@PROPS
@given(key=keys, plaintext=plaintexts, aad=aads, other_aad=aads)
def test_other_associated_data_is_refused(key: bytes, plaintext: bytes, aad: bytes, other_aad: bytes) -> None:
    assume(aad != other_aad)
    blob = crypto.encrypt(key, plaintext, aad)
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(key, blob, other_aad)


@PROPS
@given(key=keys, plaintext=plaintexts, aad=aads, data=st.data())
def test_truncated_or_extended_blobs_are_refused(
    key: bytes, plaintext: bytes, aad: bytes, data: st.DataObject
) -> None:
    blob = crypto.encrypt(key, plaintext, aad)
    cut = data.draw(st.integers(0, len(blob) - 1), label="cut")
    expected = crypto.MalformedCiphertext if cut < AEAD_MIN else crypto.DecryptionFailed
    with pytest.raises(expected):
        crypto.decrypt(key, blob[:cut], aad)
    extra = data.draw(st.binary(min_size=1, max_size=32), label="extra")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(key, blob + extra, aad)


@PROPS
@given(key=st.binary(max_size=64), blob=st.binary(max_size=128), aad=aads)
def test_arbitrary_bytes_never_decrypt_and_raise_only_named_errors(
    key: bytes, blob: bytes, aad: bytes
) -> None:
    # Whatever a stolen or corrupted row holds, decrypt() raises one of our two errors.
    with pytest.raises((crypto.MalformedCiphertext, crypto.DecryptionFailed)):
        crypto.decrypt(key, blob, aad)


@settings(max_examples=50, deadline=None)
@given(key=st.binary(max_size=64).filter(lambda k: len(k) != crypto.KEY_BYTES), plaintext=plaintexts)
def test_a_key_of_the_wrong_length_is_a_named_error(key: bytes, plaintext: bytes) -> None:
    blob = crypto.encrypt(crypto.random_key(), plaintext, b"")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(key, blob, b"")


# ---- sealed boxes (X25519 + HKDF + AES-GCM) --------------------------------------------------


@PROPS
@given(seed=seeds, plaintext=plaintexts, aad=aads)
def test_sealed_box_round_trips_for_every_key_pair(seed: bytes, plaintext: bytes, aad: bytes) -> None:
    pair = crypto.keypair_from_seed(seed)
    box = crypto.wrap(pair.public, plaintext, aad)
    assert len(box) == SEAL_HEADER + AEAD_MIN + len(plaintext)
    assert crypto.unwrap(pair.private, box, aad) == plaintext


@PROPS
@given(seed=seeds, plaintext=plaintexts, aad=aads, data=st.data())
def test_any_flipped_bit_in_a_sealed_box_is_refused(
    seed: bytes, plaintext: bytes, aad: bytes, data: st.DataObject
) -> None:
    pair = crypto.keypair_from_seed(seed)
    box = crypto.wrap(pair.public, plaintext, aad)
    position = data.draw(st.integers(0, len(box) - 1), label="position")
    damaged = _flip(box, position, data.draw(st.integers(1, 255), label="mask"))
    # The outer and the inner version bytes name a malformed box; every other byte (the
    # ephemeral key, the nonce, the ciphertext, the tag) fails authentication.
    expected = crypto.MalformedCiphertext if position in (0, SEAL_HEADER) else crypto.DecryptionFailed
    with pytest.raises(expected):
        crypto.unwrap(pair.private, damaged, aad)


@PROPS
@given(seed=seeds, other_seed=seeds, plaintext=plaintexts, aad=aads)
def test_a_sealed_box_opens_for_no_other_key(
    seed: bytes, other_seed: bytes, plaintext: bytes, aad: bytes
) -> None:
    pair, other = crypto.keypair_from_seed(seed), crypto.keypair_from_seed(other_seed)
    # Distinct seeds can clamp to the same scalar (the low 3 bits and the top bit are fixed).
    assume(pair.public != other.public)
    box = crypto.wrap(pair.public, plaintext, aad)
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap(other.private, box, aad)


@PROPS
@given(seed=seeds, other_seed=seeds, plaintext=plaintexts, aad=aads)
def test_a_box_cannot_be_retargeted_by_swapping_its_ephemeral_key(
    seed: bytes, other_seed: bytes, plaintext: bytes, aad: bytes
) -> None:
    pair = crypto.keypair_from_seed(seed)
    box = crypto.wrap(pair.public, plaintext, aad)
    # Graft the header of another box (another ephemeral key) onto this box's ciphertext.
    other_box = crypto.wrap(crypto.keypair_from_seed(other_seed).public, b"x", aad)
    grafted = other_box[:SEAL_HEADER] + box[SEAL_HEADER:]
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap(pair.private, grafted, aad)


@PROPS
@given(seed=seeds, plaintext=plaintexts, aad=aads, data=st.data())
def test_truncated_sealed_boxes_are_refused(
    seed: bytes, plaintext: bytes, aad: bytes, data: st.DataObject
) -> None:
    pair = crypto.keypair_from_seed(seed)
    box = crypto.wrap(pair.public, plaintext, aad)
    cut = data.draw(st.integers(0, len(box) - 1), label="cut")
    expected = crypto.MalformedCiphertext if cut < SEAL_HEADER + AEAD_MIN else crypto.DecryptionFailed
    with pytest.raises(expected):
        crypto.unwrap(pair.private, box[:cut], aad)


@PROPS
@given(seed=seeds, blob=st.binary(max_size=200), aad=aads)
def test_arbitrary_bytes_never_unseal_and_raise_only_named_errors(
    seed: bytes, blob: bytes, aad: bytes
) -> None:
    # Includes low-order ephemeral points (an all-zero shared secret), which X25519 refuses.
    with pytest.raises((crypto.MalformedCiphertext, crypto.DecryptionFailed)):
        crypto.unwrap(seed, b"\x01" + blob, aad)


@pytest.mark.parametrize(
    "point",
    [
        bytes(32),  # 0
        (1).to_bytes(32, "little"),  # 1
        bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),  # order 8
        bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),  # p - 1
    ],
)
def test_low_order_ephemeral_points_are_a_named_error(point: bytes) -> None:
    pair = crypto.generate_keypair()
    box = crypto.wrap(pair.public, b"data key", b"")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap(pair.private, box[:1] + point + box[SEAL_HEADER:], b"")


@settings(max_examples=40, deadline=None)
@given(public=st.binary(max_size=64).filter(lambda b: len(b) != 32))
def test_sealing_to_a_malformed_public_key_is_a_named_error(public: bytes) -> None:
    with pytest.raises(crypto.MalformedCiphertext):
        crypto.wrap(public, b"data key", b"")


# ---- key derivation and the recovery key's printed form --------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    secret=st.binary(max_size=64),
    other=st.binary(max_size=64),
    salt=st.binary(min_size=8, max_size=32),
)
def test_password_key_is_deterministic_and_separates_secrets(
    secret: bytes, other: bytes, salt: bytes
) -> None:
    args = {"time_cost": 1, "memory_kib": 64}
    key = crypto.password_key(secret, salt, **args)
    assert len(key) == crypto.KEY_BYTES
    assert key == crypto.password_key(secret, salt, **args)
    if other != secret:
        assert key != crypto.password_key(other, salt, **args)


@PROPS
@given(seed=seeds)
def test_keypair_from_seed_matches_the_public_key_used_to_seal(seed: bytes) -> None:
    pair = crypto.keypair_from_seed(seed)
    assert pair == crypto.keypair_from_seed(seed)
    assert len(pair.public) == 32


@PROPS
@given(private=seeds, spacing=st.sampled_from(["", " ", "\n", "  \t"]))
def test_recovery_key_text_round_trips(private: bytes, spacing: str) -> None:
    text = instance_keys.encode_recovery_key(private)
    assert text.startswith("testimony-recovery-") and text == text.lower()
    assert instance_keys.decode_recovery_key(spacing + text + spacing) == private
    assert (
        instance_keys.decode_recovery_key(text.upper().replace("TESTIMONY-RECOVERY-", "testimony-recovery-"))
        == private
    )
