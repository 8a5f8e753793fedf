"""Care pages: the live alert board and the alert page (being built)."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, pk=None):  # type: ignore[no-untyped-def]
    return HttpResponse(status=501)


urlpatterns: list = [
    path("board/", _todo, name="board"),
    path("alerts/<int:pk>/", _todo, name="alert"),
]
