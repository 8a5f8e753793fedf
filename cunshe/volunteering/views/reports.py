"""Pages of the reports part (docs/volunteering/reports.md)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
