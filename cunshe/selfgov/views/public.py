"""Self-governance pages: public (being built)."""

urlpatterns: list = []
