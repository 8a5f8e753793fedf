"""Self-governance pages: bodies (being built)."""

urlpatterns: list = []
