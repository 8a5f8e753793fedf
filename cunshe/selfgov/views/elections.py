"""Self-governance pages: elections (being built)."""

urlpatterns: list = []
