from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "cunshe.web"
    label = "web"
