"""Long lists page in two steps (ids, then rows) and render their selects without templates.

These pieces carry the register and the API list at 100,000 assets (see itam/paging.py); here
they must give exactly what Django's own paginator and widget give.
"""

import re

import pytest
from django import forms
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import Asset, Location
from itam.paging import DeferredJoinPaginator, joins_in_written_order
from itam.widgets import QuickSelect, quicken_selects
from tests.factories import CategoryFactory, LocationFactory, make_asset, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    laptops, phones = CategoryFactory(name="Laptops"), CategoryFactory(name="Phones")
    rooms = [LocationFactory(name=f"Room {n}") for n in "CAB"]
    person = make_user("employee", username="zed")
    for n in range(23):
        make_asset(
            "deployed" if n % 3 == 0 else "in_stock",
            name=f"Unit {n % 7}",
            category=laptops if n % 2 else phones,
            location=rooms[n % 3],
            holder=person if n % 3 == 0 else None,
        )
    return Asset.objects.select_related("category", "location", "assigned_user")


@pytest.mark.parametrize(
    "ordering",
    [("tag",), ("-name", "tag"), ("category__name", "-tag"), ("location__name", "name", "tag")],
)
@pytest.mark.parametrize(("per_page", "orphans"), [(5, 0), (10, 3), (50, 0)])
def test_every_page_holds_the_rows_django_s_paginator_would_show(
    register, ordering, per_page, orphans
):
    queryset = register.order_by(*ordering)
    plain = Paginator(queryset, per_page, orphans=orphans)
    deferred = DeferredJoinPaginator(queryset, per_page, orphans=orphans)
    assert deferred.num_pages == plain.num_pages
    for number in plain.page_range:
        expected = [asset.tag for asset in plain.page(number)]
        shown = deferred.page(number)
        assert [asset.tag for asset in shown] == expected


def test_a_page_reads_its_related_rows_in_the_same_query(register, django_assert_max_num_queries):
    page = DeferredJoinPaginator(register.order_by("tag"), 10).page(2)
    with django_assert_max_num_queries(0):
        labels = [(a.category.name, a.location.name, a.assigned_user) for a in page]
    assert len(labels) == 10


def test_an_empty_list_pages_to_one_empty_page():
    page = DeferredJoinPaginator(Asset.objects.order_by("tag"), 10).page(1)
    assert list(page) == [] and page.paginator.count == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
def test_the_join_order_setting_is_put_back_after_the_block_and_after_an_error():
    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW join_collapse_limit")
            return cursor.fetchone()[0]

    before = setting()
    assert before != "1"
    with joins_in_written_order():
        assert setting() == "1"
    assert setting() == before

    with pytest.raises(ZeroDivisionError), joins_in_written_order():
        1 / 0  # noqa: B018
    assert setting() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner settings")
def test_a_page_of_few_matches_is_found_by_its_filter_then_sorted(register, monkeypatch):
    """With few matches, the ids are read without index scans (no walk of the sort's index)."""

    def settings_during_ids_query(queryset) -> tuple[str, str]:
        seen = []

        def spy(execute, sql, params, many, context):
            if sql.startswith('SELECT "assets_asset"."id" AS "pk"'):
                with context["connection"].connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT current_setting('enable_indexscan'), "
                        "current_setting('enable_indexonlyscan')"
                    )
                    seen.append(cursor.fetchone())
            return execute(sql, params, many, context)

        with connection.execute_wrapper(spy):
            rows = list(DeferredJoinPaginator(queryset, 5).page(2))
        assert len(rows) == 5
        (settings,) = seen
        return settings

    laptops = register.filter(category__name="Laptops").order_by("tag")  # 11 of 23
    assert settings_during_ids_query(laptops) == ("off", "off")
    monkeypatch.setattr("itam.paging.FEW_ROWS", 10)
    assert settings_during_ids_query(laptops) == ("on", "on")
    with connection.cursor() as cursor:  # and the settings are back after the page
        cursor.execute("SHOW enable_indexscan")
        assert cursor.fetchone()[0] == "on"


