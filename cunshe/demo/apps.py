from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "cunshe.demo"
    label = "demo"
