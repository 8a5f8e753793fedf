"""Pages of the care app, one module per part; `cunshe.care.urls` collects their urlpatterns."""
