"""django-import-export building blocks every app's reference tables use: French values read
(``17,5``, ``31/12/2024``, ``oui``), foreign keys by natural key, French column headers, every
existing row loaded in one query, and ``ReferenceResource``: rows written in bulk with their
history rows, unchanged rows skipped, every row checked (``full_clean``), a file all or nothing."""
from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.dispatch import Signal
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult
from import_export.widgets import ForeignKeyWidget
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .business_rules import NoOverlappingValidity
from .errors import DomainError

# Sent (``sender`` = the model) after an import wrote rows in bulk, which sends no ``post_save``:
# the tariff index replaces its reference-version token on it (``tariff.signals``).
rows_imported = Signal()

# --- widgets: French spreadsheets (``17,5``, ``31/12/2024``, ``oui``) and messages in words ------


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class FrenchDecimalWidget(widgets.DecimalWidget):
    """Reads ``17,5``, ``17.5``, ``1 234,50`` and ``1.234,50``; a bad value is named in French."""

    def clean(self, value, row=None, **kwargs):
        if is_empty(value):
            return None
        if isinstance(value, Decimal):
            return value
        if isinstance(value, (int, float)):
            return Decimal(str(value))
        text = "".join(str(value).split()).replace("\u00a0", "").replace("\u202f", "")
        if "," in text and "." in text:
            thousands, decimal = (".", ",") if text.rfind(",") > text.rfind(".") else (",", ".")
            text = text.replace(thousands, "").replace(decimal, ".")
        else:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(_("nombre attendu (ex. 17,5 ou 17.5), « %(value)s » reçu.") % {"value": value})
        return number


_ISO_DATE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$")
_FRENCH_DATE = re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$")


class FrenchDateWidget(widgets.DateWidget):
    """ISO dates (exports) and ``31/12/2024`` (French Excel); XLSX cells arrive as dates."""

    FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y")

    def clean(self, value, row=None, **kwargs):
        if is_empty(value):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        match = _FRENCH_DATE.match(text) or _ISO_DATE.match(text)
        if match:  # the two forms every file uses, without strptime (17,000 rows of rates)
            parts = match.groupdict()
            try:
                return dt.date(int(parts["y"]), int(parts["m"]), int(parts["d"]))
            except ValueError:
                pass  # 31/02/2024: the message below
        for fmt in self.FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise ValueError(_("date attendue (AAAA-MM-JJ ou JJ/MM/AAAA), « %(value)s » reçu.") % {"value": value})


class FrenchBooleanWidget(widgets.BooleanWidget):
    TRUE_VALUES = ("1", "true", "vrai", "oui", "o", "yes", "x")
    FALSE_VALUES = ("0", "false", "faux", "non", "n", "no")

    def clean(self, value, row=None, **kwargs):
        if is_empty(value):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE_VALUES:
            return True
        if text in self.FALSE_VALUES:
            return False
        raise ValueError(_("oui/non attendu (true/false, 1/0), « %(value)s » reçu.") % {"value": value})


class LookupWidget(ForeignKeyWidget):
    """A foreign key by natural key, looked up once per import (one query per lookup table);
    an unknown key is named in words: « Loi de finances « LF-99 » inconnue »."""

    def __init__(self, model, field, unknown_message, normalize=None, display=None):
        super().__init__(model, field=field)
        self.unknown_message = unknown_message
        self.normalize = normalize
        self.display = display
        self._cache = None
        # Set by ``prime``: the cache holds every row there is (the table and the rows an earlier
        # file of the job creates), so an unknown key is an error without a query.
        self._complete = False

    def prime(self, pending=()) -> None:
        """Loads the table once and adds the rows an earlier file of the same job will create
        (not written yet: a preview writes nothing)."""
        if self._cache is None:
            self._cache = {getattr(obj, self.field): obj for obj in self.model.objects.all()}
        for obj in pending:
            self._cache.setdefault(getattr(obj, self.field), obj)
        self._complete = True

    def _key(self, value):
        text = str(value).strip()
        if self.normalize:
            try:
                return self.normalize(text)
            except DomainError as exc:
                raise ValueError(exc.message) from exc
        return text

    def clean(self, value, row=None, **kwargs):
        if is_empty(value):
            return None
        key = self._key(value)
        if self._cache is None:
            self._cache = {getattr(obj, self.field): obj for obj in self.model.objects.all()}
        obj = self._cache.get(key)
        if obj is None and self._complete:
            raise ValueError(self.unknown_message % {"value": str(value).strip()})
        if obj is None:
            obj = self.model.objects.filter(**{self.field: key}).first()  # created earlier in the same job
            if obj is None:
                raise ValueError(self.unknown_message % {"value": str(value).strip()})
            self._cache[key] = obj
        return obj

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return self.display(value) if self.display else getattr(value, self.field)


