"""Self-governance pages: meetings (being built)."""

urlpatterns: list = []
