"""Requests from "I need a laptop" to a deployed asset, and the purchase orders in between.

Same pattern as ``assets.lifecycle``: each action checks who may do it, locks the row, refuses
what the current state does not allow (``Conflict``, a 409), writes the change with a history
reason, and queues notifications to go out after commit. Asset moves go through the lifecycle
engine; nothing here writes an asset's status.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assets import lifecycle
from assets.choices import AssetStatus
from assets.models import Asset, AssetModel, Category, Department, Location, Profile, Vendor
from assets.roles import EMPLOYEES
from assets.tags import next_number
from itam.errors import Conflict
from itam.notifications import notify, users_with_permission
from itam.tasks import send_sign_in_link

from .budgets import budget_summary
from .choices import ApprovalStep, Decision, OrderStatus, RequestStatus
from .models import (
    Approval,
    AssetRequest,
    OrderedAsset,
    PurchaseOrder,
    PurchaseOrderLine,
    RequestAllocation,
)

User = get_user_model()
R = RequestStatus


class RequestRefused(Conflict):
    code = "request_refused"


class OrderRefused(Conflict):
    code = "order_refused"


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _reason(reason: str | None, *, required: bool, what: str) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({"reason": f"Say why ({what} needs a reason)."})
    return reason


def _save_request(request: AssetRequest, *, actor, reason: str) -> None:
    request._history_user = actor
    request._change_reason = reason
    request.save()


def _people(request: AssetRequest) -> list:
    """The requester and the person it is for: told of every decision."""
    return [request.requester, request.for_user]


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: "Enter an amount, e.g. 1249.99."}) from None
    if amount < 0:
        raise ValidationError({field: "An amount cannot be negative."})
    return amount.quantize(Decimal("0.01"))


# --- who may see and decide ---------------------------------------------------------------------


def visible_requests(user, queryset=None):
    """IT staff and auditors see every request; managers their departments'; others their own."""
    queryset = AssetRequest.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if user.has_perm("requests_app.view_assetrequest"):
        return queryset
    from django.db.models import Q

    scope = Q(requester=user) | Q(for_user=user) | Q(department__manager=user)
    return queryset.filter(scope)


def pending_step(request: AssetRequest) -> str | None:
    """The approval step a submitted request waits for, or None."""
    if request.status != R.SUBMITTED:
        return None
    steps = {a.step for a in request.approvals.all() if a.decision == Decision.APPROVED}
    if ApprovalStep.MANAGER not in steps:
        return ApprovalStep.MANAGER
    if request.needs_second_approval and ApprovalStep.IT not in steps:
        return ApprovalStep.IT
    return None


def _is_own(request: AssetRequest, user) -> bool:
    return user.pk in (request.requester_id, request.for_user_id)


def can_decide(user, request: AssetRequest) -> bool:
    """Whether ``user`` may approve or reject the step the request waits for now."""
    step = pending_step(request)
    if step is None or not user.is_authenticated or _is_own(request, user):
        return False
    if step == ApprovalStep.MANAGER:
        return request.department.manager_id == user.pk or user.has_perm(
            "requests_app.decide_any_request"
        )
    # Two approvals mean two people: whoever gave the first cannot give the second.
    first = {a.decided_by_id for a in request.approvals.all() if a.step == ApprovalStep.MANAGER}
    return user.pk not in first and user.has_perm("requests_app.second_approve_request")


def _people_with(codename: str) -> list:
    return list(users_with_permission(codename))


