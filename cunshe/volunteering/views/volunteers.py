"""Pages of the volunteers part (docs/volunteering/volunteers.md)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
