from rest_framework.routers import SimpleRouter

from . import views

app_name = "litigation-api"

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("offences", views.OffenceViewSet, basename="offence")

urlpatterns = router.urls
