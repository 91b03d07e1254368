"""Every page carries a Content Security Policy that allows this server's own scripts and style sheets only, and no
page needs inline script or a style element to work."""

import re
from pathlib import Path

from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_pages_carry_a_policy_of_this_server_only_with_no_inline_script(client, head):
    client.force_login(head)

    policy = client.get(reverse("dashboards:home"))["Content-Security-Policy"]

    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'self'"
    assert "unsafe" not in directives["script-src"] + directives["style-src"] and "unsafe-eval" not in policy
    assert directives["style-src-attr"] == "'unsafe-inline'"  # htmx sets style attributes on what it swaps in


def test_the_sign_in_page_carries_it_too(client):
    assert "script-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]


def test_no_template_has_inline_script_style_or_event_handlers():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or "<style" in text:
            offenders.append(str(path))
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text) or re.search(r"\sstyle\s*=\s*[\"']", text):
            offenders.append(str(path))
    assert offenders == []


def test_the_api_docs_load_their_script_from_the_server(client, head):
    client.force_login(head)
    html = client.get(reverse("api-docs")).content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
