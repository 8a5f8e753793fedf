from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfgovConfig(AppConfig):
    name = "cunshe.selfgov"
    label = "selfgov"
    verbose_name = _("村民自治")
