"""Where assets are and who they belong to: nested locations, departments, people's profiles."""

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ..choices import LocationKind


class Location(models.Model):
    """A place in a tree: site > building > (floor >) room."""

    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=LocationKind.choices, default=LocationKind.SITE)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    address = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="unique_location_name_in_parent"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(parent__isnull=True),
                name="unique_top_level_location_name",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """'HQ › Building A › Room 101'; walks parents, so select_related them on lists."""
        names, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return " › ".join(reversed(names))

    def descendant_ids(self) -> list[int]:
        """This location and everything under it, one query per level of depth."""
        return Location.subtree_ids([self.pk])

    @staticmethod
    def subtree_ids(root_ids: Iterable[int]) -> list[int]:
        found = list(root_ids)
        frontier = found
        while frontier:
            frontier = list(
                Location.objects.filter(parent_id__in=frontier)
                .exclude(pk__in=found)
                .values_list("pk", flat=True)
            )
            found.extend(frontier)
        return found


class Department(models.Model):
    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    cost_centre = models.CharField(max_length=50, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_departments",
        help_text="Approves this department's requests.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """What the organisation knows about a person beyond Django's User: their department."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    job_title = models.CharField(max_length=150, blank=True)
    employee_number = models.CharField(max_length=50, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Profile of {self.user}"
