"""Template tags for the page shell: navigation for the active jurisdiction and sprite icons."""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from cunshe.web.nav import items_for

register = template.Library()

SPRITE = "vendor/bootstrap-icons/sprite.svg"


@register.simple_tag(takes_context=True)
def nav_items(context: template.Context, audience: str) -> list[dict[str, Any]]:
    """`{% nav_items "desk" as items %}`: the entries the active jurisdiction may see, each
    marked `active` when the current page lies under it."""
    request = context.get("request")
    jurisdiction = getattr(request, "jurisdiction", None)
    path = getattr(request, "path", "")
    items = []
    for item in items_for(jurisdiction, audience):
        url = item["url"]
        active = path == url or (url != "/" and path.startswith(url))
        items.append({**item, "active": active})
    return items


@register.simple_tag
def icon(name: str, extra_class: str = "") -> str:
    """`{% icon "house" %}`: an icon from the small SVG sprite (villager pages cannot afford the
    icon font). The names available are listed in scripts/build_assets.py."""
    return format_html(
        '<svg class="icon{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        f" {extra_class}" if extra_class else "",
        static(SPRITE),
        name,
    )


@register.filter
def chunks(value: str, size: int = 4) -> str:
    """Split a long code into groups ("ABCD EFGH …") so it can be read aloud and typed."""
    text = str(value or "")
    return " ".join(text[i : i + size] for i in range(0, len(text), size))
