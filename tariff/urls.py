"""Tariff pages (included at the site root by config/urls.py)."""
from django.urls import path

from . import views

app_name = "tariff"

urlpatterns = [
    path("tariff/", views.TariffSearchView.as_view(), name="search"),
    path("tariff/calculator/", views.DutyCalculatorView.as_view(), name="calculator"),
    path("tariff/lines/<str:code>/", views.TariffLineView.as_view(), name="line"),
]
