"""Issue 22: the case lifecycle as the people in charge work it — for each status, which
actions are possible and, for the others, the French reason the services refuse them with
(one home: ``rules.case_action_refusal``)."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from litigation.models import Case, CaseDocument
from litigation.rules import CaseAction, case_next_actions, case_steps
from litigation.services import (
    LitigationError,
    case_add_offence,
    case_document_add,
    case_transition,
    settlement_record,
)
from tariff.kit.uploads import UploadRefused

from .factories import CaseFactory, case_with

pytestmark = pytest.mark.django_db
Status = Case.Status
D = Decimal
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def allowed(status):
    return {a.action for a in case_next_actions(CaseFactory.build(status=status)) if a.allowed}


def reasons(status):
    return {a.action: (a.code, a.reason) for a in case_next_actions(CaseFactory.build(status=status)) if not a.allowed}


def test_next_actions_of_a_reported_case():
    assert allowed(Status.REPORTED) == {CaseAction.REVIEW, CaseAction.ADD_OFFENCE, CaseAction.ADD_DOCUMENT}
    refused = reasons(Status.REPORTED)
    assert refused[CaseAction.SETTLE] == ("invalid_status", (
        "Passez le dossier « En cours d'examen » pour enregistrer une transaction (statut actuel : « Constatée »)."))
    assert refused[CaseAction.REFER][1] == "Passez le dossier en cours d'examen avant de le transmettre au tribunal."
    assert refused[CaseAction.CLOSE][0] == "invalid_transition"


def test_next_actions_of_a_case_under_review():
    assert allowed(Status.UNDER_REVIEW) == {CaseAction.SETTLE, CaseAction.REFER, CaseAction.ADD_OFFENCE,
                                            CaseAction.ADD_DOCUMENT}
    assert reasons(Status.UNDER_REVIEW)[CaseAction.REVIEW][1] == "Le dossier est déjà en cours d'examen."


def test_next_actions_of_a_settled_case():
    assert allowed(Status.SETTLED) == {CaseAction.CLOSE, CaseAction.ADD_DOCUMENT}
    refused = reasons(Status.SETTLED)
    assert refused[CaseAction.SETTLE][1] == "Une transaction est déjà enregistrée sur ce dossier."
    assert refused[CaseAction.REFER][1] == "Dossier réglé par transaction : il n'est plus transmis au tribunal."
    assert refused[CaseAction.ADD_OFFENCE] == (
        "offences_locked", "Dossier « Réglée par transaction » : ses infractions ne peuvent plus être modifiées.")


def test_next_actions_of_a_case_referred_to_court():
    assert allowed(Status.REFERRED_TO_COURT) == {CaseAction.CLOSE, CaseAction.ADD_DOCUMENT}
    assert reasons(Status.REFERRED_TO_COURT)[CaseAction.REFER][1] == "Le dossier est déjà transmis au tribunal."


def test_next_actions_of_a_closed_case():
    assert allowed(Status.CLOSED) == set()
    assert {reason for _code, reason in reasons(Status.CLOSED).values()} == {
        "Dossier clôturé : il ne peut plus être modifié."}


def test_steps_mark_the_passed_ones_and_the_current_one():
    steps = case_steps(CaseFactory.build(status=Status.UNDER_REVIEW))
    assert [[s.state for s in group] for group in steps] == [["done"], ["current"], ["todo", "todo"], ["todo"]]
    steps = case_steps(CaseFactory.build(status=Status.REFERRED_TO_COURT))
    assert [[s.state for s in group] for group in steps] == [["done"], ["done"], ["skipped", "current"], ["todo"]]


def test_steps_of_a_case_closed_after_a_transaction():
    steps = case_steps(CaseFactory.build(status=Status.CLOSED), settled=True)
    assert [[(s.status, s.state) for s in group] for group in steps][2] == [
        (Status.SETTLED, "done"), (Status.REFERRED_TO_COURT, "skipped")]
    assert steps[3][0].state == "current"


# --- the services refuse with the same reasons ---------------------------------------------------

def test_case_transition_refuses_with_the_reason_shown_on_the_page():
    case = CaseFactory(status=Status.REPORTED)
    with pytest.raises(LitigationError) as exc:
        case_transition(case=case, to_status=Status.REFERRED_TO_COURT)
    assert exc.value.code == "invalid_transition" and exc.value.field == "status"
    assert exc.value.message == reasons(Status.REPORTED)[CaseAction.REFER][1]


def test_closing_a_case_under_review_is_refused():
    case = CaseFactory(status=Status.UNDER_REVIEW)
    with pytest.raises(LitigationError) as exc:
        case_transition(case=case, to_status=Status.CLOSED)
    assert exc.value.code == "invalid_transition"
    assert "réglé par transaction ou transmis au tribunal" in exc.value.message


def test_a_closed_case_cannot_be_reopened():
    case = CaseFactory(status=Status.CLOSED)
    with pytest.raises(LitigationError) as exc:
        case_transition(case=case, to_status=Status.UNDER_REVIEW)
    assert exc.value.code == "invalid_transition"
    assert exc.value.message == "Dossier clôturé : il ne peut plus être modifié."


def test_a_second_settlement_is_refused():
    case = case_with("297", "8°", status=Status.UNDER_REVIEW)
    settlement_record(case=case, settlement_date=dt.date(2024, 6, 1), fine_retained=D("20000"),
                      fines_remitted=D("10000"))
    with pytest.raises(LitigationError) as exc:
        settlement_record(case=case, settlement_date=dt.date(2024, 6, 2))
    assert exc.value.code == "invalid_status"
    assert exc.value.message == "Une transaction est déjà enregistrée sur ce dossier."


def test_297_8_retained_at_20000_with_half_remitted_leaves_10000_plus_the_duties():
    """Circular 6522/210 annexe I: 297-8° (documents not annexed, from 2024-01-01) 10,000–50,000 DH."""
    case = case_with("297", "8°", status=Status.UNDER_REVIEW, duties_compromised=D("4000"),
                     duties_on_seized_goods=D("4000"))
    settlement = settlement_record(case=case, settlement_date=dt.date(2024, 6, 1), fine_retained=D("20000"),
                                   fines_remitted=D("10000"))
    assert settlement.fines_payable == D("10000.00") and settlement.duties_due == D("4000.00")
    assert settlement.amount_due == D("14000.00")


def test_no_offence_added_to_a_settled_case():
    case = case_with("299", status=Status.SETTLED)
    with pytest.raises(LitigationError) as exc:
        case_add_offence(case=case, article="297", paragraph="8°")
    assert exc.value.code == "offences_locked" and exc.value.field == "article"
    assert case.case_offences.count() == 1


def test_no_document_added_to_a_closed_case(media_root):
    case = CaseFactory(status=Status.CLOSED)
    with pytest.raises(LitigationError) as exc:
        case_document_add(case=case, title="PV", file=ContentFile(PDF, name="pv.pdf"))
    assert exc.value.code == "case_closed"
    assert not CaseDocument.objects.exists() and not any(media_root.rglob("*.pdf"))


def test_a_renamed_executable_is_refused_and_nothing_written(media_root):
    case = CaseFactory()
    with pytest.raises(UploadRefused) as exc:
        case_document_add(case=case, title="PV", file=ContentFile(b"MZ\x90\x00\x03\x00", name="pv.pdf"))
    assert exc.value.code == "upload_bad_type" and exc.value.field == "file"
    assert not CaseDocument.objects.exists() and not any(media_root.rglob("*"))
