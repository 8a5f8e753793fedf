from django.urls import path

from cunshe.residents import import_views, views

app_name = "residents"

urlpatterns = [
    # Register pages
    path("", views.person_list, name="person_list"),
    path("mine/", views.my_household, name="my_household"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/<int:pk>/", views.household, name="household"),
    path("households/<int:pk>/members/", views.household_add_member, name="household_add_member"),
    path("persons/<int:pk>/", views.person, name="person"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/events/", views.event_new, name="event_new"),
    path(
        "persons/<int:pk>/unmask/<str:field>/",
        views.unmask,
        name="unmask",
    ),
    # Import and export (added by the import/export helper)
    path("import/", import_views.import_page, name="import"),
    path("import/template/", import_views.import_template, name="import_template"),
    path("import/jobs/<int:pk>/", import_views.import_job, name="import_job"),
    path(
        "import/jobs/<int:pk>/progress/",
        import_views.import_job_progress,
        name="import_job_progress",
    ),
    path(
        "import/jobs/<int:pk>/rejected/", import_views.import_job_report, name="import_job_report"
    ),
    path("export/", import_views.export, name="export"),
    path("export/confirm/", import_views.export_reauth, name="export_reauth"),
]
