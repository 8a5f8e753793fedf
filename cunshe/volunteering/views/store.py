"""Pages of the store part (docs/volunteering/store.md)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
