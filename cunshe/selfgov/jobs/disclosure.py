"""Self-governance jobs: disclosure due dates and overdue alerts (being built)."""
