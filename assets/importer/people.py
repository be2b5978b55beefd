"""Import people from CSV: accounts, their department and profile, optionally their role.

A row matches an account by username, then by e-mail (case-insensitive), and updates it;
otherwise it creates one without a usable password (they sign in after a password reset, or an
administrator sets one). What could hand an account to someone else or strand assets is refused
row by row: changing an existing account's e-mail (where password resets go), reactivating one
and setting roles are for administrators (``auth.change_user``); deactivating needs the
offboarding permission and is refused while the person still holds assets or licence seats
(offboard them first: that returns everything). An import never renames an account.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower

from maintenance.models import LicenseSeat

from ..models import Asset, Department, Profile
from ..offboarding import HELD_STATUSES, can_offboard, check_deactivation
from ..roles import ROLES
from .base import IMPORT_REASON, Importer, Plan, Row, RowError, limit, runner, words, yes_no
from .service import unique_slug

User = get_user_model()

__all__ = ["import_people", "manages_accounts"]

ACCOUNT_ADMIN = "auth.change_user"
PROFILE_SIZES = {"job_title": 150, "employee_number": 50, "phone": 50}


def manages_accounts(user) -> bool:
    """Administrators: may set roles, change e-mails and reactivate accounts."""
    return user.has_perm(ACCOUNT_ADMIN)


class PeopleImporter(Importer):
    """People from CSV (ours or Snipe-IT's users layout), matched on username then e-mail."""

    slug = "people"
    main_field = "username"
    refusal = "Importing people is for IT staff."

    def prepare(self, rows: list[Row]) -> None:
        emails = {row("email").lower() for row in rows if row("email")}
        usernames = {row("username").lower() for row in rows if row("username")}
        usernames |= {email.split("@")[0] for email in emails}
        self.by_username = {
            u.username.lower(): u
            for u in User.objects.annotate(k=Lower("username")).filter(k__in=usernames)
        }
        self.by_email: dict[str, list[Any]] = {}
        for u in User.objects.annotate(k=Lower("email")).filter(k__in=emails).order_by("pk"):
            self.by_email.setdefault(u.email.lower(), []).append(u)
        names = {words(row("department")) for row in rows if row("department")}
        self.departments = {
            words(d.name): d
            for d in Department.objects.annotate(k=Lower("name")).filter(k__in=names)
        }
        known = [u.pk for u in self.by_username.values()]
        known += [u.pk for same in self.by_email.values() for u in same]
        self.held: dict[int, list[str]] = {}
        for holder, tag in Asset.objects.filter(
            assigned_user__in=known, status__in=HELD_STATUSES
        ).values_list("assigned_user", "tag"):
            self.held.setdefault(holder, []).append(tag)
        self.seats: dict[int, int] = {}
        for holder in LicenseSeat.objects.filter(
            user__in=known, released_at__isnull=True
        ).values_list("user", flat=True):
            self.seats[holder] = self.seats.get(holder, 0) + 1
        self.roles = {g.name.lower(): g for g in Group.objects.filter(name__in=ROLES)}
        self.admin = manages_accounts(self.actor)
        self.seen: dict[str, int] = {}
        self.made: dict[str, Any] = {}

    def once(self, row: Row, name: str, value: str) -> None:
        key = f"{name}:{value.lower()}"
        if key in self.seen:
            raise RowError(name, f"“{value}” is already in row {self.seen[key]}.")
        self.seen[key] = row.number

    def check(self, row: Row) -> Plan:
        username, email = row("username"), row("email")
        if not (username or email):
            raise RowError("username", "Give the person's Username or Email.")
        if email:
            try:
                if len(email) > 254:
                    raise ValidationError("too long")
                validate_email(email)
            except ValidationError:
                raise RowError("email", f"“{email}” is not an e-mail address.") from None
            self.once(row, "email", email)
        if username:
            self.once(row, "username", username)
        person = self.match(username, email)
        plan = Plan(row=row.number, target=person)
        fields = plan.fields
        if person is None:
            fields["username"] = self.valid_username(row, username or email.split("@")[0])
        if email and (person is None or person.email.lower() != email.lower()):
            others = [u for u in self.by_email.get(email.lower(), []) if u != person]
            if others:
                raise RowError("email", f"{email} is the e-mail of “{others[0].get_username()}”.")
            if person is not None and not self.admin:
                raise RowError(
                    "email",
                    f"Only an administrator can change {person.get_username()}'s e-mail: it is "
                    "where password resets go.",
                )
            fields["email"] = email
        first, last = row("first_name"), row("last_name")
        if not (first or last) and row("full_name"):
            first, _, last = row("full_name").partition(" ")
        for name, value in (("first_name", first.strip()), ("last_name", last.strip())):
            if len(value) > 150:
                raise RowError(name, "Keep names to 150 characters.")
            if value:
                fields[name] = value
        for name, size in PROFILE_SIZES.items():
            if limit(row, name, size, name.replace("_", " ")):
                plan.extra[name] = row(name)
        if limit(row, "department", 150, "department name"):
            department = self.departments.get(words(row("department")))
            if department is None and not self.create:
                raise self.missing("department", "Department", row("department"))
            plan.extra["department"] = department or row("department")
        active = yes_no(row, "active")
        if active is not None and (person is None or active != person.is_active):
            self.check_active(person, active)
            fields["is_active"] = active
        if row("role"):
            plan.extra["roles"] = self.role_groups(row("role"))
        return plan

    def match(self, username: str, email: str) -> Any:
        """By username, then by e-mail; an e-mail of another username is a refused rename."""
        if username and username.lower() in self.by_username:
            return self.by_username[username.lower()]
        same = self.by_email.get(email.lower(), []) if email else []
        if len(same) > 1:
            raise RowError(
                "email", f"{len(same)} accounts use {email}: add the Username column to say which."
            )
        if same and username:
            raise RowError(
                "username",
                f"{email} belongs to the account “{same[0].get_username()}”: an import does not "
                "rename accounts.",
            )
        return same[0] if same else None

    def valid_username(self, row: Row, value: str) -> str:
        given = bool(row("username"))
        name = "username" if given else "email"
        try:
            User.username_validator(value)
            if len(value) > 150:
                raise ValidationError("Keep the username to 150 characters.")
        except ValidationError as problem:
            raise RowError(name, f"Username “{value}”: {' '.join(problem.messages)}") from None
        if not given:
            if value.lower() in self.by_username:
                raise RowError(
                    "email", f"Username “{value}” is taken: add a Username column for this person."
                )
            self.once(row, "username", value)
        return value

    def check_active(self, person: Any, active: bool) -> None:
        if person is None:
            return
        if active:
            if not self.admin:
                raise RowError(
                    "active",
                    f"{person.get_username()} was deactivated: only an administrator can "
                    "reactivate an account.",
                )
            return
        if not can_offboard(self.actor):
            raise RowError("active", "Your role does not allow you to deactivate people.")
        try:
            check_deactivation(person, self.actor)
        except ValidationError as problem:
            raise RowError("active", " ".join(problem.messages)) from None
        tags, seats = self.held.get(person.pk, []), self.seats.get(person.pk, 0)
        if tags or seats:
            what = [f"{len(tags)} asset(s) ({', '.join(sorted(tags)[:5])})"] if tags else []
            what += [f"{seats} licence seat(s)"] if seats else []
            raise RowError(
                "active",
                f"{person.get_username()} still holds {' and '.join(what)}: offboard them on "
                "their page first (it returns everything), then import again.",
            )

    def role_groups(self, text: str) -> list[Group]:
        if not self.admin:
            raise RowError(
                "role",
                "Only an administrator can set roles: leave the Role column empty, or ask one.",
            )
        groups = []
        for name in (part.strip() for part in text.replace(";", ",").split(",")):
            if name and name.lower() not in self.roles:
                raise RowError("role", f"Unknown role “{name}”: use {', '.join(ROLES)}.")
            if name:
                groups.append(self.roles[name.lower()])
        return groups

    def write(self, plan: Plan) -> bool:
        person, fields = plan.target, plan.fields
        if person is None:
            person = User(**fields)
            person.set_unusable_password()
            person.full_clean(exclude=["password"])
            person.save()
        elif fields:
            if (
                fields.get("is_active") is False
                and Asset.objects.filter(assigned_user=person, status__in=HELD_STATUSES).exists()
            ):  # handed something since the check
                raise RowError("active", f"{person.get_username()} holds assets now.")
            for name, value in fields.items():
                setattr(person, name, value)
            person.full_clean(exclude=["password"])
            person.save(update_fields=list(fields))
        self.profile(person, plan.extra)
        if "roles" in plan.extra:
            person.groups.remove(*[g for g in self.roles.values() if g not in plan.extra["roles"]])
            person.groups.add(*plan.extra["roles"])
        return plan.target is None

    def profile(self, person: Any, extra: dict[str, Any]) -> None:
        changes = {name: extra[name] for name in PROFILE_SIZES if name in extra}
        if "department" in extra:
            changes["department"] = self.department(extra["department"])
        profile = Profile.objects.filter(user=person).first() or Profile(user=person)
        changed = {k: v for k, v in changes.items() if getattr(profile, k) != v}
        if profile.pk and not changed:
            return
        for name, value in changed.items():
            setattr(profile, name, value)
        profile._history_user = self.actor
        profile._change_reason = IMPORT_REASON
        profile.save()

    def department(self, value: Any) -> Department:
        if isinstance(value, Department):
            return value
        key = words(value)
        if key not in self.made:
            department = Department(name=value[:150], slug=unique_slug(Department, value))
            department._history_user = self.actor
            department._change_reason = IMPORT_REASON
            department.save()
            self.made[key] = department
        return self.made[key]


import_people = runner(PeopleImporter)
