"""Pages of the points part (docs/volunteering/points.md)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