# --- the select that renders without a template per option ---------------------------------


def _normalised(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


class _Form(forms.Form):
    place = forms.ModelChoiceField(Location.objects.order_by("name"), required=False)
    kind = forms.ChoiceField(
        choices=[("", "Any"), ("Hardware", [("a&b", "Laptops & <tablets>"), ("p", "Phones")])],
        widget=forms.Select(attrs={"aria-describedby": "kind-help", "disabled": False}),
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], required=False)


def test_a_quick_select_writes_the_same_html_as_django_s_select():
    LocationFactory(name='Lab "B" <east>')
    LocationFactory(name="Annex")
    chosen = LocationFactory(name="Zone 9")
    data = {"place": str(chosen.pk), "kind": "a&b", "many": ["y"]}
    slow = {name: _normalised(_Form(data)[name]) for name in ("place", "kind", "many")}

    form = _Form(data)
    quicken_selects(form)
    assert isinstance(form.fields["place"].widget, QuickSelect)
    assert isinstance(form.fields["kind"].widget, QuickSelect)
    assert not isinstance(form.fields["many"].widget, QuickSelect)  # multiple: left alone
    for name, html in slow.items():
        assert _normalised(form[name]) == html
    place = str(form["place"])
    assert f'<option value="{chosen.pk}" selected>Zone 9</option>' in place
    assert "Lab &quot;B&quot; &lt;east&gt;" in place and "<east>" not in place
    kind = str(form["kind"])
    assert '<optgroup label="Hardware">' in kind and "Laptops &amp; &lt;tablets&gt;" in kind
    assert 'aria-describedby="kind-help"' in kind and "disabled" not in kind


# --- every sort ends with the tag: pages of a sort with ties never repeat or skip a row --------


@pytest.mark.parametrize(
    ("asked", "sorted_by"),
    [
        ((), []),  # the model's own order: by tag
        (("status",), ["status", "tag"]),
        (("-name",), ["-name", "-tag"]),
        (("-assigned_user__username", "name"), ["-assigned_user__username", "name", "-tag"]),
        (("-tag",), ["-tag"]),
        (("name", "pk"), ["name", "pk"]),
    ],
)
def test_every_register_sort_ends_with_the_tag(asked, sorted_by):
    from assets.filters import in_total_order

    queryset = Asset.objects.order_by(*asked) if asked else Asset.objects.all()
    assert list(in_total_order(queryset).query.order_by) == sorted_by


@pytest.mark.parametrize("ordering", ["status", "-holder", "category"])
def test_api_pages_of_a_sort_with_ties_hold_every_asset_once(register, ordering):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(make_user("it", username="pager"))
    seen, url = [], f"/api/v1/assets/?ordering={ordering}&page_size=4"
    with CaptureQueriesContext(connection) as queries:
        while url:
            body = api.get(url).json()
            seen += [row["tag"] for row in body["results"]]
            url = body["next"]
    assert sorted(seen) == sorted(register.values_list("tag", flat=True))
    ids = [q["sql"] for q in queries.captured_queries if 'AS "pk"' in q["sql"]]
    assert ids and all('"assets_asset"."tag" ' in sql.split("ORDER BY")[1] for sql in ids)


def test_lists_values_and_distinct_querysets_page_the_ordinary_way(register):
    tags = list(register.order_by("tag").values_list("tag", flat=True))
    for rows in (
        tags,
        register.order_by("tag").values_list("tag", flat=True),
        register.order_by("tag").distinct(),
    ):
        page = DeferredJoinPaginator(rows, 5).page(2)
        assert [getattr(row, "tag", row) for row in page] == tags[5:10]


# --- the register's rows, written in Python: the same HTML as the template they replaced --------

