from cunshe.selfgov.views import bodies, disclosure, elections, matters, meetings, public

app_name = "selfgov"

urlpatterns = [
    *bodies.urlpatterns,
    *meetings.urlpatterns,
    *matters.urlpatterns,
    *disclosure.urlpatterns,
    *elections.urlpatterns,
    *public.urlpatterns,
]
