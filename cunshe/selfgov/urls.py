from cunshe.selfgov.views import (
    bodies,
    consultations,
    disclosure,
    elections,
    matters,
    meetings,
    polls,
    proposals,
    public,
    village_rules,
)

app_name = "selfgov"

urlpatterns = [
    *bodies.urlpatterns,
    *meetings.urlpatterns,
    *matters.urlpatterns,
    *disclosure.urlpatterns,
    *elections.urlpatterns,
    *polls.urlpatterns,
    *proposals.urlpatterns,
    *consultations.urlpatterns,
    *village_rules.urlpatterns,
    *public.urlpatterns,
]