class FrenchHeadersMixin:
    """Spreadsheets in French: every exported column is headed by its model field's verbose name
    (``Ligne tarifaire``, ``Valable du``), or by ``Meta.french_headers[name]`` for a column that
    is not a model field. A file read back may head its columns either way: in French (an export)
    or by their column names (``tariff_code``, ``valid_from``: the shipped data files, older
    exports). This class is the one place that maps the two (``column_names``)."""

    def header_of(self, field: fields.Field) -> str:
        overrides = getattr(self._meta, "french_headers", None) or {}
        name = next((key for key, value in self.fields.items() if value is field), field.column_name)
        if name in overrides:
            return str(overrides[name])
        attribute = (field.attribute or "").split("__")[0]
        try:
            model_field = self._meta.model._meta.get_field(attribute.removesuffix("_id") if attribute else name)
        except FieldDoesNotExist:
            return field.column_name
        return capfirst(str(model_field.verbose_name))

    def french_headers(self) -> dict[str, str]:
        """Column name → French header, for every field of the resource."""
        return {field.column_name: self.header_of(field) for field in self.fields.values()}

    def column_names(self, headers) -> list[str]:
        """A file's headers as column names: a French header becomes its column's name; a column
        name (or anything else) is kept as it is."""
        by_header = {header: column for column, header in self.french_headers().items()}
        return [by_header.get(header, header) for header in headers]

    def get_export_headers(self, selected_fields=None):
        return [self.header_of(field) for field in self.get_export_fields(selected_fields) if field]

    def import_data(self, dataset, *args, **kwargs):
        """Reads French headers as well as column names; a column is named in error messages as
        the file heads it."""
        headers = list(dataset.headers or [])
        columns = self.column_names(headers)
        self._file_headers = {column: header for column, header in zip(columns, headers)}
        if columns != headers:
            dataset.headers = columns
        return super().import_data(dataset, *args, **kwargs)

    def file_header(self, column: str) -> str:
        return getattr(self, "_file_headers", {}).get(column, column)


