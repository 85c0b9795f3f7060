"""Commitment pages (mounted at ``/commitments/`` by config/urls.py)."""
from django.urls import path

from . import views

app_name = "exchange"

urlpatterns = [
    path("", views.CommitmentListView.as_view(), name="commitment-list"),
    path("new/", views.CommitmentCreateView.as_view(), name="commitment-create"),
    path("<int:pk>/", views.CommitmentDetailView.as_view(), name="commitment-detail"),
    path("<int:pk>/imputations/", views.CommitmentImputationView.as_view(), name="commitment-impute"),
    path("<int:pk>/payments/", views.CommitmentPaymentView.as_view(), name="commitment-pay"),
]
