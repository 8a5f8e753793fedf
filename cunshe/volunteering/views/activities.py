"""Pages of the activities part (docs/volunteering/activities.md)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
