"""The audit's rules: start one, record scans, close it into a reconciliation, apply outcomes.

Views and the API call these and nothing else. Assets change only through ``assets.lifecycle``
(relocate, mark missing, mark found), each with a history reason that names the audit; the one
field an audit writes directly is ``next_audit_date``, which is not a lifecycle state.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from assets import lifecycle
from assets.choices import ACTIVE_STATUSES, AssetStatus, Condition
from assets.models import Asset, Category, Location
from itam.errors import Conflict

from .choices import ACTION_OUTCOME, Action, AuditStatus, Outcome, ScanResult
from .models import CODE_MAX_LENGTH, AuditLine, AuditScan, AuditSession

User = get_user_model()

VIEW = "audits.view_auditsession"
START = "audits.add_auditsession"
SCAN = "audits.scan_auditsession"
CLOSE = "audits.close_auditsession"
APPLY = "audits.apply_auditsession"
PRINT_TAGS = "audits.print_tags"

# What the register expects to find on the floor. Missing assets are not expected (the register
# already says they are gone); retired, disposed and on-order ones are flagged when seen.
EXPECTED_STATUSES = ACTIVE_STATUSES
_FLAGGED_RESULTS = {
    AssetStatus.RETIRED: ScanResult.RETIRED,
    AssetStatus.DISPOSED: ScanResult.DISPOSED,
    AssetStatus.ON_ORDER: ScanResult.ON_ORDER,
}
_SHORT_LINK = re.compile(r"/t/([^/?#]+)/?$")


class AuditClosed(Conflict):
    """Scanning into, or closing again, an audit that is closed (HTTP 409)."""

    code = "audit_closed"


class AuditOpen(Conflict):
    """Applying outcomes of an audit that is still open (HTTP 409)."""

    code = "audit_open"


def require(user, permission: str, doing: str) -> None:
    """Refuse with a message that says what the role lacks (a 403)."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Sign in to work with audits.")
    if not user.has_perm(permission):
        raise PermissionDenied(f"Your role does not allow you to {doing}.")


def visible_audits(user) -> QuerySet:
    """Auditors and IT staff see every audit; nobody else sees any."""
    if user.is_authenticated and user.has_perm(VIEW):
        return AuditSession.objects.all()
    return AuditSession.objects.none()


# --- places ---------------------------------------------------------------------------------


class Places:
    """The location tree in memory (one query): subtrees, ancestors and full names.

    Sites have hundreds of locations, not millions, so one read beats a query per level.
    """

    def __init__(self) -> None:
        rows = Location.objects.values_list("pk", "parent_id", "name")
        self.parent: dict[int, int | None] = {}
        self.name: dict[int, str] = {}
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for pk, parent_id, name in rows:
            self.parent[pk] = parent_id
            self.name[pk] = name
            self.children[parent_id].append(pk)

    def subtree(self, root_id: int) -> set[int]:
        found, frontier = {root_id}, [root_id]
        while frontier:
            frontier = [c for pk in frontier for c in self.children.get(pk, ()) if c not in found]
            found.update(frontier)
        return found

    def ancestors(self, pk: int) -> list[int]:
        """``pk`` and the places above it, nearest first."""
        chain, seen = [], set()
        node: int | None = pk
        while node is not None and node not in seen and node in self.parent:
            seen.add(node)
            chain.append(node)
            node = self.parent[node]
        return chain

    def full_name(self, pk: int | None) -> str:
        if pk is None:
            return "no recorded place"
        return " › ".join(self.name[p] for p in reversed(self.ancestors(pk)))

    def consistent(self, register_id: int | None, found_id: int) -> bool:
        """The register agrees with where it was found: the same place, or one inside the other.

        Found in "Building A" (the auditor did not say which room) agrees with "Building A › Room
        101"; found in "Room 102" does not agree with "Room 101".
        """
        if register_id is None:
            return False
        return register_id in self.subtree(found_id) or register_id in self.ancestors(found_id)


def scope_ids(session: AuditSession, places: Places | None = None) -> set[int]:
    return (places or Places()).subtree(session.location_id)


