"""Project-wide records: the in-app inbox."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """One message in a person's inbox; the same text also goes out by e-mail."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=50)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="A path inside the app.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="inbox_unread")]

    def __str__(self) -> str:
        return f"{self.subject} → {self.recipient}"


class Reminder(models.Model):
    """A reminder that went out: at most one per object, kind and due date.

    The unique constraint is what makes the daily jobs idempotent: a re-run, or two workers running
    the same job at once, insert the same key, and only the run whose row was inserted sends.
    """

    kind = models.CharField(max_length=50)
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    due_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    run_id = models.UUIDField(db_index=True, help_text="The job run that recorded it.")
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind", "due_on"],
                name="one_reminder_per_object_kind_due_date",
            )
        ]
        indexes = [models.Index(fields=["content_type", "kind", "due_on"], name="reminder_lookup")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.content_type.model} #{self.object_id} due {self.due_on}"


class SignInEnd(models.Model):
    """When a person's sign-ins were last ended (their account switched off, itam/sessions.py).

    Sign-in and password-reset links carry no stored state; their token includes this moment
    (``itam.accounts.SignInLinkTokens``), so a link sent before a deactivation stays void after
    the account is switched back on.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    ended_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Sign-ins of {self.user_id} ended at {self.ended_at:%Y-%m-%d %H:%M}"
