"""The Content-Security-Policy forbids inline script, inline styles and anything external:
check every template in the project, and the pages the shell renders."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

CUNSHE = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for p in CUNSHE.rglob("templates/**/*.html"))

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
STYLE_ATTR = re.compile(r"""\sstyle\s*=""", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
INLINE_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
ASSET_URL = re.compile(
    r"""\b(?:src|href|action|srcset|poster|data)\s*=\s*["']\s*(?:https?:)?//""", re.I
)


def test_there_are_templates_to_check():
    names = {p.name for p in TEMPLATES}
    assert {"base.html", "desk.html", "villager.html", "login.html", "404.html"} <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(CUNSHE)))
def test_template_has_no_inline_script_style_or_external_url(path):
    text = path.read_text(encoding="utf-8")
    for attrs in SCRIPT_TAG.findall(text):
        assert "src=" in attrs, f"{path}: <script> without src (inline script is blocked by CSP)"
    assert not STYLE_ATTR.search(text), f"{path}: style= attribute (blocked by CSP)"
    assert not STYLE_BLOCK.search(text), f"{path}: <style> block (blocked by CSP)"
    assert not INLINE_HANDLER.search(text), f"{path}: inline on...= handler (blocked by CSP)"
    assert not ASSET_URL.search(text), f"{path}: external URL (the platform runs offline)"


def _pages(client_as) -> dict[str, str]:
    anonymous = Client()
    pages = {
        "login": anonymous.get(reverse("accounts:login")),
        "404": client_as("clerk_a").get("/no-such-page/"),
        "villager home": client_as("villager").get(reverse("web:home")),
        "clerk home": client_as("clerk_a").get(reverse("web:home")),
        "province home": client_as("province_official").get(reverse("web:home")),
    }
    return {name: r.content.decode() for name, r in pages.items()}


def test_rendered_pages_load_nothing_from_another_host(client_as):
    for name, html in _pages(client_as).items():
        assert not ASSET_URL.search(html), f"{name} refers to another host"
        assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', ""), name
        assert "https://" not in html, name
        for attrs in SCRIPT_TAG.findall(html):
            assert 'src="/static/' in attrs, name


def test_pages_are_served_with_a_strict_csp(client_as):
    response = client_as("villager").get(reverse("web:home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
