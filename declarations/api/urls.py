from rest_framework.routers import SimpleRouter

from . import views

app_name = "declarations-api"

router = SimpleRouter()
router.register("declarations", views.DeclarationViewSet, basename="declaration")
router.register("etpp-authorisations", views.EtppAuthorisationViewSet, basename="etpp-authorisation")
router.register("parties", views.PartyViewSet, basename="party")
urlpatterns = router.urls
