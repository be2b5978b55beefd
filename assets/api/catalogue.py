"""The catalogue API: categories (and their deployment checklists), manufacturers, asset models,
vendors, locations and departments.

Anyone signed in reads them (assets, requests and bookings name them), except vendors, whose
contacts and notes are for IT staff and auditors (``assets.view_vendor``), as on the pages. IT
staff add and edit (``add_``/``change_`` permissions), which a team moving its data over needs;
deleting needs ``delete_`` (administrators) and is refused with a 409 while anything uses the
record (``assets.catalogue.delete_record``). Lists take ``q`` (search), filters and ``ordering``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.permissions import SAFE_METHODS, BasePermission

from assets.catalogue import check_parent, delete_record
from assets.choices import CategoryKind, LocationKind
from assets.models import (
    AssetModel,
    Category,
    ChecklistItem,
    Department,
    Location,
    Manufacturer,
    Vendor,
)

from . import serializers as s
from .serializers import ErrorSerializer, StrictInput, pk_field, user_field

# --- shared pieces -------------------------------------------------------------------------------


def _free_slug(serializer: serializers.Serializer, model, value: str, what: str) -> str:
    """A slug no other row of ``model`` has (the instance being edited may keep its own)."""
    taken = model.objects.filter(slug=value).exclude(pk=getattr(serializer.instance, "pk", None))
    if taken.exists():
        raise serializers.ValidationError(f"“{value}” is taken by another {what}.")
    return value


class Search(SearchFilter):
    """``?q=`` as on the register and the other lists (not DRF's ``?search=``)."""

    search_param = "q"
    search_description = "Search: every word must match one of the searched fields."


class CataloguePermission(BasePermission):
    """Signed in to read (plus ``read_permission`` where the view sets one); the model's add,
    change or delete permission to write, else a 403 that says which."""

    VERBS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        opts = view.permission_model._meta
        if request.method in SAFE_METHODS:
            needed = getattr(view, "read_permission", None)
            if needed and not user.has_perm(needed):
                raise PermissionDenied(
                    f"Only IT staff and auditors see {opts.verbose_name_plural}."
                )
            return True
        verb = view.write_verbs.get(request.method) or self.VERBS.get(request.method, "change")
        if not user.has_perm(f"{opts.app_label}.{verb}_{opts.model_name}"):
            what = view.what_plural or opts.verbose_name_plural
            raise PermissionDenied(f"Your role does not allow you to {verb} {what}.")
        return True


class UseSerializer(serializers.Serializer):
    what = serializers.CharField(help_text="The kind of record, e.g. assets.")
    field = serializers.CharField(help_text="Which of its fields points here.")
    count = serializers.IntegerField()


class InUseSerializer(ErrorSerializer):
    in_use = UseSerializer(many=True, help_text="What still points at the record.")


IN_USE = OpenApiResponse(
    InUseSerializer, description="Something still uses it (listed): nothing was deleted."
)


def _django_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return serializers.ValidationError(detail)


def catalogue_schema(noun: str, plural: str, readers: str, extra: str = ""):
    """The same summaries for each catalogue collection (the errors come from the schema class)."""
    writers = f"Needs the add (POST) or change (PUT, PATCH) permission on {plural}: IT staff."
    article = "an" if noun[0] in "aeiou" else "a"
    return extend_schema_view(
        list=extend_schema(summary=f"List {plural}", description=f"{readers} {extra}".strip()),
        retrieve=extend_schema(summary=f"One {noun}", description=readers),
        create=extend_schema(summary=f"Add {article} {noun}", description=writers),
        update=extend_schema(summary=f"Replace {article} {noun}", description=writers),
        partial_update=extend_schema(summary=f"Edit {article} {noun}", description=writers),
        destroy=extend_schema(
            summary=f"Delete {article} {noun}",
            description=f"Only while nothing uses it (else 409, naming what does). Needs the "
            f"delete permission on {plural}: administrators.",
            responses={204: None, 409: IN_USE},
        ),
    )


class CatalogueViewSet(viewsets.ModelViewSet):
    """CRUD with the catalogue's permissions, search, filters and ordering; guarded deletes."""

    permission_classes = [CataloguePermission]
    filter_backends = [filters.DjangoFilterBackend, Search, OrderingFilter]
    read_permission: str | None = None
    write_verbs: dict[str, str] = {}
    what_plural = ""

    @property
    def permission_model(self):
        return self.queryset.model

    def perform_destroy(self, instance) -> None:
        delete_record(instance, actor=self.request.user)  # InUse -> 409


ACCOUNT_ADMIN = "auth.change_user"  # administrators: who may hand out approval rights


def _admin_only(serializer: serializers.Serializer, changed: bool, message: str) -> None:
    """403 unless the person may administer accounts: some catalogue fields are controls
    (who approves, whether a wipe is needed) that IT staff must not be able to move."""
    user = serializer.context["request"].user
    if changed and not user.has_perm(ACCOUNT_ADMIN):
        raise exceptions.PermissionDenied(message)


def _slug_from_name(serializer: serializers.ModelSerializer, attrs: dict) -> None:
    """A slug left out is made from the name (and must still be free)."""
    if attrs.get("slug") or (serializer.instance is not None and "slug" not in attrs):
        return
    name = attrs.get("name") or (serializer.instance.name if serializer.instance else "")
    slug = slugify(name)[:100]
    if not slug:
        raise serializers.ValidationError({"slug": "Give a slug: none can be made from the name."})
    model = serializer.Meta.model
    if (
        model.objects.filter(slug=slug)
        .exclude(pk=getattr(serializer.instance, "pk", None))
        .exists()
    ):
        raise serializers.ValidationError(
            {"slug": f"“{slug}” (made from the name) is taken: give another slug."}
        )
    attrs["slug"] = slug


# --- categories and their checklists -------------------------------------------------------------


@extend_schema_serializer(component_name="ChecklistItem")
class ChecklistItemWriteSerializer(StrictInput, s.ChecklistItemSerializer):
    class Meta(s.ChecklistItemSerializer.Meta):
        read_only_fields = ["id"]


@extend_schema_serializer(component_name="Category")
class CategoryWriteSerializer(StrictInput, s.CategorySerializer):
    checklist = ChecklistItemWriteSerializer(
        many=True,
        read_only=True,
        help_text="The deployment checklist: every required step's id must be in a deploy or "
        "transfer body's `checklist`. Edit it at /api/v1/categories/<slug>/checklist/.",
    )
    slug = serializers.SlugField(
        max_length=100, required=False, help_text="Made from the name when left out."
    )

    class Meta(s.CategorySerializer.Meta):
        pass

    def validate_slug(self, value: str) -> str:
        return _free_slug(self, Category, value, "category")

    def validate(self, attrs: dict) -> dict:
        was = self.instance.holds_data if self.instance is not None else False
        _admin_only(
            self,
            was and attrs.get("holds_data", was) is False,
            "Only administrators may switch off “holds data”: it is what makes these assets "
            "be wiped before disposal.",
        )
        _slug_from_name(self, attrs)
        return attrs


class CategoryFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=CategoryKind.choices)
    holds_data = filters.BooleanFilter()

    class Meta:
        model = Category
        fields = ["kind", "holds_data"]


