"""Care jobs: alerts (being built)."""
