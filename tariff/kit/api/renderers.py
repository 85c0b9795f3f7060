"""Renderers beyond JSON: lets a client ask for a PDF (``Accept: application/pdf``) without a 406."""
from rest_framework.renderers import BaseRenderer, JSONRenderer


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)  # a refusal ({code, detail, field}) stays readable


# JSON first: a client that accepts anything gets refusals as JSON; the PDF itself is an
# HttpResponse of its own.
PDF_RENDERERS = [JSONRenderer, PDFRenderer]