def expected_assets(session: AuditSession, places: Places | None = None) -> QuerySet:
    """What the register says should be found in the audit's scope, now."""
    queryset = Asset.objects.filter(
        location_id__in=scope_ids(session, places), status__in=EXPECTED_STATUSES
    )
    if session.category_id:
        queryset = queryset.filter(category_id=session.category_id)
    return queryset


# --- starting -------------------------------------------------------------------------------


def start_audit(
    *,
    actor,
    location: Location | None,
    category: Category | None = None,
    auditor=None,
    due_date: datetime.date | None = None,
    notes: str = "",
) -> AuditSession:
    require(actor, START, "start audits")
    errors: dict[str, str] = {}
    if location is None:
        errors["location"] = "Choose the location to audit (everything under it is included)."
    auditor = auditor or actor
    if not auditor.is_active:
        errors["auditor"] = f"{auditor.get_username()} is inactive: choose a current person."
    elif not auditor.has_perm(SCAN):
        errors["auditor"] = (
            f"{auditor.get_username()} cannot record scans: give them the Auditors or IT staff "
            "role, or choose someone who has it."
        )
    if due_date is not None and due_date < timezone.localdate():
        errors["due_date"] = "The due date is in the past: choose today or a later day."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the place: two people starting the same audit at once get one audit and a 409.
        Location.objects.select_for_update().filter(pk=location.pk).first()
        duplicate = AuditSession.objects.filter(
            location=location, category=category, status=AuditStatus.OPEN
        ).first()
        if duplicate is not None:
            raise Conflict(
                f"{duplicate.reference} is already open for {location}"
                + (f" ({category})" if category else "")
                + ": scan into it, or close it first.",
                audit=duplicate.pk,
            )
        session = AuditSession(
            location=location,
            category=category,
            auditor=auditor,
            due_date=due_date,
            notes=(notes or "").strip(),
            created_by=actor,
        )
        session._change_reason = "Audit started"
        session.save()
    return session


# --- scanning -------------------------------------------------------------------------------


def parse_code(raw: str | None) -> str:
    """The tag in what a scanner or a person gave: a tag, or a QR code's ``…/t/<tag>`` URL."""
    code = (raw or "").strip()
    if not code:
        raise ValidationError({"tag": "Scan a code or type a tag."})
    if "/t/" in code:
        match = _SHORT_LINK.search(urlsplit(code).path if "://" in code else code)
        if match:
            code = unquote(match.group(1)).strip()
    if len(code) > CODE_MAX_LENGTH:
        raise ValidationError(
            {
                "tag": f"That code is {len(code)} characters long; at most {CODE_MAX_LENGTH} "
                "can be recorded (a tag has at most 40). Scan the asset's own label."
            }
        )
    if any(ord(ch) < 32 for ch in code):
        raise ValidationError({"tag": "That code has control characters: scan or type it again."})
    return code


def find_asset(code: str) -> Asset | None:
    """The asset with this tag: exact first (the index), then case-blind (typed by hand)."""
    related = ("location", "category")
    asset = Asset.objects.select_related(*related).filter(tag=code).first()
    if asset is None and code.upper() != code:
        asset = Asset.objects.select_related(*related).filter(tag=code.upper()).first()
    if asset is None:
        asset = Asset.objects.select_related(*related).filter(tag__iexact=code).first()
    return asset


@dataclass
class ScanAnswer:
    scan: AuditScan
    created: bool

    @property
    def result(self) -> str:
        return self.scan.result

    @property
    def message(self) -> str:
        if self.created:
            return self.scan.message
        who = self.scan.scanned_by.get_full_name() or self.scan.scanned_by.get_username()
        when = timezone.localtime(self.scan.scanned_at).strftime("%H:%M")
        return f"Already scanned at {when} by {who}. {self.scan.message}"


