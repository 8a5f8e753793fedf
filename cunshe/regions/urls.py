from django.urls import path

from cunshe.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("<str:code>/", views.node, name="node"),
    path("<str:code>/groups/", views.group_create, name="group_create"),
    path("<str:code>/rename/", views.group_rename, name="group_rename"),
    path("<str:code>/retire/", views.group_retire, name="group_retire"),
]
