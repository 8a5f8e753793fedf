"""Self-governance pages: disclosure (being built)."""

urlpatterns: list = []