def _answer(asset: Asset | None, found_id: int, places: Places) -> tuple[str, str]:
    """The result and the sentence shown to the auditor."""
    if asset is None:
        return ScanResult.UNKNOWN, "Unknown tag: no asset in the register has it."
    where = places.full_name(asset.location_id)
    if asset.status in _FLAGGED_RESULTS:
        result = _FLAGGED_RESULTS[asset.status]
        return result, {
            ScanResult.RETIRED: f"{asset.tag} is retired: it should be awaiting disposal.",
            ScanResult.DISPOSED: (
                f"{asset.tag} was disposed of: it should not be here. Set it aside and tell IT."
            ),
            ScanResult.ON_ORDER: f"{asset.tag} is still on order: IT should receive it first.",
        }[result]
    if asset.status == AssetStatus.MISSING:
        return (
            ScanResult.WAS_MISSING,
            f"{asset.tag} is marked missing: found here. The audit will list it to mark found.",
        )
    if places.consistent(asset.location_id, found_id):
        return ScanResult.EXPECTED, f"{asset.tag} {asset.name}: expected here."
    return (
        ScanResult.ELSEWHERE,
        f"{asset.tag} {asset.name} belongs elsewhere: the register has it at {where}.",
    )


def record_scan(
    session: AuditSession,
    *,
    actor,
    code: str | None,
    found_at: Location | None = None,
    condition: str = "",
    places: Places | None = None,
) -> ScanAnswer:
    """Record one code in an open audit; scanning it again returns the first scan unchanged."""
    require(actor, SCAN, "record audit scans")
    code = parse_code(code)
    if condition and condition not in Condition.values:
        raise ValidationError(
            {"condition": f"Choose a condition: {', '.join(Condition.values)} (or leave it empty)."}
        )
    if not session.is_open:
        raise closed_error(session)
    places = places or Places()
    found_id = found_at.pk if found_at is not None else session.location_id
    if found_id not in places.subtree(session.location_id):
        raise ValidationError(
            {
                "location": f"{places.full_name(found_id)} is outside this audit, which covers "
                f"{places.full_name(session.location_id)} and the places under it."
            }
        )
    asset = find_asset(code)
    # Unknown codes are kept in capitals, so "zz-404" and "ZZ-404" are one code (tags are too).
    key = asset.tag if asset is not None else code.upper()
    existing = (
        AuditScan.objects.select_related("scanned_by").filter(session=session, code=key).first()
    )
    if existing is not None:
        return ScanAnswer(existing, created=False)
    result, message = _answer(asset, found_id, places)
    try:
        with transaction.atomic():
            if _share_lock_status(session.pk) != AuditStatus.OPEN:
                raise closed_error(AuditSession.objects.get(pk=session.pk))
            scan = AuditScan.objects.create(
                session=session,
                code=key,
                asset=asset,
                scanned_by=actor,
                found_at_id=found_id,
                register_location_id=asset.location_id if asset else None,
                condition=condition,
                result=result,
                message=message[:300],
            )
    except IntegrityError:
        # Someone scanned the same code a moment ago: theirs stands.
        existing = AuditScan.objects.select_related("scanned_by").get(session=session, code=key)
        return ScanAnswer(existing, created=False)
    scan.scanned_by = actor
    return ScanAnswer(scan, created=True)


def _share_lock_status(session_id: int) -> str | None:
    """Read the audit's status under a share lock (PostgreSQL ``FOR SHARE``).

    Scanners share the lock, so phones never wait for each other; closing takes ``FOR UPDATE``,
    so it waits for scans in flight and they wait for it, and each scan either lands before the
    reconciliation is taken or is refused. (Django's foreign keys are checked only at commit, too
    late to serve as this lock.) SQLite has one writer at a time, so a plain read does.
    """
    table = connection.ops.quote_name(AuditSession._meta.db_table)
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status FROM {table} WHERE id = %s{lock}", [session_id])
        row = cursor.fetchone()
    return row[0] if row else None


def closed_error(session: AuditSession) -> AuditClosed:
    """The refusal for a closed audit, in the words every page and the API use."""
    when = (
        timezone.localtime(session.closed_at).strftime("%Y-%m-%d %H:%M")
        if session.closed_at
        else ""
    )
    return AuditClosed(
        f"{session.reference} was closed{' at ' + when if when else ''}: it takes no more scans. "
        "Start a new audit to scan again.",
        audit=session.pk,
    )


