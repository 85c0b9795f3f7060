"""Routes of the commitment API, mounted at /api/v1/ (config/urls.py)."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "exchange-api"

router = SimpleRouter()
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("bank-changes", views.BankChangeViewSet, basename="bank-change")
router.register("importers", views.ImporterViewSet, basename="importer")
router.register("personal-imports", views.PersonalImportViewSet, basename="personal-import")


urlpatterns: list = [
    *router.urls,
    path("events/", views.CommitmentEventFeedView.as_view(), name="event-list"),
]
