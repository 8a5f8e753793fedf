pytest_plugins = ["cunshe.core.testing.fixtures"]
