"""Payment and release recorded in the admin (``declarations.admin``): a refusal the service raises
after the form was checked — another user paid the same declaration in between — is shown in
French on the add page and writes nothing (``tariff.kit.admin.ServiceRefusalAdminMixin``)."""
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from declarations import services
from declarations.models import Declaration, DeclarationPayment

from .factories import liquidated_pet_food

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("admin-steps", "a@example.ma", "x"))
    return client


def _post_payment(client, declaration):
    return client.post(reverse("admin:declarations_declarationpayment_add"), {
        "declaration": declaration.pk, "paid_on": TODAY.strftime("%d/%m/%Y"), "amount": "4\u202f428,00",
        "means": "bank", "reference": "Q-ADMIN"})


def test_admin_payment_is_recorded_through_the_service(admin_client):
    d = liquidated_pet_food()  # 4,428.00 MAD
    response = _post_payment(admin_client, d)
    assert response.status_code == 302, response.content.decode()[:2000]
    d.refresh_from_db()
    assert d.status == Declaration.Status.PAID and d.payment.reference == "Q-ADMIN"


def test_admin_payment_raced_by_another_is_refused_in_french_and_writes_nothing(admin_client):
    d = liquidated_pet_food()
    record = services.declaration_record_payment

    def raced(**kwargs):  # the other user's payment commits between this form's checks and its save
        record(declaration=Declaration.objects.get(pk=d.pk), paid_on=TODAY, amount="4428.00", means="e_payment",
               reference="Q-OTHER")
        return record(**kwargs)

    with mock.patch.object(services, "declaration_record_payment", raced):
        response = _post_payment(admin_client, d)
    assert response.status_code == 302 and response.url == reverse("admin:declarations_declarationpayment_add")
    refusals = [str(m) for m in get_messages(response.wsgi_request)]
    assert refusals == ["Seule une déclaration liquidée et non payée peut recevoir un paiement."], refusals
    # all or nothing: the admin's transaction rolled back, the other user's payment with it here
    # (in real life it committed first and stays); this user's payment is not written
    assert not DeclarationPayment.objects.filter(reference="Q-ADMIN").exists()