ROW_TEMPLATE = """{% load asset_tags %}{% for asset in assets %}
    <tr>
      {% if bulk_actions %}<td class="col-select" data-label="Select"><input type="checkbox" name="tags" value="{{ asset.tag }}" id="pick-{{ forloop.counter }}" aria-label="Select {{ asset.tag }}"></td>{% endif %}
      <td data-label="Tag"><a class="tag-link" href="{% url 'assets:detail' asset.tag %}">{{ asset.tag }}</a></td>
      <td data-label="Name">{{ asset.name }}{% if asset.serial_number %}<span class="muted block small">S/N {{ asset.serial_number }}</span>{% endif %}</td>
      <td data-label="Status">{% status_badge asset.status %}</td>
      <td data-label="Category">{{ asset.category.name }}</td>
      <td data-label="Model">{% if asset.model %}{{ asset.model.manufacturer.name }} {{ asset.model.name }}{% else %}<span class="muted">—</span>{% endif %}</td>
      <td data-label="Location">{{ asset.location.name|default:"—" }}</td>
      <td data-label="Held by">{% if asset.assigned_user %}{{ asset.assigned_user|person }}{% elif asset.assigned_location %}{{ asset.assigned_location.name }}{% elif asset.assigned_department %}{{ asset.assigned_department.name }}{% else %}<span class="muted">—</span>{% endif %}</td>
      <td data-label="Next audit">{% if asset.next_audit_date %}{{ asset.next_audit_date|date:"j M Y" }}{% else %}<span class="muted">—</span>{% endif %}</td>
    </tr>
    {% endfor %}"""  # noqa: E501 (the template as it stood)


@pytest.mark.parametrize("selectable", [True, False])
def test_the_register_rows_are_the_html_the_template_wrote(selectable):
    import datetime

    from django.contrib.auth import get_user_model
    from django.template import Context, Template

    from assets.models import AssetModel, Category, Department, Manufacturer
    from assets.templatetags.asset_tags import register_rows

    evil = '<script>alert("x")</script> & co'
    laptops = Category(name=f"Laptops {evil}")
    maker = Manufacturer(name=f"Lenovo {evil}")
    people = get_user_model()
    assets = [
        Asset(
            tag="IT-000001",
            name=f"ThinkPad {evil}",
            serial_number=f"SN {evil}",
            status="deployed",
            category=laptops,
            model=AssetModel(name=f"T14 {evil}", manufacturer=maker),
            location=Location(name=f"Room {evil}"),
            assigned_user=people(username="sam", first_name="Sam", last_name=f"T {evil}"),
            next_audit_date=datetime.date(2027, 3, 4),
        ),
        Asset(tag="IT-000002", name="Dock", status="in_stock", category=laptops),
        Asset(
            tag="IT-000003",
            name="Screen",
            status="deployed",
            category=laptops,
            model=AssetModel(name="P27", manufacturer=Manufacturer(name="Dell")),
            location=Location(name=""),
            assigned_location=Location(name=f"Meeting room {evil}"),
        ),
        Asset(
            tag="PRE 7 ü?#&",  # a pre-printed tag with characters a URL must quote
            name="Printer",
            status="no_such_status",
            category=laptops,
            assigned_department=Department(name=f"Finance {evil}"),
        ),
        Asset(
            tag="IT-000005",
            name="Phone",
            status="retired",
            category=laptops,
            assigned_user=people(username="jo.bloggs"),
        ),
    ]
    expected = Template(ROW_TEMPLATE).render(
        Context({"assets": assets, "bulk_actions": ["check_in"] if selectable else []})
    )
    written = register_rows(assets, selectable)
    assert _normalised(written) == _normalised(expected)
    assert "<script>" not in written and "&lt;script&gt;" in written


@pytest.mark.parametrize("tag", ["IT-000001", "PRE 7 ü?#&", "a%20b", "x:y@z~!$'()*+,;="])
def test_tag_links_are_the_urls_reverse_gives(tag, rf):
    from django.urls import reverse

    from assets.links import TagLinks

    assert TagLinks("assets:detail")(tag) == reverse("assets:detail", args=[tag])
    request = rf.get("/")
    absolute = TagLinks("api-asset-detail", request.build_absolute_uri)
    expected = request.build_absolute_uri(reverse("api-asset-detail", args=[tag]))
    assert absolute(tag) == expected
