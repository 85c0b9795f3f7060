"""Declaration and ETPP authorisation pages (included at the site root by config/urls.py)."""
from django.urls import path

from . import views

app_name = "declarations"

urlpatterns = [
    path("declarations/", views.DeclarationListView.as_view(), name="list"),
    path("declarations/new/", views.DeclarationCreateView.as_view(), name="create"),
    path("declarations/<int:pk>/", views.DeclarationDetailView.as_view(), name="detail"),
    path("declarations/<int:pk>/edit/", views.DeclarationEditView.as_view(), name="edit"),
    path("declarations/<int:pk>/register/", views.DeclarationRegisterView.as_view(), name="register"),
    path("declarations/<int:pk>/liquidate/", views.DeclarationLiquidateView.as_view(), name="liquidate"),
    path("declarations/<int:pk>/reliquidate/", views.DeclarationReliquidateView.as_view(), name="reliquidate"),
    path("declarations/<int:pk>/cancel/", views.DeclarationCancelView.as_view(), name="cancel"),
    path("declarations/<int:pk>/payment/", views.DeclarationPaymentView.as_view(), name="payment"),
    path("declarations/<int:pk>/release/", views.DeclarationReleaseView.as_view(), name="release"),
    path("declarations/<int:pk>/liquidation-note.pdf", views.DeclarationPdfView.as_view(), name="liquidation-note"),
    path("declarations/<int:pk>/summary.pdf", views.DeclarationPdfView.as_view(summary=True), name="summary"),
    path("declarations/to-pay/", views.ToPayListView.as_view(), name="to-pay"),
    path("declarations/payments/", views.DeclarationPaymentListView.as_view(), name="payment-list"),
    path("declarations/<int:pk>/documents/", views.DeclarationDocumentAddView.as_view(), name="document-add"),
    path("declarations/<int:pk>/documents/<int:document_pk>/", views.DeclarationDocumentDownloadView.as_view(),
         name="document-download"),
    path("etpp-authorisations/", views.EtppListView.as_view(), name="etpp-list"),
    path("etpp-authorisations/new/", views.EtppCreateView.as_view(), name="etpp-create"),
    path("etpp-authorisations/<int:pk>/", views.EtppDetailView.as_view(), name="etpp-detail"),
    path("etpp-authorisations/<int:pk>/issue/", views.EtppIssueView.as_view(), name="etpp-issue"),
    path("recalculations/", views.RecalculationRunListView.as_view(), name="recalculation-list"),
    path("recalculations/<int:pk>/", views.RecalculationRunDetailView.as_view(), name="recalculation-detail"),
    path("recalculations/what-if/", views.WhatIfStartView.as_view(), name="what-if-start"),
    path("recalculations/<int:pk>/resume/", views.RecalculationRunResumeView.as_view(), name="recalculation-resume"),
    path("recalculations/<int:pk>/export.csv", views.RecalculationRunExportView.as_view(),
         name="recalculation-export"),
    path("recalculations/<int:pk>/progress/", views.RecalculationRunProgressView.as_view(),
         name="recalculation-progress"),
]
