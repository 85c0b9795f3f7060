from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "declarations-api"

router = SimpleRouter()
router.register("declarations", views.DeclarationViewSet, basename="declaration")
router.register("etpp-authorisations", views.EtppAuthorisationViewSet, basename="etpp-authorisation")
router.register("parties", views.PartyViewSet, basename="party")
router.register("recalculation-runs", views.RecalculationRunViewSet, basename="recalculation-run")
urlpatterns = router.urls + [
    path("declarations/<int:pk>/liquidation-note.pdf", views.LiquidationNoteView.as_view(), name="liquidation-note"),
    path("tariff/finance-laws/<int:pk>/what-if/", views.FinanceLawWhatIfView.as_view({"get": "retrieve", "post": "create"}),
         name="finance-law-what-if"),
]

# Exemptions followed after the declaration (issue 9): /follow-up/, /quotas/, /exempt-assets/…
from . import exemptions as exemption_views  # noqa: E402

urlpatterns += exemption_views.urlpatterns
