from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "cunshe.care"
    label = "care"
    verbose_name = _("三留守关爱")

    def ready(self) -> None:
        # The person page's "other modules" section (cunshe.residents.related).
        from cunshe.care import related  # noqa: F401
