"""The register page: fixed query count, filters, sorting, pagination, and bad input."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.choices import LocationKind
from tests.factories import (
    AssetModelFactory,
    CategoryFactory,
    DepartmentFactory,
    LocationFactory,
    make_asset,
    make_user,
)

pytestmark = pytest.mark.django_db

REGISTER = "/assets/"


def tags_on(response) -> list[str]:
    """The asset tags in the register's rows, in the order shown."""
    return re.findall(r'class="tag-link" href="/assets/([^/]+)/"', response.content.decode())


@pytest.fixture
def it_user():
    return make_user("it", username="ian")


@pytest.fixture
def signed_in(client, it_user):
    client.force_login(it_user)
    return client


def room(n: int):
    """A room four levels deep (site > building > floor > room), as real sites are."""
    site = LocationFactory(name=f"Site {n}")
    building = LocationFactory(name=f"Building {n}", parent=site, kind=LocationKind.BUILDING)
    floor = LocationFactory(name=f"Floor {n}", parent=building, kind=LocationKind.FLOOR)
    return LocationFactory(name=f"Room {n}", parent=floor, kind=LocationKind.ROOM)


def fill(count: int):
    """``count`` assets, each in its own deep room, with a model, some deployed to people."""
    category = CategoryFactory(name="Laptops", slug="laptops")
    model = AssetModelFactory(category=category)
    department = DepartmentFactory(name="Ops")
    for n in range(count):
        holder = make_user("employee", username=f"holder{n}", department=department)
        status = "deployed" if n % 2 else "in_stock"
        make_asset(
            status,
            holder=holder,
            name=f"Laptop {n:03d}",
            category=category,
            model=model,
            location=room(n),
            department=department,
        )


def queries_for(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), tags_on(response)


def test_register_runs_the_same_number_of_queries_for_5_and_60_rows(client, it_user):
    # Given 5 assets, then 60 (each in its own four-level-deep room, with model and holder)
    client.force_login(it_user)
    url = f"{REGISTER}?page_size=100"
    fill(5)
    small, small_tags = queries_for(client, url)
    fill_more = 55
    category = CategoryFactory(name="Laptops", slug="laptops")
    for n in range(5, 5 + fill_more):
        holder = make_user("employee", username=f"holder{n}")
        make_asset(
            "deployed", holder=holder, name=f"Laptop {n:03d}", category=category, location=room(n)
        )

    # When the register is shown with every row on one page
    large, large_tags = queries_for(client, url)

    # Then all rows are there and the query count did not grow
    assert len(small_tags) == 5
    assert len(large_tags) == 60
    assert large == small, f"{small} queries for 5 rows but {large} for 60"


def test_register_query_count_is_fixed_for_a_manager_too(client):
    department = DepartmentFactory(name="Sales")
    manager = make_user("manager", username="sam", department=department)
    client.force_login(manager)
    for n in range(3):
        make_asset(
            "deployed", holder=make_user("employee", username=f"a{n}", department=department)
        )
    small, small_tags = queries_for(client, REGISTER)
    for n in range(3, 30):
        make_asset(
            "deployed", holder=make_user("employee", username=f"a{n}", department=department)
        )
    large, large_tags = queries_for(client, REGISTER)
    assert (len(small_tags), len(large_tags)) == (3, 30)
    assert large == small


def test_rows_show_status_badge_category_model_location_and_holder(signed_in):
    holder = make_user("employee", username="eve", first_name="Eve", last_name="Stone")
    category = CategoryFactory(name="Phones", slug="phones")
    model = AssetModelFactory(name="Pixel 9", category=category)
    make_asset(
        "deployed",
        holder=holder,
        name="Eve phone",
        category=category,
        model=model,
        location=room(1),
    )

    page = signed_in.get(REGISTER).content.decode()

    assert '<span class="badge badge-blue">Deployed</span>' in page
    assert "Phones" in page
    assert "Pixel 9" in page
    assert "Room 1" in page
    assert "Eve Stone" in page


def test_filters_by_status_category_location_department_holder_and_text(signed_in):
    laptops = CategoryFactory(name="Laptops", slug="laptops")
    phones = CategoryFactory(name="Phones", slug="phones")
    sales = DepartmentFactory(name="Sales")
    eve = make_user("employee", username="eve", department=sales)
    hq = LocationFactory(name="HQ")
    hq_room = LocationFactory(name="Room 1", parent=hq, kind=LocationKind.ROOM)
    elsewhere = LocationFactory(name="Depot")
    a = make_asset("deployed", holder=eve, name="Eve laptop", category=laptops, location=hq_room)
    b = make_asset(
        "in_stock", name="Spare phone", category=phones, location=elsewhere, serial_number="SN-777"
    )
    c = make_asset("retired", name="Old laptop", category=laptops, location=hq)

    assert set(tags_on(signed_in.get(REGISTER, {"status": "deployed"}))) == {a.tag}
    assert set(tags_on(signed_in.get(REGISTER, {"status": ["deployed", "retired"]}))) == {
        a.tag,
        c.tag,
    }
    assert set(tags_on(signed_in.get(REGISTER, {"category": "laptops"}))) == {a.tag, c.tag}
    # a location includes the rooms inside it
    assert set(tags_on(signed_in.get(REGISTER, {"location": hq.pk}))) == {a.tag, c.tag}
    assert set(tags_on(signed_in.get(REGISTER, {"department": sales.pk}))) == {a.tag}
    assert set(tags_on(signed_in.get(REGISTER, {"holder": "EVE"}))) == {a.tag}
    assert set(tags_on(signed_in.get(REGISTER, {"q": "sn-777"}))) == {b.tag}
    assert set(tags_on(signed_in.get(REGISTER, {"q": "old lap"}))) == {c.tag}
    assert set(tags_on(signed_in.get(REGISTER, {"q": a.tag}))) == {a.tag}