EXPECTED_CACHE_SECONDS = 60


def _expected_key(audit: AuditSession) -> str:
    return f"audits:expected:{audit.pk}"


def progress_for(
    sessions, places: Places | None = None, *, cached_expected: bool = False
) -> dict[int, dict]:
    """How far each walk has got, for a page of audits in at most four queries.

    expected: the active assets in scope (and category), live while open, frozen at closing;
    seen_expected: those of them scanned (while open) or not left missing (once closed);
    scanned and by_result: every scan, by the answer it got.

    Counting the register under a large scope costs more than recording a scan, so the answer
    to each scan (``cached_expected``) reuses an expected count up to a minute old; the audit's
    own pages always count afresh (and refresh the cached figure).
    """
    sessions = list(sessions)
    if not sessions:
        return {}
    places = places or Places()
    ids = [audit.pk for audit in sessions]
    scopes = {audit.pk: places.subtree(audit.location_id) for audit in sessions}
    open_audits = [audit for audit in sessions if audit.is_open]

    def in_scope(audit: AuditSession, location_id: int | None, category_id: int | None) -> bool:
        return location_id in scopes[audit.pk] and (
            not audit.category_id or audit.category_id == category_id
        )

    by_result: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        AuditScan.objects.filter(session_id__in=ids)
        .order_by()
        .values("session_id", "result")
        .annotate(n=Count("pk"))
    ):
        by_result[row["session_id"]][row["result"]] = row["n"]

    seen_rows: dict[int, list[tuple]] = defaultdict(list)
    known: dict[str, int] = {}
    if open_audits:
        for row in (
            AuditScan.objects.filter(
                session_id__in=[a.pk for a in open_audits], asset__status__in=EXPECTED_STATUSES
            )
            .order_by()
            .values("session_id", "asset__location_id", "asset__category_id")
            .annotate(n=Count("asset_id", distinct=True))
        ):
            seen_rows[row["session_id"]].append(
                (row["asset__location_id"], row["asset__category_id"], row["n"])
            )
        known = cache.get_many([_expected_key(a) for a in open_audits]) if cached_expected else {}
        to_count = [a for a in open_audits if _expected_key(a) not in known]
        if to_count:
            open_scope = set().union(*(scopes[audit.pk] for audit in to_count))
            register = list(
                Asset.objects.filter(status__in=EXPECTED_STATUSES, location_id__in=open_scope)
                .order_by()
                .values_list("location_id", "category_id")
                .annotate(n=Count("pk"))
            )
            counted = {
                audit.pk: sum(n for loc, cat, n in register if in_scope(audit, loc, cat))
                for audit in to_count
            }
            cache.set_many(
                {_expected_key(a): counted[a.pk] for a in to_count}, EXPECTED_CACHE_SECONDS
            )
            known.update({_expected_key(a): counted[a.pk] for a in to_count})
    missing_at_close: dict[int, int] = {}
    closed_ids = [audit.pk for audit in sessions if not audit.is_open]
    if closed_ids:
        missing_at_close = dict(
            AuditLine.objects.filter(session_id__in=closed_ids, outcome=Outcome.MISSING)
            .order_by()
            .values_list("session_id")
            .annotate(n=Count("pk"))
        )

    result = {}
    for audit in sessions:
        scanned = by_result.get(audit.pk, {})
        if audit.is_open:
            expected = known[_expected_key(audit)]
            seen = sum(
                n for loc, cat, n in seen_rows.get(audit.pk, ()) if in_scope(audit, loc, cat)
            )
        else:
            expected = audit.expected_count or 0
            seen = max(0, expected - missing_at_close.get(audit.pk, 0))
        result[audit.pk] = {
            "expected": expected,
            "seen_expected": seen,
            "scanned": sum(scanned.values()),
            "by_result": scanned,
        }
    return result


