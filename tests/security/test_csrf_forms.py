"""CSRF on every form (issue 8): each ``<form method="post">`` of the templates carries
``{% csrf_token %}`` (CsrfViewMiddleware refuses a POST without it; tests/pages/test_access.py
proves the refusal)."""
import re
from pathlib import Path

from django.conf import settings

POST_FORM = re.compile(r"<form\b[^>]*\bmethod\s*=\s*[\"']?post\b[^>]*>", re.IGNORECASE)
FORM_END = re.compile(r"</form\s*>", re.IGNORECASE)
CSRF_TOKEN = re.compile(r"{%\s*csrf_token\s*%}")


def template_files() -> list[Path]:
    base = Path(settings.BASE_DIR)
    roots = [base / "templates", *(p for p in base.glob("*/templates") if p.is_dir())]
    return sorted(path for root in roots for path in root.rglob("*.html"))


def post_forms_without_token(source: str) -> list[int]:
    """Line numbers of the post forms whose body (up to ``</form>``) has no csrf_token."""
    missing = []
    for match in POST_FORM.finditer(source):
        end = FORM_END.search(source, match.end())
        body = source[match.end(): end.start() if end else len(source)]
        if not CSRF_TOKEN.search(body):
            missing.append(source.count("\n", 0, match.start()) + 1)
    return missing


def test_every_post_form_carries_a_csrf_token():
    files = template_files()
    assert any(f.name == "declaration_detail.html" for f in files)  # the templates were found
    offenders = [f"{path.relative_to(settings.BASE_DIR)}:{line}"
                 for path in files for line in post_forms_without_token(path.read_text(encoding="utf-8"))]
    assert not offenders, "formulaires POST sans {% csrf_token %} : " + ", ".join(offenders)


def test_the_check_finds_a_form_without_token():
    assert post_forms_without_token('<form method="post" action="/x/"><button>OK</button></form>') == [1]
    assert post_forms_without_token("<form method='POST'>{% csrf_token %}</form>") == []
    assert post_forms_without_token('<form method="get"></form>') == []
