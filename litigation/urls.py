from django.urls import path

from . import views

app_name = "litigation"

urlpatterns = [
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/new/", views.CaseCreateView.as_view(), name="case-create"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:pk>/offences/", views.CaseAddOffenceView.as_view(), name="case-add-offence"),
    path("cases/<int:pk>/settlement/", views.CaseSettlementView.as_view(), name="case-settlement"),
    path("cases/<int:pk>/status/", views.CaseTransitionView.as_view(), name="case-status"),
    path("cases/<int:pk>/documents/", views.CaseDocumentAddView.as_view(), name="case-document-add"),
    path("cases/<int:pk>/settlements/<int:settlement_pk>/summary.pdf", views.SettlementPdfView.as_view(),
         name="settlement-pdf"),
    path("cases/<int:pk>/documents/<int:document_pk>/", views.CaseDocumentDownloadView.as_view(),
         name="case-document-download"),
]
