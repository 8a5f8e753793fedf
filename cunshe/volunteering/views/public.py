"""Pages of the public part (docs/volunteering/public.md)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
