from django.urls import path  # noqa: F401 - the pages helper fills this in

app_name = "residents"
urlpatterns: list = []
