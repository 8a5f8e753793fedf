"""Template tags for the page shell: the signed-in user's unread message count."""

from __future__ import annotations

from django import template

from cunshe.core import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_count(context: template.Context) -> int:
    """`{% unread_count %}` or `{% unread_count as n %}`: one query per request, however many
    times the layout asks."""
    request = context.get("request")
    if request is None:
        return 0
    cached = getattr(request, "_cunshe_unread_count", None)
    if cached is None:
        cached = selectors.unread_count(getattr(request, "user", None))
        request._cunshe_unread_count = cached
    return cached


@register.filter
def role_label(value: str) -> str:
    """`{{ event.role|role_label }}`: the role's name in the reader's language ("system" and
    unknown values pass through unchanged)."""
    from cunshe.accounts.roles import Role

    try:
        return str(Role(value).label)
    except ValueError:
        return value
