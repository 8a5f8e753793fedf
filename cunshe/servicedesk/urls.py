from cunshe.servicedesk.views import (
    applications,
    appointments,
    catalogue,
    metrics,
    ratings,
    reports,
    status,
    villager,
)

app_name = "servicedesk"

urlpatterns = [
    *villager.urlpatterns,
    *applications.urlpatterns,
    *status.urlpatterns,
    *catalogue.urlpatterns,
    *appointments.urlpatterns,
    *ratings.urlpatterns,
    *reports.urlpatterns,
    *metrics.urlpatterns,
]
