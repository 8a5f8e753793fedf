"""Pages of self-governance, one module per part; `cunshe.selfgov.urls` collects them."""
