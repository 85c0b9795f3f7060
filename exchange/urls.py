"""Commitment pages (mounted at ``/commitments/`` by config/urls.py)."""
from django.urls import path

from . import list_views, views

app_name = "exchange"

urlpatterns = [
    path("", views.CommitmentListView.as_view(), name="commitment-list"),
    path("payments/", list_views.PaymentListView.as_view(), name="payment-list"),
    path("new/", views.CommitmentCreateView.as_view(), name="commitment-create"),
    path("<int:pk>/", views.CommitmentDetailView.as_view(), name="commitment-detail"),
    path("<int:pk>/imputations/", views.CommitmentImputationView.as_view(), name="commitment-impute"),
    path("<int:pk>/payments/", views.CommitmentPaymentView.as_view(), name="commitment-pay"),
    path("<int:pk>/carry-over/", views.CommitmentCarryOverView.as_view(), name="commitment-carry-over"),
    path("<int:pk>/domiciliation/", views.CommitmentDomiciliationView.as_view(), name="commitment-domiciliate"),
    path("<int:pk>/edit/", views.CommitmentEditView.as_view(), name="commitment-edit"),
    path("<int:pk>/modifications/decision/", views.CommitmentModificationDecisionView.as_view(),
         name="commitment-modification-decision"),
    path("<int:pk>/bank-change/", views.CommitmentBankChangeRequestView.as_view(), name="commitment-bank-change"),
    path("<int:pk>/transfer/", views.CommitmentTransferView.as_view(), name="commitment-transfer"),
]
