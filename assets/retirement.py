"""End-of-life services: certificate uploads (checked by content) and retirement candidates.

Certificates are evidence an auditor may be shown years later, so only formats that cannot carry
script (PDF, PNG, JPEG) are kept, recognised by their first bytes: a browser's content type and a
file's name are whatever the uploader's machine says, and an SVG or HTML page named ``.pdf`` would
otherwise be stored and handed back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024
ACCEPTED = "Upload a PDF, PNG or JPEG file of at most 5 MB."


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str
    magic: bytes


KINDS = (
    FileKind("application/pdf", "pdf", b"%PDF-"),
    FileKind("image/png", "png", b"\x89PNG\r\n\x1a\n"),
    FileKind("image/jpeg", "jpg", b"\xff\xd8\xff"),
)


def sniff(head: bytes) -> FileKind | None:
    """The accepted kind these first bytes start, or None."""
    return next((kind for kind in KINDS if head.startswith(kind.magic)), None)


def check_certificate_file(upload: UploadedFile) -> FileKind:
    """The upload's kind, or a ValidationError saying what is accepted (size, then content)."""
    if upload.size is not None and upload.size > MAX_CERTIFICATE_BYTES:
        size_mb = upload.size / (1024 * 1024)
        raise ValidationError(f"The file is {size_mb:.1f} MB: too large. {ACCEPTED}")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(
            f"“{upload.name}” is not a PDF, PNG or JPEG file (checked by its content, not its "
            f"name). {ACCEPTED}"
        )
    return kind


def prepare_certificate_file(upload: UploadedFile) -> tuple[UploadedFile, str]:
    """The checked upload renamed to a random name with its true extension, and its type.

    The stored name never comes from the uploader (no path tricks, no misleading extension)."""
    kind = check_certificate_file(upload)
    upload.name = f"{uuid.uuid4().hex}.{kind.extension}"
    return upload, kind.content_type


def dispose_with_certificate(
    asset, *, actor, certificate_file: UploadedFile | None = None, **kwargs
):
    """``lifecycle.dispose`` plus the disposal certificate file, in one transaction.

    The file is checked before anything is written, so a refused file disposes of nothing."""
    from django.db import transaction

    from . import lifecycle

    content_type = ""
    if certificate_file:
        try:
            certificate_file, content_type = prepare_certificate_file(certificate_file)
        except ValidationError as exc:
            raise ValidationError({"certificate_file": exc.messages}) from exc
    with transaction.atomic():
        result = lifecycle.dispose(asset, actor=actor, **kwargs)
        if certificate_file:
            record = asset.__class__.objects.get(pk=asset.pk).disposal
            record.certificate_file = certificate_file
            record.certificate_content_type = content_type
            record._change_reason = "Disposal certificate file attached"
            record.save(update_fields=["certificate_file", "certificate_content_type"])
    return result
