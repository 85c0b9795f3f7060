"""Payment of the liquidation in force and release of the goods (mainlevée): liquidated →
paid → cleared; a paid declaration is never re-liquidated by a finance law."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from declarations.models import Declaration, DeclarationPayment, RecalculationResult, RecalculationRun
from declarations.selectors import declarations_to_pay
from declarations.services import (
    declaration_liquidate,
    declaration_record_payment,
    declaration_record_release,
    declaration_register,
)
from tariff.kit.errors import DomainError, DomainErrors
from tariff.services import finance_law_publish

from .factories import article, liquidated_pet_food, make_declaration, pay, pet_food_draft_law

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_payment_with_the_wrong_amount_is_refused_in_french_and_writes_nothing():
    d = liquidated_pet_food()  # 4,428.00 MAD: DI 1,890 + VAT 2,538
    with pytest.raises(DomainError) as exc:
        declaration_record_payment(declaration=d, paid_on=TODAY, amount=Decimal("4400.00"), means="bank",
                                   reference="Q-1")
    assert exc.value.code == "payment_amount_mismatch"
    assert exc.value.message == ("Le montant payé (4\xa0400,00 MAD) doit être égal au total de la liquidation en "
                                 "vigueur (4\xa0428,00 MAD).")
    d.refresh_from_db()
    assert d.status == Declaration.Status.LIQUIDATED and not DeclarationPayment.objects.exists()


def test_payment_then_release_take_the_declaration_to_cleared():
    d = liquidated_pet_food()
    payment = declaration_record_payment(declaration=d, paid_on=TODAY, amount="4428.00", means="e_payment",
                                         reference="QUIT-2025-1")
    d.refresh_from_db()
    assert d.status == Declaration.Status.PAID and payment.liquidation.is_current and payment.amount == Decimal("4428.00")
    declaration_record_release(declaration=d, released_on=TODAY, reference="BAE-1")
    d.refresh_from_db()
    assert d.status == Declaration.Status.CLEARED and d.release.reference == "BAE-1"


def test_release_before_payment_is_refused():
    d = liquidated_pet_food()
    with pytest.raises(DomainError) as exc:
        declaration_record_release(declaration=d, released_on=TODAY, reference="BAE-1")
    assert exc.value.code == "release_before_payment"


def test_a_payment_dated_before_the_liquidation_or_in_the_future_is_refused():
    d = liquidated_pet_food()
    with pytest.raises(DomainErrors) as exc:
        declaration_record_payment(declaration=d, paid_on=TODAY + dt.timedelta(days=1), amount="1", means="bank",
                                   reference="Q")
    assert {e.code for e in exc.value.errors} == {"payment_amount_mismatch", "payment_in_future"}
    with pytest.raises(DomainError) as exc:
        declaration_record_payment(declaration=d, paid_on=TODAY - dt.timedelta(days=1), amount="4428.00",
                                   means="bank", reference="Q")
    assert exc.value.code == "payment_before_liquidation"


def test_paying_twice_is_refused():
    d = liquidated_pet_food()
    pay(d)
    with pytest.raises(DomainError) as exc:
        pay(d)
    assert exc.value.code == "invalid_status"


def test_an_export_with_nothing_to_pay_is_released_without_payment():
    from .factories import PartyFactory, make_etpp_authorisation

    exporter = PartyFactory()
    auth = make_etpp_authorisation(exporter=exporter, code="2309.10.00.00")
    d = make_declaration(procedure_code="077", party=exporter, etpp_authorisation=auth,
                         articles=[article("2309.10.00.00", value="1000")])
    declaration_register(declaration=d, on_date=dt.date(2025, 9, 1))
    declaration_liquidate(declaration=d)
    declaration_record_release(declaration=d, released_on=TODAY, reference="BAE-EXP")
    d.refresh_from_db()
    assert d.status == Declaration.Status.CLEARED


@pytest.mark.parametrize("step", ["paid", "cleared"])
def test_a_finance_law_leaves_paid_and_cleared_declarations_alone(step, django_capture_on_commit_callbacks):
    d = liquidated_pet_food()
    pay(d)
    if step == "cleared":
        declaration_record_release(declaration=d, released_on=TODAY, reference="BAE")
    law = pet_food_draft_law(f"P{step[0]}")
    with django_capture_on_commit_callbacks(execute=True):
        finance_law_publish(law=law)
    result = RecalculationResult.objects.get(run=RecalculationRun.objects.get(law=law), declaration=d)
    assert result.outcome == RecalculationResult.Outcome.SKIPPED and "payée n'est pas recalculée" in result.message
    assert d.liquidations.count() == 1 and d.liquidations.get().total == Decimal("4428.00")


def test_the_to_pay_list_gives_amount_and_age_of_liquidated_unpaid_declarations():
    unpaid = liquidated_pet_food()
    paid = liquidated_pet_food()
    pay(paid)
    rows = declarations_to_pay(today=TODAY + dt.timedelta(days=3))
    assert [(r.pk, r.amount_due, r.age_days) for r in rows] == [(unpaid.pk, Decimal("4428.00"), 3)]
