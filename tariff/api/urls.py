from django.urls import path

from . import views

app_name = "tariff-api"

urlpatterns = [
    path("quote/", views.QuoteView.as_view(), name="quote"),
    path("lines/", views.TariffLineListView.as_view(), name="line-list"),
    path("lines/<str:code>/", views.TariffLineDetailView.as_view(), name="line-detail"),
    path("finance-laws/", views.FinanceLawListView.as_view(), name="finance-law-list"),
    path("finance-laws/<int:pk>/publish/", views.FinanceLawPublishView.as_view(), name="finance-law-publish"),
]