def approvers_for(
    request: AssetRequest, *, people_with: Callable[[str], list] = _people_with
) -> list:
    """Who is asked to decide the pending step (never the requester or the person it is for).

    ``people_with(codename)`` lists who holds a permission; a caller going through many requests
    (the daily reminder) passes a memoised one, so the lookups run once per run.
    """
    step = pending_step(request)
    if step == ApprovalStep.MANAGER:
        manager = request.department.manager
        people = [manager] if manager and manager.is_active else []
        if not people or _is_own(request, manager):
            people = people_with("requests_app.decide_any_request")
    elif step == ApprovalStep.IT:
        first = {a.decided_by_id for a in request.approvals.all()}
        people = [
            p for p in people_with("requests_app.second_approve_request") if p.pk not in first
        ]
    else:
        people = []
    people = [p for p in people if p is not None and not _is_own(request, p)]
    if step == ApprovalStep.MANAGER and not people:
        # No manager who may decide (none set, or it is their own request): administrators do.
        people = [
            p
            for p in User.objects.filter(is_superuser=True, is_active=True)
            if not _is_own(request, p)
        ]
    return people


# --- submitting ----------------------------------------------------------------------------------


@dataclass
class NewHire:
    name: str
    start_date: datetime.date | None
    department: Department


def submit_request(
    *,
    actor,
    category: Category,
    justification: str,
    quantity: int = 1,
    model: AssetModel | None = None,
    for_user=None,
    new_hire: NewHire | None = None,
    needed_by: datetime.date | None = None,
    estimated_cost=0,
) -> AssetRequest:
    """Anyone signed in may ask, for themselves, a colleague, or a new hire without an account."""
    _require(actor.is_authenticated and actor.is_active, "Sign in to ask for equipment.")
    errors: dict[str, str] = {}
    if for_user is not None and new_hire is not None:
        errors["for_user"] = "Ask either for a person with an account or for a new hire, not both."
    if for_user is None and new_hire is None:
        for_user = actor
    if for_user is not None and not for_user.is_active:
        errors["for_user"] = f"{for_user.get_username()} has left: ask for a current person."
    if new_hire is not None and not new_hire.name.strip():
        errors["new_hire"] = "Give the new hire's name."
    if model is not None and model.category_id != category.pk:
        errors["model"] = f"{model} is a {model.category}, not a {category}."
    if not (justification or "").strip():
        errors["justification"] = "Say what it is for: the approver decides on this."
    if quantity is None or int(quantity) < 1:
        errors["quantity"] = "Ask for at least one."
    if needed_by is not None and needed_by < timezone.localdate():
        errors["needed_by"] = "The needed-by date is in the past."
    try:
        cost = _money(estimated_cost, "estimated_cost")
    except ValidationError as error:
        errors.update(error.message_dict)
        cost = Decimal("0")
    if new_hire is not None:
        department = new_hire.department
    elif for_user is not None:
        profile = Profile.objects.filter(user=for_user).select_related("department").first()
        department = profile.department if profile else None
        if department is None and "for_user" not in errors:
            errors["for_user"] = (
                f"{for_user.get_username()} belongs to no department, so no manager can approve: "
                "ask an administrator to set it."
            )
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        request = AssetRequest(
            requester=actor,
            for_user=for_user,
            new_hire_name=new_hire.name.strip() if new_hire else "",
            new_hire_start_date=new_hire.start_date if new_hire else None,
            department=department,
            category=category,
            model=model,
            quantity=int(quantity),
            justification=justification.strip(),
            needed_by=needed_by,
            estimated_cost=cost,
            needs_second_approval=cost > settings.ITAM_SECOND_APPROVAL_ABOVE,
        )
        request.full_clean()
        _save_request(request, actor=actor, reason="Submitted")
        notify(
            approvers_for(request),
            kind="request_waiting",
            subject=f"Request #{request.pk} waits for your decision",
            body=f"{actor.get_full_name() or actor.get_username()} asks for {request.quantity} × "
            f"{request.category} for {request.for_whom}: {request.justification}",
            url=request.get_absolute_url(),
        )
    return request


# --- deciding ------------------------------------------------------------------------------------


def _locked(request: AssetRequest) -> AssetRequest:
    return (
        AssetRequest.objects.select_for_update(of=("self",))
        .select_related("department__manager", "requester", "for_user", "category")
        .get(pk=request.pk)
    )


