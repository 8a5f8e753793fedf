"""Jobs: escalation."""
