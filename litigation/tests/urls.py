"""The project's URLs plus the litigation pages, until config/urls.py includes them."""
from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("litigation/", include("litigation.urls"))]
