from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page's header needs: the active assignment, the others, the display mode."""
    user = getattr(request, "user", None)
    age_friendly = bool(
        (user is not None and user.is_authenticated and user.age_friendly)
        or request.COOKIES.get("cunshe_age_friendly") == "1"
    )
    return {
        "active_assignment": getattr(request, "assignment", None),
        "assignments": getattr(request, "assignments", []),
        "jurisdiction": getattr(request, "jurisdiction", None),
        "age_friendly": age_friendly,
    }