def progress(
    session: AuditSession, places: Places | None = None, *, cached_expected: bool = False
) -> dict:
    """``progress_for`` of one audit."""
    return progress_for([session], places, cached_expected=cached_expected)[session.pk]


# --- closing --------------------------------------------------------------------------------


@dataclass
class Line:
    outcome: str
    code: str
    asset: Asset | None = None
    scan: AuditScan | None = None
    register_location_id: int | None = None
    found_location_id: int | None = None
    register_status: str = ""
    record: AuditLine | None = None  # the frozen line, once closed (applied_*, refusal)


@dataclass
class Reconciliation:
    session: AuditSession
    lines: list = field(default_factory=list)
    expected: int | None = None

    def codes(self, outcome: str) -> list[str]:
        return sorted(line.code for line in self.lines if line.outcome == outcome)

    def as_dict(self) -> dict:
        """The API's shape: the four contract lists, then the extras."""
        return {
            "id": self.session.pk,
            "reference": self.session.reference,
            "status": self.session.status,
            "closed_at": self.session.closed_at,
            "expected": self.session.expected_count,
            "found": self.codes(Outcome.FOUND),
            "misplaced": self.codes(Outcome.MISPLACED),
            "missing": self.codes(Outcome.MISSING),
            "unknown": self.codes(Outcome.UNKNOWN),
            "recovered": self.codes(Outcome.RECOVERED),
            "flagged": self.codes(Outcome.FLAGGED),
        }


def _outcome_of(scan: AuditScan, places: Places) -> str:
    asset = scan.asset
    if asset is None:
        return Outcome.UNKNOWN
    if asset.status in _FLAGGED_RESULTS:
        return Outcome.FLAGGED
    if asset.status == AssetStatus.MISSING:
        return Outcome.RECOVERED
    if places.consistent(asset.location_id, scan.found_at_id):
        return Outcome.FOUND
    return Outcome.MISPLACED


def reconcile(session: AuditSession) -> Reconciliation:
    """Compare the scans with the register as it is now (a preview while the audit is open)."""
    places = Places()
    report = Reconciliation(session)
    scans = list(session.scans.select_related("asset").order_by("pk"))
    seen = set()
    for scan in scans:
        if scan.asset_id:
            seen.add(scan.asset_id)
        report.lines.append(
            Line(
                outcome=_outcome_of(scan, places),
                code=scan.code,
                asset=scan.asset,
                scan=scan,
                register_location_id=scan.asset.location_id if scan.asset else None,
                found_location_id=scan.found_at_id,
                register_status=scan.asset.status if scan.asset else "",
            )
        )
    expected = (
        expected_assets(session, places)
        .exclude(pk__in=seen)
        .only("pk", "tag", "location", "status")
    )
    for asset in expected.order_by("tag"):
        report.lines.append(
            Line(
                outcome=Outcome.MISSING,
                code=asset.tag,
                asset=asset,
                register_location_id=asset.location_id,
                register_status=asset.status,
            )
        )
    report.expected = expected_assets(session, places).count()
    return report


def close_audit(session: AuditSession, *, actor) -> Reconciliation:
    """Freeze the reconciliation into lines and move seen assets' next audit date on."""
    require(actor, CLOSE, "close audits")
    with transaction.atomic():
        locked = AuditSession.objects.select_for_update().get(pk=session.pk)
        if not locked.is_open:
            raise closed_error(locked)
        report = reconcile(locked)
        AuditLine.objects.bulk_create(
            AuditLine(
                session=locked,
                outcome=line.outcome,
                code=line.code,
                asset=line.asset,
                scan=line.scan,
                register_location_id=line.register_location_id,
                found_location_id=line.found_location_id,
                register_status=line.register_status,
            )
            for line in report.lines
        )
        _advance_next_audit(report)
        locked.status = AuditStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = actor
        locked.expected_count = report.expected
        locked._change_reason = "Audit closed"
        locked.save()
    report.session = locked
    session.status, session.closed_at, session.closed_by = (
        locked.status,
        locked.closed_at,
        locked.closed_by,
    )
    session.expected_count = locked.expected_count
    return report


