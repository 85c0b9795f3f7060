"""Reference data of the exemptions followed over time: the fish-feed quota of code 1086
(LF 2024 art. 5 bis, circ. 6522/210 §V), the 34 school supplies of annexe IV-1 (code 2013)
and the commercial reasons of CDII art. 130-4°."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tariff.models import FinanceLaw, FranchiseCode, Quota, SchoolSupplyItem, WarehouseDisposalReason
from tariff.services import reference_data_import

pytestmark = pytest.mark.django_db


def test_fish_feed_quota_is_15000_tonnes_per_calendar_year_until_2026():
    quotas = Quota.objects.filter(franchise__code="1086").order_by("valid_from")
    assert [(q.period_label, q.volume_kg, q.used_kg) for q in quotas] == [
        ("2024", D("15000000"), D("0")), ("2025", D("15000000"), D("0")), ("2026", D("15000000"), D("0"))]
    assert not Quota.objects.as_of(dt.date(2027, 1, 1)).filter(franchise__code="1086").exists()
    assert Quota.objects.as_of(dt.date(2025, 7, 1)).get(franchise__code="1086").period_label == "2025"


def test_reloading_the_quotas_keeps_what_was_consumed():
    quota = Quota.objects.get(franchise__code="1086", valid_from=dt.date(2025, 1, 1))
    Quota.objects.filter(pk=quota.pk).update(used_kg=D("1234.5"))
    reference_data_import(files=["franchise_quotas.csv"])
    quota.refresh_from_db()
    assert (quota.volume_kg, quota.used_kg) == (D("15000000"), D("1234.5"))


def test_annexe_iv_1_lists_34_school_supplies_from_2024():
    items = SchoolSupplyItem.objects.as_of(dt.date(2024, 9, 1)).order_by("number")
    assert [i.number for i in items] == list(range(1, 35))
    assert items.get(number=34).label == "Taille-crayons"
    assert "25 g ou 35 ml" in items.get(number=10).label
    assert not SchoolSupplyItem.objects.as_of(dt.date(2023, 12, 31)).exists()


def test_warehouse_reasons_are_loaded_and_flagged_provisional():
    reasons = WarehouseDisposalReason.objects.all()
    assert reasons.count() >= 1 and all(r.provisional for r in reasons)


def quota(**kwargs):
    data = {"franchise": FranchiseCode.objects.get(code="1086"), "volume_kg": D("1000"),
            "law": FinanceLaw.objects.get(code="LF-55-23"), "valid_from": dt.date(2027, 1, 1),
            "valid_to": dt.date(2027, 12, 31)}
    data.update(kwargs)
    return Quota(**data)


def test_rule_qta1_a_quota_needs_an_end_date():
    with pytest.raises(ValidationError) as exc:
        quota(valid_to=None).full_clean()
    assert "QTA1" in str(exc.value)


def test_rule_qta2_a_quota_cannot_fall_below_what_was_imputed():
    with pytest.raises(ValidationError) as exc:
        quota(volume_kg=D("10"), used_kg=D("20")).full_clean()
    assert "QTA2" in str(exc.value)


def test_rule_val2_quota_periods_of_one_code_do_not_overlap():
    with pytest.raises(ValidationError) as exc:
        quota(valid_from=dt.date(2026, 6, 1), valid_to=dt.date(2027, 5, 31)).full_clean()
    assert "VAL2" in str(exc.value)


def test_the_database_refuses_an_over_consumed_quota():
    row = Quota.objects.get(franchise__code="1086", valid_from=dt.date(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Quota.objects.filter(pk=row.pk).update(used_kg=D("15000000.001"))
