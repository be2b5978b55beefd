"""Asset tags: ``<ITAM_TAG_PREFIX>-<number>``, unique and never reused.

The counter lives in a ``TagSequence`` row that is locked while a block of numbers is taken, so
two registrations at the same moment (on PostgreSQL, in separate connections) queue on that row
and never get the same number. A number taken by a transaction that later rolls back is simply
skipped: gaps are fine, reuse is not.
"""

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import Asset, TagSequence


def format_tag(prefix: str, number: int) -> str:
    return f"{prefix}-{number:0{settings.ITAM_TAG_DIGITS}d}"


def allocate_tags(count: int = 1, prefix: str | None = None) -> list[str]:
    """Take the next ``count`` tags; call inside the registering transaction."""
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
            tags.extend(tag for tag in candidates if tag not in taken)
        sequence.last_number = number
        sequence.save(update_fields=["last_number"])
    return tags


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
