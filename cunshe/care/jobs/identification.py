"""Care jobs: identification (being built)."""
