from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import openapi  # noqa: F401  (registers the schema extensions)
from config.dashboard import DashboardView
from config.search import GlobalSearchView

# The partner banks' API first: Django tries the patterns in order (issue 4's load target).
api_v1 = [
    path("", include("exchange.api.urls")),
    path("tariff/", include("tariff.api.urls")),
    path("", include("declarations.api.urls")),
    path("litigation/", include("litigation.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("", DashboardView.as_view(), name="home"),
    path("search/", GlobalSearchView.as_view(), name="search"),
    path("", include("tariff.urls")),
    path("", include("declarations.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("litigation/", include("litigation.urls")),
    path("commitments/", include("exchange.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets inline styles on its elements: allowed on this page only; its script is the
    # split view's static file (no inline script).
    path("api/docs/", csp_update({"style-src": ["'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
]

admin.site.site_header = "Transitaire en douane — administration"
admin.site.site_title = "Transitaire en douane"

handler404 = "config.errors.page_not_found"
