"""Jobs: appointments."""