def test_sorting_by_a_column_and_toggling_its_direction(signed_in):
    for name in ("Bravo", "Alpha", "Charlie"):
        make_asset("in_stock", name=name)

    ascending = signed_in.get(REGISTER, {"ordering": "name"})
    descending = signed_in.get(REGISTER, {"ordering": "-name"})

    names_up = re.findall(r'data-label="Name">(\w+)', ascending.content.decode())
    names_down = re.findall(r'data-label="Name">(\w+)', descending.content.decode())
    assert names_up == ["Alpha", "Bravo", "Charlie"]
    assert names_down == ["Charlie", "Bravo", "Alpha"]
    up_page = ascending.content.decode()
    # the sorted column says so to screen readers, and its link flips the direction
    assert re.search(
        r'aria-sort="ascending">\s*<a class="sort-link" href="\?ordering=-name"', up_page
    )
    down_page = descending.content.decode()
    assert re.search(
        r'aria-sort="descending">\s*<a class="sort-link" href="\?ordering=name"', down_page
    )
    assert up_page.count("aria-sort=") == 1


def test_sort_links_keep_the_filters_and_drop_the_page(signed_in):
    make_asset("in_stock", name="One")
    page = signed_in.get(REGISTER, {"status": "in_stock", "page": "1"}).content.decode()
    assert 'href="?status=in_stock&amp;ordering=name"' in page


def test_pagination_with_page_size_and_out_of_range_pages(signed_in, settings):
    settings.ITAM_PAGE_SIZE = 4
    for n in range(10):
        make_asset("in_stock", name=f"Item {n}")

    first = signed_in.get(REGISTER)
    third = signed_in.get(REGISTER, {"page": 3})
    beyond = signed_in.get(REGISTER, {"page": 99})
    nonsense = signed_in.get(REGISTER, {"page": "abc"})
    bigger = signed_in.get(REGISTER, {"page_size": 25})

    assert len(tags_on(first)) == 4
    assert "1–4 of 10 assets" in first.content.decode()
    assert "Page 1 of 3" in first.content.decode()
    assert len(tags_on(third)) == 2
    assert tags_on(beyond) == tags_on(third)  # the last page, not an error
    assert tags_on(nonsense) == tags_on(first)
    assert len(tags_on(bigger)) == 10


def test_page_size_is_capped_at_200(signed_in):
    response = signed_in.get(REGISTER, {"page_size": 100000})
    assert response.status_code == 200
    assert response.context["paginator"].per_page == 200


@pytest.mark.parametrize(
    "params, message",
    [
        ({"status": "bogus"}, "Status"),
        ({"category": "no-such-category"}, "Category"),
        ({"location": "abc"}, "Location"),
        ({"department": "999999"}, "Department"),
        ({"ordering": "password"}, "Sort by"),
    ],
)
def test_bad_filter_values_say_so_instead_of_failing(signed_in, params, message):
    make_asset("in_stock", name="Anything")
    response = signed_in.get(REGISTER, params)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Some filters could not be read" in page
    assert f"<li>{message}:" in page
    assert tags_on(response) == []


def test_odd_page_size_values_fall_back_to_the_default(signed_in):
    make_asset("in_stock", name="Anything")
    for value in ("-5", "0", "lots"):
        response = signed_in.get(REGISTER, {"page_size": value})
        assert response.status_code == 200
        assert len(tags_on(response)) == 1


def test_employee_register_is_called_my_assets_and_is_scoped(client):
    eve = make_user("employee", username="eve")
    mine = make_asset("deployed", holder=eve, name="Mine")
    make_asset("in_stock", name="Not mine")
    client.force_login(eve)

    response = client.get(REGISTER, {"status": "in_stock"})
    everything = client.get(REGISTER)

    assert tags_on(response) == []  # a filter never widens what a person may see
    assert tags_on(everything) == [mine.tag]
    assert "<h1>My assets</h1>" in everything.content.decode()


def test_filter_labels_survive_the_api_schema_being_generated(signed_in, tmp_path):
    """drf-spectacular caches label-less fields on the shared filters; the page must not care."""
    from django.core.management import call_command

    call_command("spectacular", "--file", str(tmp_path / "schema.yml"))

    page = signed_in.get(REGISTER, {"status": "bogus"}).content.decode()

    assert "<li>Status:" in page
    assert "<legend>Status" in page
    assert ">None<" not in page
