"""Project-wide request guards and response headers (both middleware chains, config.wsgi)."""
from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from tariff.kit.text import has_bad_characters

API_PREFIX = "/api/"


class RejectBadTextMiddleware:
    """A NUL character or a lone surrogate in the path or the query string is a 400, before any
    view reads it (PostgreSQL refuses NUL in text: it was a 500 on searches such as ``?q=a%00b``).
    JSON bodies are checked by the API's parser, form fields by Django's own NUL validator."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_bad_characters(request.path) or any(
                has_bad_characters(key) or any(has_bad_characters(v) for v in values)
                for key, values in request.GET.lists()):
            detail = "Caractère interdit (NUL ou demi-paire UTF-16) dans l'adresse ou ses paramètres."
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"code": "invalid_characters", "detail": detail}, status=400)
            return render(request, "400.html", {"detail": detail}, status=400)
        return self.get_response(request)


class PrivateCacheMiddleware:
    """What an authenticated user sees is never kept by a shared cache or the browser's disk
    cache (``Cache-Control: private, no-store``), unless the view set its own policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


def client_ip(request) -> str | None:
    """The client's address behind ``settings.TRUSTED_PROXY_COUNT`` reverse proxies: each proxy
    appends the address it received from to ``X-Forwarded-For``, so the client is the entry that
    many places from the right (entries further left are whatever the client sent). With no
    trusted proxy, the connecting address. Used by the login lockout (django-axes)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