def _refuse(request: AssetRequest, action: str, allowed_from: tuple[str, ...]) -> RequestRefused:
    allowed = ", ".join(R(s).label.lower() for s in allowed_from)
    return RequestRefused(
        f"Request #{request.pk} is {R(request.status).label.lower()}: it cannot be {action} "
        f"(only when {allowed}).",
        request=request.pk,
        current_status=request.status,
    )


def decide(request: AssetRequest, *, actor, approve: bool, reason: str = "") -> AssetRequest:
    """Approve or reject the step the request waits for (manager, then IT above the threshold)."""
    with transaction.atomic():
        request = _locked(request)
        if request.status != R.SUBMITTED:
            raise _refuse(request, "approved or rejected", (R.SUBMITTED,))
        step = pending_step(request)
        if _is_own(request, actor):
            raise PermissionDenied("Nobody decides on their own request: another approver must.")
        if step == ApprovalStep.MANAGER:
            _require(
                can_decide(actor, request),
                f"Only the manager of {request.department} decides on this request.",
            )
        else:
            _require(
                can_decide(actor, request),
                "This request is above the second-approval threshold: IT staff decide the "
                "second step.",
            )
        reason = _reason(reason, required=not approve, what="a rejection")
        budget = budget_summary(request.department)
        over = budget.would_exceed(request.estimated_cost)
        if approve and over and settings.ITAM_BLOCK_OVER_BUDGET:
            raise RequestRefused(
                f"Approving request #{request.pk} would take {request.department} over its "
                f"{budget.label} budget ({budget.available} {budget.currency} left, the request "
                f"is {request.estimated_cost}). Reject it, or raise the budget first.",
                request=request.pk,
                current_status=request.status,
                available=str(budget.available),
            )
        Approval.objects.create(
            request=request,
            step=step,
            decision=Decision.APPROVED if approve else Decision.REJECTED,
            decided_by=actor,
            reason=reason,
            over_budget=over,
        )
        who = actor.get_full_name() or actor.get_username()
        step_label = ApprovalStep(step).label.lower()
        if not approve:
            request.status = R.REJECTED
            _save_request(request, actor=actor, reason=f"Rejected by {who}: {reason}")
            notify(
                _people(request),
                kind="request_rejected",
                subject=f"Request #{request.pk} was rejected",
                body=f"{who} ({step_label}) rejected it: {reason}",
                url=request.get_absolute_url(),
            )
            return request
        if pending_step(request) is not None:
            # Approved by the manager; the second (IT) approval is next.
            _save_request(
                request,
                actor=actor,
                reason=reason or f"Approved by {who}; waits for the second approval by IT staff",
            )
            notify(
                approvers_for(request),
                kind="request_waiting",
                subject=f"Request #{request.pk} needs the second approval",
                body=f"Estimated at {request.estimated_cost}, above the threshold of "
                f"{settings.ITAM_SECOND_APPROVAL_ABOVE}. {who} approved the first step.",
                url=request.get_absolute_url(),
            )
            notify(
                _people(request),
                kind="request_decision",
                subject=f"Request #{request.pk}: approved by your manager",
                body="It now waits for the second approval by IT staff.",
                url=request.get_absolute_url(),
            )
            return request
        request.status = R.APPROVED
        _save_request(request, actor=actor, reason=reason or f"Approved by {who}")
        notify(
            _people(request),
            kind="request_approved",
            subject=f"Request #{request.pk} was approved",
            body=f"{who} approved it. IT staff will allocate or order the equipment.",
            url=request.get_absolute_url(),
        )
        notify(
            users_with_permission("requests_app.fulfil_request"),
            kind="request_to_fulfil",
            subject=f"Request #{request.pk} is approved: allocate or order",
            body=f"{request.quantity} × {request.category} for {request.for_whom}.",
            url=request.get_absolute_url(),
        )
    return request


def approve_request(request: AssetRequest, *, actor, reason: str = "") -> AssetRequest:
    return decide(request, actor=actor, approve=True, reason=reason)


def reject_request(request: AssetRequest, *, actor, reason: str) -> AssetRequest:
    return decide(request, actor=actor, approve=False, reason=reason)


