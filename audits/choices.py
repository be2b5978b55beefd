"""The vocabulary of an audit: its state, what a scan answered, and what closing concluded."""

from django.db import models


class AuditStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ScanResult(models.TextChoices):
    """The answer a scan gets at once, on the auditor's screen."""

    EXPECTED = "expected", "Expected here"
    ELSEWHERE = "elsewhere", "Belongs elsewhere"
    WAS_MISSING = "was_missing", "Marked missing: found"
    RETIRED = "retired", "Retired"
    DISPOSED = "disposed", "Disposed of"
    ON_ORDER = "on_order", "Still on order"
    UNKNOWN = "unknown", "Unknown tag"

    @classmethod
    def colour(cls, value: str) -> str:
        return {
            cls.EXPECTED: "green",
            cls.ELSEWHERE: "amber",
            cls.WAS_MISSING: "blue",
            cls.RETIRED: "grey",
            cls.DISPOSED: "red",
            cls.ON_ORDER: "grey",
            cls.UNKNOWN: "red",
        }.get(value, "grey")


class Outcome(models.TextChoices):
    """Where closing an audit puts each asset (or code) of the reconciliation."""

    FOUND = "found", "Found as expected"
    MISPLACED = "misplaced", "Found at another location"
    MISSING = "missing", "Not found"
    UNKNOWN = "unknown", "Unknown tag"
    RECOVERED = "recovered", "Found, but marked missing"
    FLAGGED = "flagged", "Retired, disposed of or on order, yet on the floor"


class Action(models.TextChoices):
    """The one-click actions that carry an outcome into the register (through the lifecycle)."""

    MOVE = "move", "Move here"
    MARK_MISSING = "missing", "Mark missing"
    MARK_FOUND = "found", "Mark found"


# Which outcome each action applies to.
ACTION_OUTCOME = {
    Action.MOVE: Outcome.MISPLACED,
    Action.MARK_MISSING: Outcome.MISSING,
    Action.MARK_FOUND: Outcome.RECOVERED,
}
