from django.apps import AppConfig


class SampleConfig(AppConfig):
    """A test-only app with one scoped model, so the scoping machinery is tested on a real table
    before any domain app exists. Installed only in the test profile."""

    name = "cunshe.core.testing.sample"
    label = "sample"
