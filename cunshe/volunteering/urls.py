"""Pages of volunteering and points, one module per part, collected here (mounted at /vol/)."""

from cunshe.volunteering.views import (
    activities,
    me,
    needs,
    points,
    public,
    records,
    reports,
    store,
    volunteers,
)

app_name = "volunteering"

urlpatterns = [
    *me.urlpatterns,
    *volunteers.urlpatterns,
    *records.urlpatterns,
    *activities.urlpatterns,
    *needs.urlpatterns,
    *points.urlpatterns,
    *store.urlpatterns,
    *public.urlpatterns,
    *reports.urlpatterns,
]
