"""Printed documents: an HTML template rendered to PDF with xhtml2pdf (ReportLab, pure Python).

Part of the shared kit: knows templates and bytes, no domain. The rendering never fetches
anything: images and stylesheets come from the template itself or the static files.
"""
from __future__ import annotations

import io

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header
from xhtml2pdf import pisa


class PdfRenderError(RuntimeError):
    pass


REFUSED = "/nonexistent/refused-resource"  # xhtml2pdf keeps the original address when given ""


def _local_only(uri: str, rel: str) -> str:
    """Static files by path; any other address (http…, file://, a local path) is refused."""
    if uri.startswith("/static/"):
        return finders.find(uri.removeprefix("/static/")) or REFUSED
    return REFUSED


def render_pdf(template_name: str, context: dict) -> bytes:
    """The PDF of ``template_name`` rendered in French (the office's language)."""
    with translation.override("fr"):
        html = render_to_string(template_name, context)
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=_local_only)
    if status.err:
        raise PdfRenderError(f"PDF rendering of {template_name} failed ({status.err} errors)")
    return out.getvalue()


def pdf_response(content: bytes, filename: str):
    response = HttpResponse(content, content_type="application/pdf")
    printable = "".join(c for c in filename if c.isprintable()) or "document.pdf"  # references are free text
    response["Content-Disposition"] = content_disposition_header(False, printable)
    response["X-Content-Type-Options"] = "nosniff"
    return response
