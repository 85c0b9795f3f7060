"""The project's 404 view: an unknown URL under ``/api/`` answers in the API's one error shape
(JSON, French), any other the French 404 page."""
from django.http import JsonResponse
from django.views import defaults

from tariff.kit.api.errors import NOT_FOUND

API_PREFIX = "/api/"


def page_not_found(request, exception):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"code": "not_found", "detail": NOT_FOUND}, status=404)
    return defaults.page_not_found(request, exception)
