"""ETPP authorisations (CDII art. 152-1 bis, circular 6671/311)."""
import datetime as dt
from decimal import Decimal

import pytest

from declarations.models import Declaration, EtppAuthorisation
from declarations.rules import RegistrationRefused
from declarations.selectors import etpp_overdue_requests
from declarations.services import declaration_cancel, declaration_register

from .factories import PartyFactory, article, make_declaration, make_etpp_authorisation

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 9, 1)


@pytest.fixture
def exporter():
    return PartyFactory(name="Textiles du Nord")


@pytest.fixture(autouse=True)
def garment_line(db):
    from tariff.tests.factories import line_with_rate

    line_with_rate("6109100000", "30", description="T-shirts en coton")
    line_with_rate("8452210000", "2.5", description="Machines à coudre industrielles")


def etpp(exporter, auth=None, *, quantity="400", code="6109.10.00.00", is_equipment=False, proc="077"):
    return make_declaration(procedure_code=proc, party=exporter, etpp_authorisation=auth,
                            articles=[article(code, value="1000", quantity=quantity, is_equipment=is_equipment)])


def test_077_without_authorisation_is_refused(exporter):
    d = etpp(exporter)
    with pytest.raises(RegistrationRefused) as exc:
        declaration_register(declaration=d, on_date=ON)
    assert exc.value.code == "etpp_authorisation_missing" and "152-1 bis" in exc.value.message


def test_771_with_a_valid_authorisation_registers_and_consumes_quantity(exporter):
    auth = make_etpp_authorisation(exporter=exporter, quantity="1000")
    declaration_register(declaration=etpp(exporter, auth, quantity="400", proc="771"), on_date=ON)
    item = auth.items.get()
    assert item.quantity_used == Decimal("400") and item.quantity_left == Decimal("600")


def test_over_use_of_an_authorisation_is_refused_and_nothing_is_imputed(exporter):
    auth = make_etpp_authorisation(exporter=exporter, quantity="1000")
    declaration_register(declaration=etpp(exporter, auth, quantity="700"), on_date=ON)
    second = etpp(exporter, auth, quantity="400")
    with pytest.raises(RegistrationRefused) as exc:
        declaration_register(declaration=second, on_date=ON)
    assert exc.value.code == "etpp_quantity_exceeded"
    assert auth.items.get().quantity_used == Decimal("700")
    second.refresh_from_db()
    assert second.status == Declaration.Status.DRAFT


def test_goods_not_on_the_authorisation_are_refused(exporter):
    auth = make_etpp_authorisation(exporter=exporter, code="8452.21.00.00")
    with pytest.raises(RegistrationRefused) as exc:
        declaration_register(declaration=etpp(exporter, auth), on_date=ON)
    assert exc.value.code == "etpp_goods_not_covered"


def test_a_machine_under_077_registers_without_authorisation(exporter):
    d = etpp(exporter, code="8452.21.00.00", is_equipment=True, quantity="2")
    declaration_register(declaration=d, on_date=ON)
    d.refresh_from_db()
    assert d.status == Declaration.Status.REGISTERED


def test_precious_metals_authorisation_is_not_accepted_through_portnet(exporter):
    auth = make_etpp_authorisation(exporter=exporter, precious_metals=True)
    with pytest.raises(RegistrationRefused) as exc:
        declaration_register(declaration=etpp(exporter, auth), on_date=ON)
    assert exc.value.code == "etpp_precious_metals" and "5360/313" in exc.value.message


def test_paper_authorisations_remain_accepted(exporter):
    auth = make_etpp_authorisation(exporter=exporter, channel=EtppAuthorisation.Channel.PAPER)
    declaration_register(declaration=etpp(exporter, auth), on_date=ON)


def test_pending_or_expired_authorisation_is_refused(exporter):
    pending = make_etpp_authorisation(exporter=exporter, issued=False)
    with pytest.raises(RegistrationRefused) as exc:
        declaration_register(declaration=etpp(exporter, pending), on_date=ON)
    assert exc.value.code == "etpp_authorisation_not_valid"
    issued = make_etpp_authorisation(exporter=exporter)
    with pytest.raises(RegistrationRefused):
        declaration_register(declaration=etpp(exporter, issued), on_date=dt.date(2027, 1, 5))


def test_authorisation_of_another_exporter_is_refused(exporter):
    auth = make_etpp_authorisation(exporter=PartyFactory())
    with pytest.raises(RegistrationRefused) as exc:
        declaration_register(declaration=etpp(exporter, auth), on_date=ON)
    assert exc.value.code == "etpp_wrong_exporter"


def test_pending_request_is_due_after_60_days_then_overdue(exporter):
    auth = make_etpp_authorisation(exporter=exporter, issued=False)  # requested 2025-08-01
    assert auth.due_on == dt.date(2025, 9, 30)
    assert not auth.is_overdue(dt.date(2025, 9, 30)) and auth.is_overdue(dt.date(2025, 10, 1))
    assert auth in etpp_overdue_requests(today=dt.date(2025, 10, 1))
    assert auth not in etpp_overdue_requests(today=dt.date(2025, 9, 30))


def test_cancelling_a_registered_declaration_releases_its_quantities(exporter):
    auth = make_etpp_authorisation(exporter=exporter, quantity="1000")
    d = etpp(exporter, auth, quantity="400")
    declaration_register(declaration=d, on_date=ON)
    declaration_cancel(declaration=d)
    assert auth.items.get().quantity_used == Decimal("0")
