from django.urls import path  # noqa: F401

app_name = "exchange-api"

urlpatterns: list = []
