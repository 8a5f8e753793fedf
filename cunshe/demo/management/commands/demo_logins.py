from django.core.management.base import BaseCommand

from cunshe.accounts.roles import Department, Role
from cunshe.demo.people import DEMO_PASSWORD, DEMO_PEOPLE


class Command(BaseCommand):
    help = "Print the demo logins for every role."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for p in DEMO_PEOPLE:
            role = Role(p.role).label
            dept = f" · {Department(p.department).label}" if p.department else ""
            self.stdout.write(f"  {p.username:<14} {role}{dept} — {p.note}")
        self.stdout.write("")
