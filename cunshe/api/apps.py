from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cunshe.api"
    label = "api"
