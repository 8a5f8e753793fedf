"""Pure matching code (no database): the explainable score (`score.py`) and the batch
assignment (`assign.py`). The services in `services/needs.py` and `services/matching.py` load
rows, call these and write `Match` rows (docs/volunteering/needs.md)."""