def _advance_next_audit(report: Reconciliation) -> None:
    """Seen assets are next due one category interval from today (one UPDATE per interval)."""
    seen_ids = [
        line.asset.pk
        for line in report.lines
        if line.asset is not None
        and line.outcome in (Outcome.FOUND, Outcome.MISPLACED, Outcome.RECOVERED)
    ]
    today = timezone.localdate()
    by_interval: dict[int, list[int]] = defaultdict(list)
    for pk, days in Asset.objects.filter(pk__in=seen_ids).values_list(
        "pk", "category__audit_interval_days"
    ):
        by_interval[days].append(pk)
    for days, ids in by_interval.items():
        Asset.objects.filter(pk__in=ids).update(
            next_audit_date=today + datetime.timedelta(days=days)
        )


def results(session: AuditSession) -> Reconciliation:
    """A closed audit's frozen reconciliation, or the live preview of an open one."""
    if session.is_open:
        return reconcile(session)
    report = Reconciliation(session)
    for line in session.lines.select_related("asset", "scan", "applied_by").order_by(
        "outcome", "code"
    ):
        report.lines.append(
            Line(
                outcome=line.outcome,
                code=line.code,
                asset=line.asset,
                scan=line.scan,
                register_location_id=line.register_location_id,
                found_location_id=line.found_location_id,
                register_status=line.register_status,
                record=line,
            )
        )
    report.expected = session.expected_count
    return report


# --- applying outcomes ----------------------------------------------------------------------


@dataclass
class ApplyReport:
    action: str
    applied: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    remaining: int = 0  # still waiting beyond ``limit``: run it again

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "applied": self.applied,
            "refused": [{"tag": tag, "message": message} for tag, message in self.refused],
            "remaining": self.remaining,
        }


def apply_outcome(
    session: AuditSession,
    *,
    actor,
    action: str,
    tags: list[str] | None = None,
    limit: int | None = None,
) -> ApplyReport:
    """Carry one outcome of a closed audit into the register, asset by asset, through the lifecycle.

    Each asset moves in its own transaction and its line records it, so running it again applies
    only what is left; an asset someone changed meanwhile is reported with the reason, not forced.
    """
    require(actor, APPLY, "apply audit outcomes")
    if action not in Action.values:
        raise ValidationError({"action": f"Choose one of: {', '.join(Action.values)}."})
    action = Action(action)
    if session.is_open:
        raise AuditOpen(
            f"{session.reference} is still open: close it first, then apply its outcomes.",
            audit=session.pk,
        )
    lines = list(
        session.lines.filter(outcome=ACTION_OUTCOME[action], applied_at__isnull=True)
        .select_related("asset", "found_location")
        .order_by("code")
    )
    if tags is not None:
        wanted = {t.strip() for t in tags if t and t.strip()}
        known = {line.code for line in lines}
        strangers = sorted(wanted - known)
        if strangers:
            raise ValidationError(
                {
                    "tags": f"Not waiting for “{Action(action).label}” in {session.reference}: "
                    + ", ".join(strangers)
                }
            )
        lines = [line for line in lines if line.code in wanted]
    report = ApplyReport(action=action.value)
    if limit is not None and len(lines) > limit:
        # Each asset takes a few milliseconds; a page request stays short and says what is left.
        report.remaining = len(lines) - limit
        lines = lines[:limit]
    places = Places()
    for line in lines:
        try:
            with transaction.atomic():
                # Lock the line: two people pressing the same button apply each asset once.
                locked = AuditLine.objects.select_for_update().get(pk=line.pk)
                if locked.applied_at is not None:
                    continue
                _apply_line(session, line, action=action, actor=actor, places=places)
                locked.applied_action = action.value
                locked.applied_at = timezone.now()
                locked.applied_by = actor
                locked.refusal = ""
                locked.save(update_fields=["applied_action", "applied_at", "applied_by", "refusal"])
            report.applied.append(line.code)
        except (Conflict, ValidationError) as error:
            message = getattr(error, "message", None) or "; ".join(
                getattr(error, "messages", [str(error)])
            )
            AuditLine.objects.filter(pk=line.pk, applied_at__isnull=True).update(
                refusal=message[:500]
            )
            report.refused.append((line.code, message))
    return report


