"""Pages of the needs part (docs/volunteering/needs.md)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
