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
]
