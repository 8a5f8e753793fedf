from cunshe.care.views import alerts, candidates, needs, profiles, stats, terminals, visits

app_name = "care"

urlpatterns = [
    *candidates.urlpatterns,
    *profiles.urlpatterns,
    *visits.urlpatterns,
    *needs.urlpatterns,
    *terminals.urlpatterns,
    *alerts.urlpatterns,
    *stats.urlpatterns,
]
