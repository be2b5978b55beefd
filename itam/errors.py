"""Domain errors shared by every app: the API turns ``Conflict`` into a 409."""


class Conflict(Exception):
    """The record's current state refuses this action (HTTP 409).

    ``details`` go into the API's error body next to ``detail`` and ``code``.
    """

    code = "conflict"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details
