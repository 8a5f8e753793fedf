"""Jobs: ratings."""
