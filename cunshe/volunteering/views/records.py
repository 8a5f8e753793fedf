"""Pages of the records part (docs/volunteering/records.md)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
