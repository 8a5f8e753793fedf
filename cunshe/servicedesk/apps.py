from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "cunshe.servicedesk"
    label = "servicedesk"
    verbose_name = _("办事不出村")
