"""Asset tags: ``<ITAM_TAG_PREFIX>-<number>``, unique and never reused.

The counter lives in a ``TagSequence`` row that is locked while a block of numbers is taken, so
two registrations at the same moment (on PostgreSQL, in separate connections) queue on that row
and never get the same number. A number taken by a transaction that later rolls back is simply
skipped: gaps are fine, reuse is not.
"""

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .models import Asset, TagSequence


def format_tag(prefix: str, number: int) -> str:
    return f"{prefix}-{number:0{settings.ITAM_TAG_DIGITS}d}"


def allocate_tags(
    count: int = 1, prefix: str | None = None, *, avoid: Iterable[str] = ()
) -> list[str]:
    """Take the next ``count`` tags; call inside the registering transaction.

    ``avoid``: tags about to be registered alongside (pre-printed labels in the same import),
    which the database does not hold yet but the sequence must step over all the same.
    """
    avoided = {tag.lower() for tag in avoid}
    prefix = prefix or settings.ITAM_TAG_PREFIX
    with transaction.atomic():
        sequence = _locked_sequence(prefix)
        tags: list[str] = []
        number = sequence.last_number
        while len(tags) < count:
            wanted = count - len(tags)
            candidates = [format_tag(prefix, number + i) for i in range(1, wanted + 1)]
            number += wanted
            # An imported asset may already carry a tag in our range: step over it.
            taken = set(Asset.objects.filter(tag__in=candidates).values_list("tag", flat=True))
            tags.extend(
                tag for tag in candidates if tag not in taken and tag.lower() not in avoided
            )
        sequence.last_number = number
        sequence.save(update_fields=["last_number"])
    return tags


def next_number(sequence_name: str) -> int:
    """The next number of a named counter (e.g. purchase orders per year), safe under races."""
    with transaction.atomic():
        sequence = _locked_sequence(sequence_name)
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
        return sequence.last_number


def _locked_sequence(prefix: str) -> TagSequence:
    try:
        return TagSequence.objects.select_for_update().get(prefix=prefix)
    except TagSequence.DoesNotExist:
        try:
            with transaction.atomic():
                TagSequence.objects.create(prefix=prefix)
        except IntegrityError:
            pass  # a concurrent registration created it first
        return TagSequence.objects.select_for_update().get(prefix=prefix)


TAG_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
TAG_SHAPE = "Use 1-40 letters, digits, '-', '_' or '.', starting with a letter or digit."


def clean_explicit_tag(tag: str) -> str:
    """Check a tag a person typed (a pre-printed label): well formed and never used before.

    "Never used" includes assets whose rows are gone: the history table remembers every tag.
    """
    tag = tag.strip()
    if not TAG_PATTERN.match(tag):
        raise ValidationError({"tag": TAG_SHAPE})
    # Case-blind, so IT-000123 and it-000123 never name two different assets.
    if (
        Asset.objects.filter(tag__iexact=tag).exists()
        or Asset.history.filter(tag__iexact=tag).exists()
    ):
        raise ValidationError({"tag": f"Tag {tag} is already in use: tags are never reused."})
    return tag
