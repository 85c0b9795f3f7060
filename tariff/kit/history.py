"""Audit history of one object, read from django-simple-history (issue 8).

``history_entries(obj, related=...)`` lists, newest first, who changed what and when on
``obj`` and on related tracked objects (a declaration and its liquidations), each
modification with its fields old → new (``diff_against`` the previous record of the
same object). ``templates/includes/history.html`` renders it.

``SimpleHistoryAdmin`` is the history admin every app uses: django-simple-history's own
saves the "revert" form of ``/admin/…/<id>/history/<version>/`` for anyone who may *view*
the object; here a POST there needs the change permission on that object, like the
change form itself.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin as _BaseHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from .numbers import format_number

CHANGE_LABELS = {"+": _("Création"), "~": _("Modification"), "-": _("Suppression")}
EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    date: dt.datetime
    user: str  # "" when the change was not made by a known user (task, import, shell)
    change_type: str  # "+", "~", "-"
    change_label: str
    object_label: str
    changes: list[FieldChange]
    reason: str


def display_value(field: models.Field, value) -> str:
    """A field value as the French pages show it."""
    if value is None or value == "" or getattr(value, "pk", "") is None:  # empty foreign key (simple_history DeletedObject)
        return EMPTY
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("oui") if value else _("non"))
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value,
                                   "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        # Grouped, at least the centimes, no trailing zeros beyond (rate 10,800000 → 10,80).
        places = max(2, -value.normalize().as_tuple().exponent) if value.is_finite() else None
        return format_number(value, decimal_places=places)
    if isinstance(value, (float, dt.time)):
        return str(formats.localize(value))
    return str(value)


def _historical_querysets(obj, related) -> list[models.QuerySet]:
    """Historical-record querysets for ``obj`` and ``related``: model instances, iterables of
    instances (one query per model), or querysets of historical records."""
    querysets = [obj.history.all()]
    by_model: dict[type, list] = defaultdict(list)
    for item in related:
        if isinstance(item, models.QuerySet) and hasattr(item.model, "instance_type"):
            querysets.append(item)
            continue
        for instance in [item] if isinstance(item, models.Model) else item:
            by_model[type(instance)].append(instance.pk)
    for model, pks in by_model.items():
        querysets.append(model.history.filter(**{model._meta.pk.attname + "__in": pks}))
    return querysets


def _user_label(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _object_label(record, *, main: bool) -> str:
    """The object as named by its latest record; related objects prefixed by their model."""
    if main:
        return str(record.instance)
    name = str(record.instance_type._meta.verbose_name)
    return f"{name[:1].upper()}{name[1:]} {record.instance}"


def history_entries(obj, *, related: Iterable = (), limit: int | None = 200) -> list[HistoryEntry]:
    """Changes of ``obj`` (and of ``related`` tracked objects), newest first."""
    entries: list[tuple[tuple, HistoryEntry]] = []
    for queryset in _historical_querysets(obj, related):
        history_model = queryset.model
        model = history_model.instance_type
        pk_name = model._meta.pk.attname
        field_order = {f.name: i for i, f in enumerate(model._meta.get_fields())}
        records = list(queryset.select_related("history_user").order_by(pk_name, "history_date", "history_id"))
        latest = {getattr(record, pk_name): record for record in records}  # ascending: the last one wins
        labels = {object_id: _object_label(record, main=model is type(obj)) for object_id, record in latest.items()}
        previous = None
        for record in records:
            object_id = getattr(record, pk_name)
            if previous is not None and getattr(previous, pk_name) != object_id:
                previous = None
            changes: list[FieldChange] = []
            if previous is not None and record.history_type == "~":
                delta = record.diff_against(previous, foreign_keys_are_objs=True)
                for change in sorted(delta.changes, key=lambda c: field_order.get(c.field, 0)):
                    field = model._meta.get_field(change.field)
                    changes.append(FieldChange(
                        str(field.verbose_name), display_value(field, change.old), display_value(field, change.new)))
            entries.append(((record.history_date, record.history_id), HistoryEntry(
                date=record.history_date,
                user=_user_label(record.history_user),
                change_type=record.history_type,
                change_label=str(CHANGE_LABELS.get(record.history_type, record.history_type)),
                object_label=labels[object_id],
                changes=changes,
                reason=record.history_change_reason or "",
            )))
            previous = record
    entries.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _key, entry in entries[:limit]]


class _DisplayedValues(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            return super().prepare_delta_change_value(change, value)
        return display_value(field, value)


class SimpleHistoryAdmin(_BaseHistoryAdmin):
    """django-simple-history's admin; reverting (POST on a history version) needs the
    change permission on the object (the base class only asks for view). The "Changes"
    column shows values as the pages do (choice labels, French dates)."""

    def get_historical_record_context_helper(self, request, historical_record):
        return _DisplayedValues(self.model, historical_record)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)
