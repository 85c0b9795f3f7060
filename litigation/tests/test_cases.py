"""Case services: creation, offences charged, status transitions and documents
(CDII art. 45 quater, 66 bis)."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from litigation.models import Case, CaseDocument, CaseOffence, CaseParty
from litigation.services import (
    LitigationError,
    case_add_offence,
    case_create,
    case_document_add,
    case_document_delete,
    case_exposure,
    case_transition,
)

from .factories import CaseDocumentFactory, CaseFactory, case_with

pytestmark = pytest.mark.django_db
D = Decimal
Status = Case.Status


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_case_create_with_parties_and_offences():
    case = case_create(
        reference="CTX-2024-0001", office="Tanger-Med", facts_date=dt.date(2024, 2, 10),
        duties_compromised=D("40000"), goods_customs_value=D("100000"),
        parties=[{"name": "Atlas Trading SARL", "role": CaseParty.Role.OFFENDER}],
        offences=[{"article": "281", "paragraph": "1"}, {"article": "297", "paragraph": "8°"}],
    )
    assert case.status == Status.REPORTED
    assert [co.offence.citation for co in case.case_offences.all()] == ["281-1°", "297-8°"]
    assert case.parties.get().name == "Atlas Trading SARL"
    exposure = case_exposure(case)
    assert (exposure.fine_min_total, exposure.fine_max_total) == (D("130000.00"), D("170000.00"))


def test_case_create_is_all_or_nothing():
    with pytest.raises(LitigationError) as exc:
        case_create(reference="CTX-2024-0002", office="Nador", facts_date=dt.date(2024, 2, 10),
                    offences=[{"article": "281", "paragraph": "1°"}, {"article": "281", "paragraph": "42°"}])
    assert exc.value.code == "unknown_offence" and exc.value.field == "offences"
    assert not Case.objects.filter(reference="CTX-2024-0002").exists()
    assert not CaseOffence.objects.filter(case__reference="CTX-2024-0002").exists()


def test_charging_an_offence_not_yet_in_force_is_kept_and_flagged():
    case = CaseFactory(facts_date=dt.date(2023, 12, 31))
    charged = case_add_offence(case=case, article="297", paragraph="8°")
    assert charged.offence.valid_from == dt.date(2024, 1, 1)
    [line] = case_exposure(case).lines
    assert not line.applicable


def test_66_bis_below_100000_cannot_be_charged():
    case = CaseFactory(undeclared_amount=D("80000"))
    with pytest.raises(LitigationError) as exc:
        case_add_offence(case=case, article="297", paragraph="7°")
    assert exc.value.code == "below_66_bis_threshold"
    assert exc.value.field == "undeclared_amount"
    assert not case.case_offences.exists()


def test_66_bis_amount_lowered_after_charging_is_flagged_not_applicable():
    case = case_with("297", "7°", undeclared_amount=D("300000"))
    assert case_exposure(case).fine_max_total == D("150000.00")
    case.undeclared_amount = D("50000")
    [line] = case_exposure(case).lines
    assert not line.applicable and "pas d'infraction" in line.reason


def test_the_same_offence_cannot_be_charged_twice():
    case = case_with("281", "1°")
    with pytest.raises(LitigationError) as exc:
        case_add_offence(case=case, article="281", paragraph="1°")
    assert exc.value.code == "duplicate_offence"


# --- status ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "path",
    [
        [Status.UNDER_REVIEW, Status.REFERRED_TO_COURT, Status.CLOSED],
    ],
)
def test_allowed_status_transitions(path):
    case = CaseFactory()
    for status in path:
        case = case_transition(case=case, to_status=status)
        assert case.status == status
    assert case.history.count() == 1 + len(path)


@pytest.mark.parametrize(
    "start, target",
    [
        (Status.REPORTED, Status.CLOSED),
        (Status.REPORTED, Status.REFERRED_TO_COURT),
        (Status.UNDER_REVIEW, Status.REPORTED),
        (Status.CLOSED, Status.UNDER_REVIEW),
        (Status.SETTLED, Status.REFERRED_TO_COURT),
    ],
)
def test_forbidden_status_transitions(start, target):
    case = CaseFactory(status=start)
    with pytest.raises(LitigationError) as exc:
        case_transition(case=case, to_status=target)
    assert exc.value.code == "invalid_transition" and exc.value.field == "status"
    case.refresh_from_db()
    assert case.status == start


def test_settled_is_reached_only_by_recording_the_settlement():
    case = CaseFactory(status=Status.UNDER_REVIEW)
    with pytest.raises(LitigationError) as exc:
        case_transition(case=case, to_status=Status.SETTLED)
    assert exc.value.code == "settlement_required"


def test_unknown_status_is_refused():
    with pytest.raises(LitigationError) as exc:
        case_transition(case=CaseFactory(), to_status="archived")
    assert exc.value.code == "invalid_status"


# --- documents (CDII art. 45 quater) ------------------------------------------------------------

def test_document_of_a_66_bis_case_is_kept_10_years():
    case = case_with("297", "7°", undeclared_amount=D("300000"))
    document = CaseDocumentFactory(case=case, document_date=dt.date(2024, 3, 1))
    assert document.retention_until == dt.date(2034, 3, 1)
    with pytest.raises(LitigationError) as exc:
        case_document_delete(document=document, today=dt.date(2034, 2, 28))
    assert exc.value.code == "document_retention"
    assert "01/03/2034" in exc.value.message and "45 quater" in exc.value.message
    assert CaseDocument.objects.filter(pk=document.pk).exists()


def test_document_of_a_66_bis_case_can_be_deleted_after_10_years(media_root):
    case = case_with("297", "7°", undeclared_amount=D("300000"))
    document = case_document_add(case=case, title="Déclaration de devises", file=ContentFile(b"%PDF-1.4 x", name="d.pdf"),
                                 kind=CaseDocument.Kind.PAYMENT_INSTRUMENT, document_date=dt.date(2014, 3, 1))
    path = media_root / document.file.name
    assert path.exists()
    with pytest.raises(LitigationError):
        case_document_delete(document=document, today=dt.date(2024, 2, 29))
    case_document_delete(document=document, today=dt.date(2024, 3, 1))
    assert not CaseDocument.objects.filter(pk=document.pk).exists()


def test_documents_of_other_cases_have_no_retention_and_may_be_deleted():
    document = CaseDocumentFactory(case=case_with("281", "1°"))
    assert document.retention_until is None
    case_document_delete(document=document)
    assert not CaseDocument.objects.exists()


def test_retention_from_29_february_ends_on_28_february():
    case = case_with("297", "7°", undeclared_amount=D("300000"))
    assert CaseDocumentFactory(case=case, document_date=dt.date(2024, 2, 29)).retention_until == dt.date(2034, 2, 28)


@pytest.mark.django_db
def test_a_case_can_point_to_a_declaration_of_the_office():
    from declarations.tests.factories import make_declaration
    from litigation.services import case_create

    declaration = make_declaration()
    case = case_create(reference="PV-DUM-1", office="309", facts_date=dt.date(2024, 2, 1), declaration=declaration)
    assert case.declaration == declaration and case.dum_reference == declaration.reference
    assert case.declaration_reference == ""  # a link, not a copy of its reference
    assert list(declaration.litigation_cases.all()) == [case]


def test_the_offence_picker_offers_only_the_offences_in_force_on_the_facts_date():
    """Issue 22: art. 280 (and 284, 293, 298) as they stood until 2021-12-31 are not offered for
    facts of 2024; 297-8° (in force from 2024-01-01) is not offered for facts of 2023."""
    from litigation.forms import CaseOffenceForm

    def offered(facts):
        return {key for key, _label in CaseOffenceForm(on_date=facts).fields["offence"].choices if key}

    in_2024, in_2021, in_2023 = offered(dt.date(2024, 3, 1)), offered(dt.date(2021, 6, 1)), offered(dt.date(2023, 6, 1))
    assert "280||" in in_2021 and "280||" not in in_2024
    assert "297|8°|" in in_2024 and "297|8°|" not in in_2023
    assert all(key in in_2024 for key in ("281|1°|",))
