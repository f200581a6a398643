import pytest

from testimony import crypto


def test_encrypt_round_trip() -> None:
    key = crypto.random_key()
    blob = crypto.encrypt(key, b"canary text", b"aad")
    assert b"canary" not in blob
    assert crypto.decrypt(key, blob, b"aad") == b"canary text"


def test_wrong_key_is_refused() -> None:
    blob = crypto.encrypt(crypto.random_key(), b"secret", b"aad")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(crypto.random_key(), blob, b"aad")


def test_wrong_associated_data_is_refused() -> None:
    key = crypto.random_key()
    blob = crypto.encrypt(key, b"secret", b"submission-a/bundle")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(key, blob, b"submission-b/bundle")


@pytest.mark.parametrize("position", [0, 1, 13, -1])
def test_flipped_byte_is_refused(position: int) -> None:
    key = crypto.random_key()
    blob = bytearray(crypto.encrypt(key, b"secret", b""))
    blob[position] ^= 0x01
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt(key, bytes(blob), b"")


def test_truncated_blob_is_malformed() -> None:
    key = crypto.random_key()
    blob = crypto.encrypt(key, b"secret", b"")
    with pytest.raises(crypto.MalformedCiphertext):
        crypto.decrypt(key, blob[:20], b"")


def test_sealed_box_opens_only_with_the_recipients_key() -> None:
    alice, mallory = crypto.generate_keypair(), crypto.generate_keypair()
    box = crypto.wrap(alice.public, b"data key", b"ctx")
    assert crypto.unwrap(alice.private, box, b"ctx") == b"data key"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap(mallory.private, box, b"ctx")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap(alice.private, box, b"other ctx")


def test_sealed_boxes_differ_each_time() -> None:
    alice = crypto.generate_keypair()
    assert crypto.wrap(alice.public, b"x", b"") != crypto.wrap(alice.public, b"x", b"")


def test_keypair_from_seed_is_deterministic() -> None:
    seed = bytes(range(32))
    assert crypto.keypair_from_seed(seed) == crypto.keypair_from_seed(seed)
    assert crypto.keypair_from_seed(seed).public != crypto.keypair_from_seed(bytes(32)).public


def test_password_key_depends_on_password_and_salt() -> None:
    args = {"time_cost": 1, "memory_kib": 64}
    a = crypto.password_key(b"password one", b"0123456789abcdef", **args)
    assert a == crypto.password_key(b"password one", b"0123456789abcdef", **args)
    assert a != crypto.password_key(b"password two", b"0123456789abcdef", **args)
    assert a != crypto.password_key(b"password one", b"fedcba9876543210", **args)
    assert len(a) == 32
