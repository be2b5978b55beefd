"""Every URL of the app, from the resolver, with the world's object put into each path.

A new route with an argument the map below does not know makes ``object_urls`` fail, so each new
object URL is checked by the IDOR and XSS tests from the day it is added.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.conftest import World

# Routes not checked here, and why.
SKIPPED = {
    # the token in the path is the secret: tested in tests/test_accounts.py
    "password_reset_confirm",
    # the calendar feed answers to a secret token in the query, not to a session
    "loaners:ics",
}


@dataclass(frozen=True)
class Route:
    name: str  # namespaced URL name
    args: tuple[str, ...]  # names of the path arguments
    api: bool


def routes() -> list[Route]:
    """Every named route outside Django's admin."""
    found: list[Route] = []

    def walk(resolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if str(entry.pattern).startswith("admin/"):
                    continue
                inner = ":".join(p for p in (namespace, entry.namespace or "") if p)
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                args = tuple(entry.pattern.regex.groupindex)
                found.append(Route(name, args, (prefix + str(entry.pattern)).startswith("api/")))

    walk(get_resolver(), "", "")
    unique = {route.name: route for route in found}  # our overrides shadow Django's same names
    return sorted(unique.values(), key=lambda r: r.name)


def _pk(name: str, w: World) -> int:
    """The primary key the route ``name`` takes: the world's object of that kind."""
    by_prefix = [
        (("requests_app:order", "api-purchase-order"), w.order.pk),
        (("requests_app:", "api-request-"), w.request.pk),
        (("places:location", "api-report-location", "api-location-"), w.site.pk),
        (("loaners:", "api-reservation-"), w.reservation.pk),
        (("maintenance:plan", "api-maintenance-plan-"), w.plan.pk),
        (("maintenance:seat-release",), w.seat.pk),
        (("maintenance:license", "api-license-"), w.license.pk),
        (("maintenance:", "api-maintenance-"), w.record.pk),
        (("audits:", "api-audit-"), w.audit.pk),
        (("assets:wipe-certificate", "api-asset-wipe-certificate"), w.extra["wipe"].pk),
        (("api-department-",), w.sales.pk),
        (("api-manufacturer-",), w.extra["pool_model"].manufacturer_id),
        (("api-asset-model-", "api-loaner-pool-"), w.extra["pool_model"].pk),
        (("api-vendor-",), w.extra["vendor"].pk),
        (("api-budget-",), w.budget.pk),
        (("api-checklist-",), w.checklist_item.pk),
    ]
    for prefixes, pk in by_prefix:
        if name.startswith(prefixes):
            return pk
    raise KeyError(f"No object for the pk of route {name}: add it to tests/security/routes.py")


def kwargs_for(route: Route, w: World) -> dict:
    values = {}
    for arg in route.args:
        if arg == "pk":
            values[arg] = _pk(route.name, w)
        elif arg == "tag":
            gone = "wipe" in route.name or "disposal" in route.name
            values[arg] = (w.disposed if gone else w.laptop).tag
        elif arg == "username":
            values[arg] = w.amy.username
        elif arg == "slug":
            values[arg] = {
                "api-category-detail": w.extra["category"].slug,
                "api-label-template-detail": w.label_template,
            }.get(route.name, w.sales.slug)
        elif arg == "category_slug":
            values[arg] = w.extra["category"].slug
        elif arg == "seat_id":
            values[arg] = w.seat.pk
        elif arg == "kind":
            values[arg] = "assets"
        elif arg == "job_id":
            values[arg] = w.job.pk
        elif arg == "model_id":
            values[arg] = w.extra["pool_model"].pk
        elif arg == "move":
            values[arg] = "check-in"
        elif arg == "fmt":
            values[arg] = "svg"
        elif arg == "template":
            values[arg] = w.label_template
        else:
            raise KeyError(f"Route {route.name} takes {arg}: add it to tests/security/routes.py")
    return values


def object_urls(w: World) -> list[tuple[Route, str]]:
    """Every route with an object in its path, reversed for the world's objects."""
    return [
        (route, reverse(route.name, kwargs=kwargs_for(route, w)))
        for route in routes()
        if route.args and route.name not in SKIPPED
    ]


def plain_urls() -> list[tuple[Route, str]]:
    """Every route without arguments (lists, forms, reports, the dashboard)."""
    return [(route, reverse(route.name)) for route in routes() if not route.args]