@extend_schema(tags=["catalogue"])
@catalogue_schema(
    "category",
    "categories",
    "Anyone signed in. Assets name their category by slug; each shows its deployment "
    "checklist and acceptance terms (text and version). Only administrators "
    "(`auth.change_user`) may switch `holds_data` off (else 403).",
    "`q` searches name and slug.",
)
class CategoryViewSet(CatalogueViewSet):
    """Asset categories, addressed by slug; the checklist is edited at ``/checklist/``."""

    queryset = Category.objects.prefetch_related(
        Prefetch("checklist", queryset=ChecklistItem.objects.order_by("position", "pk"))
    )
    serializer_class = CategoryWriteSerializer
    lookup_field = "slug"
    filterset_class = CategoryFilterSet
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "slug", "id", "audit_interval_days", "expected_life_months"]
    ordering = ["name"]


@extend_schema(tags=["catalogue"])
@extend_schema_view(
    list=extend_schema(
        summary="A category's deployment checklist",
        description="Anyone signed in; in order (position, then id).",
    ),
    retrieve=extend_schema(summary="One checklist step"),
    create=extend_schema(
        summary="Add a checklist step",
        description="Needs `assets.change_category` (IT staff). A required step must then be "
        "ticked on every deploy or transfer of the category's assets.",
    ),
    update=extend_schema(summary="Replace a checklist step"),
    partial_update=extend_schema(summary="Edit a checklist step"),
    destroy=extend_schema(
        summary="Remove a checklist step",
        description="Needs `assets.change_category`. Past deployments keep the step as it was "
        "ticked.",
        responses={204: None},
    ),
)
class ChecklistItemViewSet(viewsets.ModelViewSet):
    """``/api/v1/categories/<slug>/checklist/``: the steps IT ticks off when deploying."""

    permission_classes = [CataloguePermission]
    permission_model = Category
    write_verbs = {"POST": "change", "PUT": "change", "PATCH": "change", "DELETE": "change"}
    what_plural = "categories' checklists"
    serializer_class = ChecklistItemWriteSerializer
    queryset = ChecklistItem.objects.all()
    filter_backends = [OrderingFilter]
    ordering_fields = ["position", "id"]
    ordering = ["position", "pk"]

    def category(self) -> Category:
        return get_object_or_404(Category, slug=self.kwargs["category_slug"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no category
            return ChecklistItem.objects.none()
        return ChecklistItem.objects.filter(category=self.category())

    def perform_create(self, serializer) -> None:
        serializer.save(category=self.category())

    def perform_destroy(self, instance: ChecklistItem) -> None:
        instance._history_user = self.request.user
        instance.delete()


# --- makes and models ----------------------------------------------------------------------------


class ManufacturerSerializer(StrictInput, serializers.ModelSerializer):
    slug = serializers.SlugField(
        max_length=100, required=False, help_text="Made from the name when left out."
    )

    class Meta:
        model = Manufacturer
        fields = ["id", "name", "slug", "website"]

    def validate_slug(self, value: str) -> str:
        return _free_slug(self, Manufacturer, value, "manufacturer")

    def validate(self, attrs: dict) -> dict:
        _slug_from_name(self, attrs)
        return attrs


@extend_schema(tags=["catalogue"])
@catalogue_schema(
    "manufacturer", "manufacturers", "Anyone signed in.", "`q` searches name and slug."
)
class ManufacturerViewSet(CatalogueViewSet):
    """Makers of the asset models."""

    queryset = Manufacturer.objects.all()
    serializer_class = ManufacturerSerializer
    filterset_fields: list[str] = []
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "slug", "id"]
    ordering = ["name"]


class AssetModelSerializer(StrictInput, serializers.ModelSerializer):
    full_name = serializers.CharField(source="__str__", read_only=True, help_text="Maker and name.")
    manufacturer = pk_field(Manufacturer.objects.all(), "manufacturer", "/api/v1/manufacturers/")
    manufacturer_name = serializers.CharField(source="manufacturer.name", read_only=True)
    category = s.category_field()
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = AssetModel
        fields = [
            "id",
            "name",
            "full_name",
            "model_number",
            "manufacturer",
            "manufacturer_name",
            "category",
            "category_name",
        ]
        validators: list = []  # the maker-and-name rule is checked in validate(), with a message

    def validate(self, attrs: dict) -> dict:
        maker = attrs.get("manufacturer") or getattr(self.instance, "manufacturer", None)
        name = attrs.get("name") or getattr(self.instance, "name", None)
        same = AssetModel.objects.filter(manufacturer=maker, name__iexact=name)
        if self.instance is not None:
            same = same.exclude(pk=self.instance.pk)
        if maker is not None and name and same.exists():
            raise serializers.ValidationError(
                {"name": f"{maker.name} already has a model “{name}”."}
            )
        return attrs


class AssetModelFilterSet(filters.FilterSet):
    manufacturer = filters.NumberFilter(field_name="manufacturer_id", label="Manufacturer (id)")
    category = filters.CharFilter(field_name="category__slug", label="Category (slug)")

    class Meta:
        model = AssetModel
        fields = ["manufacturer", "category"]


@extend_schema(tags=["catalogue"])
@catalogue_schema(
    "asset model",
    "asset models",
    "Anyone signed in. Assets name their model by id; loaner pools are per model.",
    "`q` searches name, model number and maker.",
)
class AssetModelViewSet(CatalogueViewSet):
    """Makes and models, e.g. Dell Latitude 7450."""

    queryset = AssetModel.objects.select_related("manufacturer", "category")
    serializer_class = AssetModelSerializer
    filterset_class = AssetModelFilterSet
    search_fields = ["name", "model_number", "manufacturer__name"]
    ordering_fields = ["name", "manufacturer__name", "category__name", "id"]
    ordering = ["manufacturer__name", "name"]


# --- vendors -------------------------------------------------------------------------------------


class VendorSerializer(StrictInput, serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = ["id", "name", "email", "phone", "website", "notes"]


@extend_schema(tags=["catalogue"])
@catalogue_schema(
    "vendor",
    "vendors",
    "IT staff and auditors (`assets.view_vendor`); others 403. Assets, purchase orders and "
    "licences name their vendor by id.",
    "`q` searches name and e-mail.",
)
class VendorViewSet(CatalogueViewSet):
    """Who sells us assets and licences (the importer's Supplier)."""

    queryset = Vendor.objects.all()
    serializer_class = VendorSerializer
    read_permission = "assets.view_vendor"
    filterset_fields: list[str] = []
    search_fields = ["name", "email"]
    ordering_fields = ["name", "id"]
    ordering = ["name"]


# --- places --------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Location")
class LocationWriteSerializer(StrictInput, s.LocationSerializer):
    parent = pk_field(
        Location.objects.all(),
        "location",
        "/api/v1/locations/",
        required=False,
        allow_null=True,
        help_text="The place it is in (id); null for a site at the top.",
    )

    class Meta(s.LocationSerializer.Meta):
        validators: list = []  # unique within its parent: checked in validate(), with a message

    def validate(self, attrs: dict) -> dict:
        instance = self.instance
        parent = attrs["parent"] if "parent" in attrs else getattr(instance, "parent", None)
        name = attrs.get("name") or getattr(instance, "name", "")
        try:
            check_parent(instance, parent)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        siblings = Location.objects.filter(parent=parent, name__iexact=name)
        if instance is not None:
            siblings = siblings.exclude(pk=instance.pk)
        if siblings.exists():
            where = f"in {parent.full_name}" if parent else "at the top level"
            raise serializers.ValidationError({"name": f"There is already a “{name}” {where}."})
        return attrs


class LocationFilterSet(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=LocationKind.choices)
    parent = filters.NumberFilter(field_name="parent_id", label="Directly inside (id)")
    top = filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", label="Only the top level (sites)"
    )

    class Meta:
        model = Location
        fields = ["kind", "parent", "top"]


@extend_schema(tags=["catalogue"])
@catalogue_schema(
    "location",
    "locations",
    "Anyone signed in. Nested site > building > floor > room; `full_name` spells out the path.",
    "`q` searches name and address.",
)
class LocationViewSet(CatalogueViewSet):
    """Places, nested; a location cannot move inside itself."""

    queryset = Location.objects.select_related("parent__parent__parent")
    serializer_class = LocationWriteSerializer
    filterset_class = LocationFilterSet
    search_fields = ["name", "address"]
    ordering_fields = ["name", "kind", "id"]
    ordering = ["name"]


@extend_schema_serializer(component_name="Department")
class DepartmentWriteSerializer(StrictInput, s.DepartmentSerializer):
    slug = serializers.SlugField(
        max_length=150, required=False, help_text="Made from the name when left out."
    )
    manager = user_field(
        required=False,
        allow_null=True,
        help_text="Username of who approves the department's requests.",
    )

    class Meta(s.DepartmentSerializer.Meta):
        pass

    def validate_slug(self, value: str) -> str:
        return _free_slug(self, Department, value, "department")

    def validate(self, attrs: dict) -> dict:
        was = self.instance.manager if self.instance is not None else None
        _admin_only(
            self,
            "manager" in attrs and attrs["manager"] != was,
            "Only administrators may choose a department's manager: the manager approves its "
            "requests.",
        )
        _slug_from_name(self, attrs)
        return attrs


class DepartmentFilterSet(filters.FilterSet):
    slug = filters.CharFilter()
    manager = filters.CharFilter(
        field_name="manager__username", lookup_expr="iexact", label="Manager (username)"
    )

    class Meta:
        model = Department
        fields = ["slug", "manager"]


@extend_schema(tags=["catalogue"])
@catalogue_schema(
    "department",
    "departments",
    "Anyone signed in. Each with its manager, who approves its requests; only administrators "
    "(`auth.change_user`) may set or change the manager (else 403).",
    "`q` searches name, slug and cost centre.",
)
class DepartmentViewSet(CatalogueViewSet):
    """Departments: who owns assets and pays for them."""

    queryset = Department.objects.select_related("manager")
    serializer_class = DepartmentWriteSerializer
    filterset_class = DepartmentFilterSet
    search_fields = ["name", "slug", "cost_centre"]
    ordering_fields = ["name", "slug", "cost_centre", "id"]
    ordering = ["name"]
