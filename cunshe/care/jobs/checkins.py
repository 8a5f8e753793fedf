"""Care jobs: checkins (being built)."""
