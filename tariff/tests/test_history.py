"""tariff.kit.history: who changed what on a reference row, old → new, newest first; the same in
the admin history view (issue 8)."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tariff.kit.history import display_value, history_entries
from tariff.models import DraftRateChange, FinanceLaw, TariffLine, VatCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, editor_user):
    client.force_login(editor_user)
    return client


def test_an_admin_edit_is_in_the_history_with_its_user_and_old_new_values(editor):
    category = VatCategory.objects.create(code="hist-test", label="Ancien libellé", tariff_prefixes="0101")
    response = editor.post(reverse("admin:tariff_vatcategory_change", args=[category.pk]),
                           {"code": "hist-test", "label": "Nouveau libellé", "tariff_prefixes": "0101"})
    assert response.status_code == 302

    latest, created = history_entries(category)
    assert (created.change_label, created.user) == ("Création", "")
    assert (latest.change_label, latest.user, latest.object_label) == ("Modification", "editor", "Nouveau libellé")
    assert [(c.label, c.old, c.new) for c in latest.changes] == [
        ("désignation", "Ancien libellé", "Nouveau libellé")]

    html = editor.get(reverse("admin:tariff_vatcategory_history", args=[category.pk])).content.decode()
    assert "editor" in html and "Ancien libellé" in html and "Nouveau libellé" in html


def test_related_rows_are_merged_newest_first_and_deletions_listed():
    law = FinanceLaw.objects.create(code="LF-HIST", title="LF historique", effective_date=dt.date(2026, 1, 1),
                                    status=FinanceLaw.Status.DRAFT)
    change = DraftRateChange.objects.create(law=law, kind="DI", tariff_line=TariffLine.objects.first(),
                                            rate=Decimal("10"), valid_from=dt.date(2026, 1, 1))
    change.rate = Decimal("2.5")
    change.save()
    law.title = "LF historique (révisée)"
    law.save()
    change.delete()

    entries = history_entries(law, related=[DraftRateChange.history.filter(law_id=law.pk)])
    assert [(e.change_label, e.object_label.split(" ")[0]) for e in entries] == [
        ("Suppression", "Modification"), ("Modification", "LF-HIST"), ("Modification", "Modification"),
        ("Création", "Modification"), ("Création", "LF-HIST"),
    ]
    rate_change = entries[2].changes
    assert [(c.label, c.old, c.new) for c in rate_change] == [("taux (%)", "10,00", "2,50")]


def test_values_are_shown_as_on_the_pages():
    status = FinanceLaw._meta.get_field("status")
    assert display_value(status, "draft") == "Projet"
    assert display_value(FinanceLaw._meta.get_field("effective_date"), dt.date(2024, 1, 1)) == "01/01/2024"
    assert display_value(FinanceLaw._meta.get_field("number"), "") == "—"
    assert display_value(DraftRateChange._meta.get_field("exempt"), True) == "oui"


def test_an_empty_foreign_key_is_shown_as_a_dash():
    from simple_history.models import DeletedObject

    field = DraftRateChange._meta.get_field("tariff_line")
    assert display_value(field, DeletedObject(TariffLine, None)) == "—"
    assert display_value(field, DeletedObject(TariffLine, 42)) != "—"