def _apply_line(session: AuditSession, line: AuditLine, *, action: str, actor, places) -> None:
    """One outcome on one asset, refused when the asset changed after the audit closed."""
    ref = session.reference
    if line.asset_id is None:
        raise Conflict(f"{line.code} is no longer in the register (its order was withdrawn).")
    # Lock first, then compare with the register as it was at closing: a decision taken on what
    # the audit saw must not undo what someone did since.
    asset = Asset.objects.select_for_update().get(pk=line.asset_id)
    moved = asset.location_id != line.register_location_id
    now_where = places.full_name(asset.location_id)
    if action == Action.MOVE:
        target = line.found_location
        if asset.location_id == target.pk:
            return  # someone already put it right
        if moved:
            raise Conflict(
                f"{asset.tag} was moved to {now_where} after {ref} closed: not moved here. "
                "Check where it is and move it by hand if need be."
            )
        before = places.full_name(line.register_location_id)
        lifecycle.relocate(
            asset,
            actor=actor,
            location=target,
            reason=(
                f"Audit {ref}: found at {places.full_name(target.pk)} (the register had {before})"
            ),
            permission=APPLY,
        )
    elif action == Action.MARK_MISSING:
        if moved:
            raise Conflict(
                f"{asset.tag} was moved to {now_where} after {ref} closed: not marked missing."
            )
        if line.register_status and asset.status != line.register_status:
            raise Conflict(
                f"{asset.tag} is now {lifecycle.status_label(asset.status).lower()} (it was "
                f"{lifecycle.status_label(line.register_status).lower()} when {ref} closed): "
                "not marked missing."
            )
        lifecycle.mark_missing(
            asset,
            actor=actor,
            reason=f"Audit {ref}: not found at {places.full_name(session.location_id)}",
            permission=APPLY,
        )
    else:
        lifecycle.mark_found(
            asset,
            actor=actor,
            reason=f"Audit {ref}: found at {places.full_name(line.found_location_id)}",
            location=line.found_location,
            permission=APPLY,
        )


# --- what is due ----------------------------------------------------------------------------


@dataclass
class OverdueRow:
    location_id: int | None
    location_name: str
    overdue: int
    due_soon: int
    oldest_due: datetime.date | None
    open_audit: AuditSession | None = None


def overdue_by_location(
    today: datetime.date | None = None, *, soon_days: int = 30
) -> list[OverdueRow]:
    """Per location: assets whose audit is overdue or due soon, most overdue first (two queries)."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=soon_days)
    rows = (
        Asset.objects.filter(status__in=EXPECTED_STATUSES, next_audit_date__lte=soon)
        .order_by()
        .values("location_id")
        .annotate(
            overdue=Count("pk", filter=Q(next_audit_date__lt=today)),
            due_soon=Count("pk", filter=Q(next_audit_date__gte=today)),
            oldest=Min("next_audit_date"),
        )
    )
    places = Places()
    open_audits = {
        audit.location_id: audit
        for audit in AuditSession.objects.filter(status=AuditStatus.OPEN).order_by("created_at")
    }

    def covering(location_id: int | None) -> AuditSession | None:
        """An open audit of this place or of a place above it (which covers it too)."""
        if location_id is None:
            return None
        return next(
            (open_audits[pk] for pk in places.ancestors(location_id) if pk in open_audits), None
        )

    result = [
        OverdueRow(
            location_id=row["location_id"],
            location_name=places.full_name(row["location_id"]),
            overdue=row["overdue"],
            due_soon=row["due_soon"],
            oldest_due=row["oldest"],
            open_audit=covering(row["location_id"]),
        )
        for row in rows
    ]
    result.sort(key=lambda r: (r.oldest_due or today, -r.overdue, r.location_name))
    return result