class KeyedInstanceLoader(BaseInstanceLoader):
    """Every existing row of the table in one query, keyed by the import id fields
    (django-import-export's ``CachedInstanceLoader`` handles a single id field only)."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.id_fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        self.instances = None

    @staticmethod
    def _part(value):
        if isinstance(value, models.Model):
            # a parent an earlier file of the job creates has no pk yet: no existing row matches it
            return value.pk if value.pk is not None else ("unsaved", id(value))
        return value

    def key_of_instance(self, instance):
        return tuple(self._part(field.get_value(instance)) for field in self.id_fields)

    def key_of_values(self, values: dict):
        """The key of a row from its cleaned values (attribute → value)."""
        return tuple(self._part(values.get(field.attribute)) for field in self.id_fields)

    def load(self, *, select_related: bool = True) -> dict:
        """Every existing row, keyed (one query). Without ``select_related`` the parents are
        not loaded: a foreign key is compared by its id."""
        if self.instances is None:
            queryset = self.resource.get_queryset()
            related = [f.attribute for f in self.resource.get_import_fields()
                       if f.attribute and isinstance(f.widget, ForeignKeyWidget) and "__" not in f.attribute]
            if related and select_related:
                queryset = queryset.select_related(*related)
                self.instances = {self.key_of_instance(obj): obj for obj in queryset}
            else:
                opts = self.resource._meta.model._meta
                parts = [(opts.get_field(f.attribute).attname if f.attribute in related else f.attribute)
                         for f in self.id_fields]
                self.instances = {tuple(getattr(obj, part) for part in parts): obj for obj in queryset}
        return self.instances

    def get_instance(self, row):
        errors = {}
        key = []
        for field in self.id_fields:
            try:
                key.append(self._part(field.clean(row)))
            except ValueError as exc:
                errors[field.column_name] = ValidationError(str(exc), code="invalid")
        if errors:
            raise ValidationError(errors)
        return self.load().get(tuple(key))


@functools.cache
def _model_field(model, attribute):
    return model._meta.get_field(attribute)


class ReferenceResource(FrenchHeadersMixin, resources.ModelResource):
    """Base of every reference table: French values read, rows written in bulk with their
    history rows (django-simple-history), unchanged rows skipped (no write, no history row),
    every row checked (``full_clean``: business rules) and the whole file all or nothing."""

    class Meta:
        abstract = True
        skip_unchanged = True
        report_skipped = False
        skip_html_diff = True
        # No diff object per row (a deepcopy of each instance): ``skip_row`` compares against the
        # values noted when the row's instance was loaded (``after_init_instance``).
        skip_diff = True
        clean_model_instances = True
        use_transactions = True
        use_bulk = True
        batch_size = 1000
        instance_loader_class = KeyedInstanceLoader

    # Set by the import job: called with the number of rows read so far.
    progress_callback = None
    progress_every = 500
    history_user = None
    _import_fields = None
    # Set by the import job: a list the new and updated rows are noted in (the preview table).
    change_log = None
    change_log_limit = 200
    # Columns the model derives from the imported ones (``prepare_write`` fills them): bulk
    # writes call no ``save()``, so they are filled here and written with the imported fields.
    derived_fields: tuple[str, ...] = ()

    def prepare_write(self, instance) -> None:
        """What ``save()`` derives, for a row about to be written in bulk (none by default)."""

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if isinstance(f, models.DecimalField):
            return FrenchDecimalWidget
        if isinstance(f, models.DateField) and not isinstance(f, models.DateTimeField):
            return FrenchDateWidget
        if isinstance(f, models.BooleanField):
            return FrenchBooleanWidget
        return super().widget_from_django_field(f, default=default)

    def _by_column(self, error_dict):
        # import-export keys a field's errors by attribute; the file knows it by its column.
        columns = {f.attribute: f.column_name for f in self.get_import_fields() if f.attribute}
        return {self.file_header(columns.get(name, name)): errors for name, errors in error_dict.items()}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True, key=None):
        """``full_clean`` as django-import-export runs it, with the checks that cost one query per
        row done in memory instead when they are equivalent: the natural key's uniqueness (the
        instance loader holds every row by that key), the validity range check (rule VAL1) and
        rule VAL2, no overlapping validity (every period of the table is loaded once)."""
        errors = dict(import_validation_errors or {})
        model = type(instance)
        in_memory_overlap = self._checks_overlap_in_memory(model)
        if in_memory_overlap:
            instance.business_rules = tuple(r for r in model.business_rules if r is not NoOverlappingValidity)
        # A foreign key read by a LookupWidget was loaded from its table: no query to check it exists.
        looked_up = {attribute for attribute, _attname in self._lookup_fields
                     if self._value_key(instance, attribute) is not None}
        try:
            instance.full_clean(exclude=set(errors) | looked_up, validate_unique=self._unique_needs_query(model),
                                validate_constraints=self._constraints_need_query(model))
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        finally:
            if in_memory_overlap:
                del instance.business_rules
        if not errors:
            try:
                self._check_duplicate_key(instance, key)
                if in_memory_overlap:
                    self._check_overlap(instance)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(self._by_column(errors))

    def _id_attributes(self) -> set[str]:
        return {self.fields[name].attribute for name in self.get_import_id_fields()}

    @functools.cached_property
    def _unique_query(self) -> bool:
        unique_checks, _date_checks = self._meta.model()._get_unique_checks()
        keys = self._id_attributes()
        return any(set(fields) != keys for _model, fields in unique_checks if fields != ("id",) and fields != ("pk",))

    def _unique_needs_query(self, model) -> bool:
        return self._unique_query

    @functools.cached_property
    def _constraint_query(self) -> bool:
        return any(not (isinstance(c, models.CheckConstraint) and c.name.endswith("_valid_range"))
                   for c in self._meta.model._meta.constraints)

    def _constraints_need_query(self, model) -> bool:
        return self._constraint_query

    @functools.cached_property
    def _lookup_fields(self):
        opts = self._meta.model._meta
        return [(f.attribute, opts.get_field(f.attribute).attname) for f in self.get_import_fields()
                if isinstance(f.widget, LookupWidget)]

    def get_import_fields(self):
        # asked several times per row; the fields do not change during an import
        if self._import_fields is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    @staticmethod
    def _checks_overlap_in_memory(model) -> bool:
        return NoOverlappingValidity in getattr(model, "business_rules", ()) and bool(getattr(model, "validity_key", ()))

    @staticmethod
    def _value_key(instance, attribute):
        """A field's value as a key: a foreign key by its id, or — a parent an earlier file of
        the job creates, not saved yet — by the parent object's identity."""
        field = _model_field(type(instance), attribute)
        value = getattr(instance, field.attname, None)
        if value is None and field.is_relation:
            parent = field.get_cached_value(instance, None)
            if parent is not None:
                return ("unsaved", id(parent))
        return value

    def _check_duplicate_key(self, instance, key=None):
        """``key``: the row's natural key when the caller has it (the same form for every row)."""
        if key is None:
            key = tuple(self._value_key(instance, a) for a in sorted(self._id_attributes()))
        first = self._keys_seen.setdefault(key, self._row_number)
        if first != self._row_number:
            raise ValidationError(_("Ligne en double : même clé que la ligne %(row)s du fichier.") % {"row": first + 1})

    def _check_overlap(self, instance):
        """Rule VAL2 against the table as it will be: its rows (loaded once) and the file's rows
        before this one (waiting for the bulk write, not yet in the table)."""
        model = type(instance)
        attnames = [model._meta.get_field(f).attname for f in model.validity_key]
        if self._periods is None:
            self._periods = {}
            for *key, pk, start, end in model.objects.values_list(*attnames, "pk", "valid_from", "valid_to"):
                self._periods.setdefault(tuple(key), {})[pk] = (start, end)
        key = tuple(self._value_key(instance, f) for f in model.validity_key)
        if not instance.valid_from or any(v is None for v in key):
            return
        start, end = instance.valid_from, instance.valid_to
        periods = self._periods.setdefault(key, {})
        clashes = sorted(((s, e, owner) for owner, (s, e) in periods.items() if owner != instance.pk
                          and (e is None or e >= start) and (end is None or s <= end)),
                         key=lambda c: (c[0], c[1] or dt.date.max))
        if clashes:
            clash_start, clash_end, owner = clashes[0]
            dates = {"start": f"{clash_start:%d/%m/%Y}", "end": f"{clash_end:%d/%m/%Y}" if clash_end else "…"}
            line = self._period_lines.get(owner)
            where = (_("Chevauchement avec la ligne %(line)s du fichier, du %(start)s au %(end)s.")
                     % {**dates, "line": line} if line else
                     _("Chevauchement avec la ligne du %(start)s au %(end)s.") % dates)
            raise ValidationError(f"[{NoOverlappingValidity.code}] {NoOverlappingValidity.message()} {where}")
        owner = instance.pk or ("row", self._row_number)
        periods[owner] = (start, end)
        self._period_lines[owner] = self._row_number + 1

    def after_init_instance(self, instance, new, row, **kwargs):
        super().after_init_instance(instance, new, row, **kwargs)
        self._original_values = None if new else [f.get_value(instance) for f in self.get_import_fields()]

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged rows are skipped: not saved, so no history row (skip_unchanged)."""
        if not self._meta.skip_unchanged or import_validation_errors or self._original_values is None:
            return False
        return all(f.get_value(instance) == old for f, old in zip(self.get_import_fields(), self._original_values))

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._periods = None
        self._period_lines = {}  # period owner → its line in the file, for the rows of the file
        self._keys_seen = {}
        self._row_number = 0

    def import_row(self, row, instance_loader, **kwargs):
        self._row_number = number = kwargs.get("row_number", 0)
        row_result = super().import_row(row, instance_loader, **kwargs)
        if (self.change_log is not None and len(self.change_log) < self.change_log_limit
                and row_result.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE)):
            self.change_log.append({"row": number + 1, "action": row_result.import_type,
                                    "label": row_result.object_repr})
        if self.progress_callback and number % self.progress_every == 0:
            self.progress_callback(number)
        return row_result

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            for instance in self.create_instances:
                self.prepare_write(instance)
            try:
                bulk_create_with_history(self.create_instances, self._meta.model, batch_size=batch_size,
                                         default_user=self.history_user)
            except Exception as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.update_instances and (using_transactions or not dry_run):
            for instance in self.update_instances:
                self.prepare_write(instance)
            try:
                bulk_update_with_history(self.update_instances, self._meta.model, self.get_bulk_update_fields(),
                                         batch_size=batch_size, default_user=self.history_user)
            except Exception as exc:
                self.handle_import_error(result, exc, raise_errors)
            finally:
                self.update_instances.clear()

    def get_bulk_update_fields(self):
        names = {f.name for f in self._meta.model._meta.concrete_fields}
        id_fields = {self.fields[name].attribute for name in self.get_import_id_fields()}
        return [f.attribute for f in self.get_import_fields()
                if f.attribute in names and f.attribute not in id_fields] + list(self.derived_fields)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if result.totals.get("new") or result.totals.get("update"):
            # bulk writes send no post_save: whoever caches reference data learns of them here
            rows_imported.send(sender=self._meta.model)

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        """All or nothing: a row with an error or a failed validation rolls back every row
        (django-import-export itself only rolls back on errors, not on validation errors)."""
        with transaction.atomic():
            result = super().import_data(
                dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=use_transactions, **kwargs
            )
            if result.has_errors() or result.has_validation_errors():
                transaction.set_rollback(True)
        return result
