"""Self-governance pages: matters (being built)."""

urlpatterns: list = []