def cancel_request(request: AssetRequest, *, actor, reason: str) -> AssetRequest:
    """The requester, the person it is for, or IT staff withdraw it before anything is ordered."""
    reason = _reason(reason, required=True, what="a cancellation")
    with transaction.atomic():
        request = _locked(request)
        _require(
            _is_own(request, actor) or actor.has_perm("requests_app.fulfil_request"),
            "Only the requester, the person it is for, or IT staff can cancel a request.",
        )
        if request.status not in (R.SUBMITTED, R.APPROVED):
            raise _refuse(request, "cancelled", (R.SUBMITTED, R.APPROVED))
        request.status = R.CANCELLED
        _save_request(request, actor=actor, reason=f"Cancelled: {reason}")
        others = [p for p in _people(request) if p is not None and p.pk != actor.pk]
        notify(
            others,
            kind="request_cancelled",
            subject=f"Request #{request.pk} was cancelled",
            body=reason,
            url=request.get_absolute_url(),
        )
    return request


# --- fulfilling ----------------------------------------------------------------------------------


def reuse_candidates(request: AssetRequest, limit: int = 20):
    """In-stock assets of the category that could go to this person instead of buying new;
    the requested model first."""
    from django.db.models import Case, IntegerField, Value, When

    queryset = Asset.objects.filter(status=AssetStatus.IN_STOCK, category=request.category)
    queryset = queryset.select_related("model__manufacturer", "location", "category")
    if request.model_id:
        queryset = queryset.annotate(
            same_model=Case(
                When(model_id=request.model_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("same_model", "purchase_date", "tag")
    else:
        queryset = queryset.order_by("purchase_date", "tag")
    return queryset[:limit]


def _outstanding(request: AssetRequest) -> int:
    return request.quantity - request.allocations.count()


def checklist_ready(asset: Asset, checklist_done) -> bool:
    """Whether the category's required deployment steps are ticked (so it can go out now)."""
    try:
        lifecycle.checklist_for(asset.category, checklist_done)
    except ValidationError:
        return False
    return True


def _allocate(request: AssetRequest, asset: Asset, *, actor, checklist_done=None) -> Asset:
    """Deploy ``asset`` to the request's person and count it towards the request."""
    asset = lifecycle.deploy(
        asset,
        to=request.for_user,
        actor=actor,
        reason=f"Request #{request.pk}: {request.justification[:120]}",
        checklist_done=checklist_done,
    )
    RequestAllocation.objects.create(request=request, asset=asset, allocated_by=actor)
    if _outstanding(request) <= 0:
        request.status = R.FULFILLED
        _save_request(request, actor=actor, reason=f"Fulfilled: {asset.tag} deployed")
        notify(
            _people(request),
            kind="request_fulfilled",
            subject=f"Request #{request.pk} is ready: {asset.tag}",
            body=f"{asset} is now deployed to {request.for_whom}. Please confirm receipt in "
            "My assets once you have it.",
            url=asset.get_absolute_url(),
        )
    else:
        _save_request(request, actor=actor, reason=f"{asset.tag} deployed")
    return asset


def fulfil_from_stock(request: AssetRequest, *, actor, asset: Asset, checklist_done=None) -> Asset:
    """Allocate an in-stock asset: deployed to the person through the lifecycle engine, with
    the category's deployment checklist ticked (``checklist_done``: step ids)."""
    _require(actor.has_perm("requests_app.fulfil_request"), "Only IT staff fulfil requests.")
    with transaction.atomic():
        request = _locked(request)
        if request.status not in (R.APPROVED, R.ORDERING):
            raise _refuse(request, "fulfilled", (R.APPROVED, R.ORDERING))
        if request.for_user is None:
            raise ValidationError(
                {"asset": f"{request.new_hire_name} has no account yet: link or create it first."}
            )
        if asset.category_id != request.category_id:
            raise ValidationError(
                {
                    "asset": f"{asset.tag} is a {asset.category}; the request is for a "
                    f"{request.category}."
                }
            )
        if _outstanding(request) <= 0:
            raise _refuse(request, "given more assets than it asked for", (R.APPROVED,))
        return _allocate(request, asset, actor=actor, checklist_done=checklist_done)


def fulfil_by_order(request: AssetRequest, *, actor, order: PurchaseOrder) -> AssetRequest:
    """Record that a purchase order will fulfil the request (it needs a line for it)."""
    _require(actor.has_perm("requests_app.fulfil_request"), "Only IT staff fulfil requests.")
    with transaction.atomic():
        request = _locked(request)
        if request.status not in (R.APPROVED, R.ORDERING):
            raise _refuse(request, "ordered", (R.APPROVED, R.ORDERING))
        order = _locked_order(order)
        has_line = order.lines.filter(request=request).exists()
        if order.status == OrderStatus.CANCELLED or (
            not has_line and order.status != OrderStatus.DRAFT
        ):
            # A line added after sending would never reach the register as on order.
            raise _refuse_order(
                order,
                "given a line for this request",
                "Add requests to a draft order, or raise a new one.",
            )
        if not has_line:
            order.lines.create(
                category=request.category,
                model=request.model,
                quantity=_outstanding(request),
                unit_cost=(request.estimated_cost / request.quantity).quantize(Decimal("0.01")),
                request=request,
                department=request.department,
                expected_date=request.needed_by,
            )
        if order.status != OrderStatus.DRAFT and request.status == R.APPROVED:
            request.status = R.ORDERING
        _save_request(request, actor=actor, reason=f"To be fulfilled by {order.number}")
    return request


def link_new_hire(request: AssetRequest, *, actor, user) -> AssetRequest:
    """The new hire now has an account: received equipment waiting for them is deployed."""
    _require(
        actor.has_perm("requests_app.fulfil_request"),
        "Only IT staff link a new hire to an account.",
    )
    with transaction.atomic():
        request = _locked(request)
        if not request.is_for_new_hire or request.for_user_id:
            raise RequestRefused(
                f"Request #{request.pk} is not waiting for a new hire's account.",
                request=request.pk,
                current_status=request.status,
            )
        if not user.is_active:
            raise ValidationError({"user": f"{user.get_username()} is inactive."})
        request.for_user = user
        _save_request(
            request, actor=actor, reason=f"{request.new_hire_name} is {user.get_username()}"
        )
        waiting = OrderedAsset.objects.filter(
            line__request=request,
            received_at__isnull=False,
            asset__status=AssetStatus.IN_STOCK,
        ).exclude(asset__allocations__request=request)
        for unit in waiting.select_related("asset__category"):
            # Units whose category has required setup steps wait for IT to allocate them.
            if _outstanding(request) > 0 and checklist_ready(unit.asset, None):
                _allocate(request, unit.asset, actor=actor)
    return request


def create_new_hire_account(
    request: AssetRequest,
    *,
    actor,
    username: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    send_welcome: bool = True,
) -> AssetRequest:
    """Make the new hire's account and link it; no usable password: a welcome e-mail sets one.

    ``send_welcome=False`` is for seeding a database, which must not send e-mail.
    """
    _require(actor.has_perm("requests_app.fulfil_request"), "Only IT staff create accounts here.")
    username = username.strip()
    if not username:
        raise ValidationError({"username": "Choose a username."})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"{username} is taken: choose another."})
    if not first_name and not last_name and request.new_hire_name:
        first_name, _, last_name = request.new_hire_name.partition(" ")
    with transaction.atomic():
        user = User(
            username=username, email=email.strip(), first_name=first_name, last_name=last_name
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        user.groups.add(Group.objects.get(name=EMPLOYEES))
        Profile.objects.update_or_create(user=user, defaults={"department": request.department})
        linked = link_new_hire(request, actor=actor, user=user)
        if user.email and send_welcome:
            # The welcome e-mail with a "choose your password" link, only once this commits.
            transaction.on_commit(lambda: send_sign_in_link.delay(user.pk))
        return linked


# --- purchase orders -----------------------------------------------------------------------------


@dataclass
class LineInput:
    category: Category
    quantity: int
    unit_cost: Decimal | str | int
    model: AssetModel | None = None
    description: str = ""
    expected_date: datetime.date | None = None
    request: AssetRequest | None = None
    department: Department | None = None


def _next_order_number() -> str:
    """PO-2026-0001, -0002...: a locked counter per year, so concurrent orders never clash."""
    year = timezone.localdate().year
    return f"PO-{year}-{next_number(f'PO-{year}'):04d}"


def create_order(
    *, actor, vendor: Vendor, lines: list[LineInput], notes: str = "", currency: str = ""
) -> PurchaseOrder:
    _require(
        actor.has_perm("requests_app.add_purchaseorder"), "Only IT staff raise purchase orders."
    )
    if not lines:
        raise ValidationError({"lines": "An order needs at least one line."})
    errors: dict[str, list[str]] = {}
    for index, line in enumerate(lines, start=1):
        problems = []
        if line.quantity is None or int(line.quantity) < 1:
            problems.append("order at least one")
        try:
            line.unit_cost = _money(line.unit_cost, "unit_cost")
        except ValidationError:
            problems.append("the unit cost must be an amount of 0 or more")
        if line.model is not None and line.model.category_id != line.category.pk:
            problems.append(f"{line.model} is a {line.model.category}, not a {line.category}")
        if line.request is not None:
            line.request.refresh_from_db()  # decide on its state now, not when it was loaded
            if line.request.status not in (R.APPROVED, R.ORDERING):
                problems.append(
                    f"request #{line.request.pk} is {R(line.request.status).label.lower()}, "
                    "not approved"
                )
            elif line.request.category_id != line.category.pk:
                problems.append(f"request #{line.request.pk} is for a {line.request.category}")
        if problems:
            errors[f"lines[{index}]"] = [f"Line {index}: {'; '.join(problems)}."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = PurchaseOrder(
            number=_next_order_number(),
            vendor=vendor,
            notes=notes.strip(),
            currency=currency or settings.ITAM_CURRENCY,
            created_by=actor,
        )
        order._history_user = actor
        order._change_reason = "Drafted"
        order.save()
        for line in lines:
            PurchaseOrderLine.objects.create(
                order=order,
                category=line.category,
                model=line.model,
                description=line.description.strip(),
                quantity=int(line.quantity),
                unit_cost=line.unit_cost,
                expected_date=line.expected_date,
                request=line.request,
                department=line.department or (line.request.department if line.request else None),
            )
    return order


def _locked_order(order: PurchaseOrder) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().select_related("vendor").get(pk=order.pk)


def _save_order(order: PurchaseOrder, *, actor, reason: str) -> None:
    order._history_user = actor
    order._change_reason = reason
    order.save()


def _note_arrivals_elsewhere(order: PurchaseOrder) -> list[str]:
    """Units whose asset was received on its own (the asset's Receive move, not this order) have
    arrived: marked so, the order neither withdraws nor still expects them. Their tags.

    Before, cancelling such an order tried to withdraw an asset already in stock and answered
    the asset's 409 instead of the order's (found by the API fuzz).
    """
    units = OrderedAsset.objects.filter(
        line__order=order, received_at__isnull=True, asset__isnull=False
    ).exclude(asset__status=AssetStatus.ON_ORDER)
    tags = sorted(units.values_list("asset__tag", flat=True))
    if tags:
        units.update(received_at=timezone.now())
    return tags


def _refuse_order(order: PurchaseOrder, action: str, detail: str) -> OrderRefused:
    return OrderRefused(
        f"{order.number} is {OrderStatus(order.status).label.lower()}: it cannot be {action}. "
        f"{detail}",
        order=order.pk,
        current_status=order.status,
    )


def send_order(order: PurchaseOrder, *, actor) -> PurchaseOrder:
    """Sent to the vendor: every unit appears in the register as ``on_order`` from today."""
    _require(
        actor.has_perm("requests_app.send_purchaseorder"), "Only IT staff send purchase orders."
    )
    with transaction.atomic():
        order = _locked_order(order)
        if order.status != OrderStatus.DRAFT:
            raise _refuse_order(order, "sent", "Only a draft is sent.")
        lines = list(order.lines.select_related("model__manufacturer", "category", "request"))
        for line in lines:
            for _ in range(line.quantity):
                asset = lifecycle.register(
                    actor=actor,
                    on_order=True,
                    reason=f"Ordered on {order.number}",
                    name=line.description
                    or (str(line.model) if line.model else str(line.category)),
                    category=line.category,
                    model=line.model,
                    vendor=order.vendor,
                    purchase_cost=line.unit_cost,
                    order_number=order.number,
                    department=line.department,
                )
                OrderedAsset.objects.create(line=line, asset=asset)
        order.status = OrderStatus.SENT
        order.sent_at = timezone.now()
        _save_order(order, actor=actor, reason=f"Sent to {order.vendor}")
        for request in {line.request for line in lines if line.request is not None}:
            request = _locked(request)
            if request.status == R.APPROVED:
                request.status = R.ORDERING
                _save_request(request, actor=actor, reason=f"Ordered on {order.number}")
                notify(
                    _people(request),
                    kind="request_ordering",
                    subject=f"Request #{request.pk} is on order",
                    body=f"Ordered from {order.vendor} on {order.number}.",
                    url=request.get_absolute_url(),
                )
    return order


def _serials_in_register(line: PurchaseOrderLine, serials: list[str]) -> list[str]:
    """Tags of assets of the same model (or category) that already carry one of ``serials``:
    a serial typed twice, or a unit received twice, would otherwise make two records of one box."""
    from django.db.models.functions import Upper

    same_kind = {"model": line.model} if line.model_id else {"category": line.category}
    clashes = (
        Asset.objects.annotate(serial_upper=Upper("serial_number"))
        .filter(serial_upper__in=[s.upper() for s in serials], **same_kind)
        .order_by("tag")
    )
    return [f"{a.serial_number} ({a.tag})" for a in clashes]


@dataclass
class Receipt:
    line: PurchaseOrderLine
    serial_numbers: list[str]
    # Deployment steps done on arrival; a unit whose required steps are not all ticked stays
    # in stock for its request, to be allocated (with the checklist) from the request page.
    checklist_done: list[int] | None = None


def receive_order(
    order: PurchaseOrder,
    *,
    actor,
    receipts: list[Receipt],
    location: Location | None = None,
) -> list[Asset]:
    """Goods arrived (all or part of a line): into stock with their serials; units that serve a
    request go straight to its person."""
    _require(actor.has_perm("requests_app.receive_purchaseorder"), "Only IT staff receive goods.")
    with transaction.atomic():
        order = _locked_order(order)
        if order.status == OrderStatus.CANCELLED:
            raise _refuse_order(order, "received", "Nothing can be received on a cancelled order.")
        if order.status == OrderStatus.DRAFT:
            raise _refuse_order(order, "received", "Send it first.")
        if order.status == OrderStatus.RECEIVED:
            raise _refuse_order(order, "received", "Everything on it has already arrived.")
        if not receipts:
            raise ValidationError({"lines": "Say which lines arrived."})
        _note_arrivals_elsewhere(order)
        errors: dict[str, list[str]] = {}
        plan: list[tuple[PurchaseOrderLine, list[OrderedAsset], list[str]]] = []
        seen_lines: set[int] = set()
        seen_serials: set[str] = set()
        for receipt in receipts:
            line = receipt.line
            label = f"Line {line.pk} ({line.item_name})"
            if line.order_id != order.pk:
                errors[f"line {line.pk}"] = [f"Line {line.pk} is not on {order.number}."]
                continue
            if line.pk in seen_lines:
                errors[f"line {line.pk}"] = [f"{label} is listed twice: list each line once."]
                continue
            seen_lines.add(line.pk)
            serials = [s.strip() for s in receipt.serial_numbers]
            pending = list(
                line.units.filter(received_at__isnull=True).select_related("asset").order_by("pk")
            )
            if not serials:
                errors[f"line {line.pk}"] = [f"{label}: give a serial number for each unit."]
            elif len(serials) > len(pending):
                received = line.quantity - len(pending)
                errors[f"line {line.pk}"] = [
                    f"{label}: {line.quantity} ordered and {received} already received, so at "
                    f"most {len(pending)} more can arrive, not {len(serials)}."
                ]
            elif any(not s for s in serials):
                errors[f"line {line.pk}"] = [f"{label}: a serial number is empty."]
            elif len({s.upper() for s in serials} | seen_serials) != len(serials) + len(
                seen_serials
            ):
                errors[f"line {line.pk}"] = [f"{label}: the same serial number is given twice."]
            elif clash := _serials_in_register(line, serials):
                errors[f"line {line.pk}"] = [
                    f"{label}: already in the register with this serial number: "
                    + ", ".join(clash)
                    + "."
                ]
            else:
                seen_serials.update(s.upper() for s in serials)
                plan.append((line, pending[: len(serials)], serials))
        if errors:
            raise ValidationError(errors)

        received_assets: list[Asset] = []
        receipts_by_line = {receipt.line.pk: receipt for receipt in receipts}
        now = timezone.now()
        for line, units, serials in plan:
            for unit, serial in zip(units, serials, strict=True):
                asset = lifecycle.receive(
                    unit.asset,
                    actor=actor,
                    reason=f"Received on {order.number}",
                    serial_number=serial,
                    location=location,
                )
                unit.received_at = now
                unit.save(update_fields=["received_at"])
                request = line.request
                if request is not None:
                    request = _locked(request)
                    done = receipts_by_line[line.pk].checklist_done
                    if (
                        request.for_user is not None
                        and request.status in (R.ORDERING, R.APPROVED)
                        and _outstanding(request) > 0
                        and checklist_ready(asset, done)
                    ):
                        asset = _allocate(request, asset, actor=actor, checklist_done=done)
                received_assets.append(asset)
        still_pending = OrderedAsset.objects.filter(line__order=order, received_at__isnull=True)
        order.status = (
            OrderStatus.PARTIALLY_RECEIVED if still_pending.exists() else OrderStatus.RECEIVED
        )
        _save_order(
            order,
            actor=actor,
            reason=f"Received {len(received_assets)} unit(s): "
            + ", ".join(a.tag for a in received_assets),
        )
    return received_assets


def cancel_order(order: PurchaseOrder, *, actor, reason: str) -> PurchaseOrder:
    """Cancel what has not arrived: its on-order assets leave the register (in history); the
    requests it served go back to approved, to be fulfilled another way."""
    reason = _reason(reason, required=True, what="a cancellation")
    _require(actor.has_perm("requests_app.change_purchaseorder"), "Only IT staff cancel orders.")
    with transaction.atomic():
        order = _locked_order(order)
        if order.status in (OrderStatus.RECEIVED, OrderStatus.CANCELLED):
            raise _refuse_order(order, "cancelled", "Nothing on it is still to arrive.")
        arrived = _note_arrivals_elsewhere(order)
        pending = OrderedAsset.objects.filter(
            line__order=order, received_at__isnull=True
        ).select_related("asset")
        if arrived and not pending.exists():
            raise _refuse_order(
                order,
                "cancelled",
                f"Everything on it has arrived ({', '.join(arrived)} received on its own): "
                "nothing is left to cancel.",
            )
        for unit in pending:
            lifecycle.withdraw_order(
                unit.asset, actor=actor, reason=f"{order.number} cancelled: {reason}"
            )
        order.status = OrderStatus.CANCELLED
        _save_order(order, actor=actor, reason=f"Cancelled: {reason}")
        for request in AssetRequest.objects.filter(order_lines__order=order).distinct():
            request = _locked(request)
            if request.status == R.ORDERING:
                request.status = R.APPROVED
                _save_request(
                    request, actor=actor, reason=f"{order.number} cancelled: to fulfil again"
                )
    return order
