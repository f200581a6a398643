"""A sealed blob opens only in the place it was written: its submission, its own id, its place in
the conversation, its kind, its author and (for moderators) which moderator. A database writer who
moves or relabels blobs gets a blob that does not open, not a different story."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

import nlp
from moderation import accounts
from testimony import crypto, sealing, submissions
from testimony.db import db
from testimony.models import Author, BlobKind, Moderator, Recipient, SealedBlob, Submission, WrappedKey


def _recovery(app: Flask) -> bytes:
    return app.config["TEST_RECOVERY_PRIVATE_KEY"]


def _open(app: Flask, blob: SealedBlob) -> dict:
    return sealing.open_blob(blob, Recipient.RECOVERY, _recovery(app))


def _moderator() -> Moderator:
    moderator, _password = accounts.create_moderator("mo", "moderator")
    db.session.commit()
    return moderator


def _copy_contents(source: SealedBlob, target: SealedBlob) -> None:
    """What a database writer can do: put one blob's ciphertext and wrapped keys in another row."""
    target.ciphertext = source.ciphertext
    by_reader = {(k.recipient, k.moderator_id): k.wrapped for k in source.keys}
    for key in target.keys:
        key.wrapped = by_reader[(key.recipient, key.moderator_id)]
    db.session.flush()


def _blobs(submission: Submission, kind: str) -> list[SealedBlob]:
    return [b for b in submission.blobs if b.kind == kind]


def test_an_older_draft_put_in_place_of_the_newer_does_not_open(app: Flask) -> None:
    with app.app_context():
        moderator = _moderator()
        submission, _ = submissions.store(nlp.redact("Sarah Collins runs the Leeds office rota."))
        for draft in ("Sarah Collins runs the [place] office rota.", "[name] runs the [place] office rota."):
            sealing.seal_blob(
                submission,
                kind=BlobKind.DRAFT,
                author=Author.MODERATOR,
                payload={"draft": draft},
                readers=sealing.staff_readers(),
                moderator_id=moderator.id,
            )
        db.session.commit()
        older, newer = _blobs(submission, BlobKind.DRAFT)
        assert _open(app, newer)["draft"].startswith("[name]")
        _copy_contents(older, newer)
        with pytest.raises(crypto.DecryptionFailed):
            _open(app, newer)
        assert _open(app, older)["draft"].startswith("Sarah")  # the untouched row still opens


def test_a_submitters_message_relabelled_as_a_moderators_does_not_open(app: Flask) -> None:
    with app.app_context():
        moderator = _moderator()
        submission, _ = submissions.store(nlp.redact("The rota has one member of staff at night."))
        submissions.add_submitter_reply(submission, "Please publish my phone number.")
        (reply,) = _blobs(submission, BlobKind.MESSAGE)
        reply.author, reply.moderator_id = Author.MODERATOR, moderator.id
        db.session.flush()
        with pytest.raises(crypto.DecryptionFailed):
            _open(app, reply)


def test_a_moderators_message_passed_off_as_another_moderators_does_not_open(app: Flask) -> None:
    with app.app_context():
        first = _moderator()
        second, _password = accounts.create_moderator("other", "moderator")
        db.session.commit()
        submission, _ = submissions.store(nlp.redact("The rota has one member of staff at night."))
        submissions.add_moderator_blob(
            submission,
            kind=BlobKind.MESSAGE,
            payload={"text": "Which year?"},
            moderator_id=first.id,
            to_submitter=True,
        )
        db.session.commit()
        (message,) = _blobs(submission, BlobKind.MESSAGE)
        assert _open(app, message)["text"] == "Which year?"
        message.moderator_id = second.id
        db.session.flush()
        with pytest.raises(crypto.DecryptionFailed):
            _open(app, message)


def test_messages_swapped_in_the_conversation_do_not_open(app: Flask) -> None:
    with app.app_context():
        submission, _ = submissions.store(nlp.redact("The rota has one member of staff at night."))
        submissions.add_submitter_reply(submission, "First.")
        submissions.add_submitter_reply(submission, "Second.")
        first, second = _blobs(submission, BlobKind.MESSAGE)
        assert (first.seq, second.seq) == (1, 2)  # counted among messages only
        first.seq, second.seq = second.seq, first.seq
        db.session.flush()
        for blob in (first, second):
            with pytest.raises(crypto.DecryptionFailed):
                _open(app, blob)


def test_a_blob_moved_to_another_kind_or_submission_does_not_open(app: Flask) -> None:
    with app.app_context():
        one, _ = submissions.store(nlp.redact("The rota has one member of staff at night."))
        two, _ = submissions.store(nlp.redact("Another testimony about the rota."))
        (bundle,) = _blobs(one, BlobKind.BUNDLE)
        bundle.kind = BlobKind.NOTE
        db.session.flush()
        with pytest.raises(crypto.DecryptionFailed):
            _open(app, bundle)
        bundle.kind = BlobKind.BUNDLE
        bundle.submission_id = two.id
        db.session.flush()
        db.session.expire(bundle)
        with pytest.raises(crypto.DecryptionFailed):
            _open(app, bundle)


def test_blobs_of_the_first_format_still_open_and_new_ones_cannot_be_downgraded(app: Flask) -> None:
    """Blobs written before the id, place and author were bound (format 1) cannot be sealed again
    without their data keys, so they stay readable as they were written."""
    with app.app_context():
        submission, _ = submissions.store(nlp.redact("The rota has one member of staff at night."))
        (bundle,) = _blobs(submission, BlobKind.BUNDLE)
        recovery = instance_recovery_public(app)
        data_key = crypto.random_key()
        legacy = SealedBlob(
            kind=BlobKind.MESSAGE,
            author=Author.SUBMITTER,
            seq=2,
            format=1,
            ciphertext=crypto.encrypt(
                data_key,
                b'{"text": "Written by an older version."}',
                f"testimony/blob/{submission.public_id}/message".encode(),
            ),
        )
        legacy.keys.append(
            WrappedKey(
                recipient=Recipient.RECOVERY,
                wrapped=crypto.wrap(recovery, data_key, sealing.key_aad(submission)),
            )
        )
        submission.blobs.append(legacy)
        db.session.commit()
        assert _open(app, legacy) == {"text": "Written by an older version."}
        # Labelling a new blob as the old format does not get it opened under the weaker binding.
        bundle.format = 1
        db.session.flush()
        with pytest.raises(crypto.DecryptionFailed):
            _open(app, bundle)
        stored = db.session.scalar(select(SealedBlob.format).where(SealedBlob.id == legacy.id))
        assert stored == 1


def instance_recovery_public(app: Flask) -> bytes:
    return app.extensions["instance_keys"].recovery_public_key
