"""Bad or missing production configuration stops start-up with a message naming the problem."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _start(env_overrides: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CUNSHE_", "DATABASE_URL"))}
    env.update({"CUNSHE_VAR_DIR": str(tmp_path), **env_overrides})
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
            "'cunshe.settings'; django.setup()",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


KEYS = {
    "CUNSHE_SECRET_KEY": "x" * 50,
    "CUNSHE_FIELD_KEYS": '{"k1": "' + "A" * 43 + '="}',
    "CUNSHE_ACTIVE_FIELD_KEY": "k1",
    "CUNSHE_BLIND_INDEX_KEY": "B" * 43 + "=",
}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"CUNSHE_ENV": "production"}, "No keys"),
        ({"CUNSHE_ENV": "production", **KEYS}, "CUNSHE_ALLOWED_HOSTS"),
        (
            {"CUNSHE_ENV": "production", **KEYS, "CUNSHE_ALLOWED_HOSTS": "cunshe.jl.gov.cn"},
            "PostgreSQL",
        ),
        ({"CUNSHE_ENV": "production", "CUNSHE_DEBUG": "1", **KEYS}, "DEBUG must be off"),
        ({"CUNSHE_ENV": "staging"}, "CUNSHE_ENV"),
        ({"CUNSHE_ENV": "development", **KEYS, "CUNSHE_ACTIVE_FIELD_KEY": "k9"}, "k9"),
        ({"CUNSHE_ENV": "development", **KEYS, "DATABASE_URL": "mysql://x@y/z"}, "PostgreSQL or"),
        ({"CUNSHE_ENV": "development", **KEYS, "CUNSHE_AUDIT_RETENTION_DAYS": "30"}, "6 months"),
    ],
)
def test_bad_configuration_fails_at_start_up(overrides, message, tmp_path):
    result = _start(overrides, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_good_production_configuration_starts(tmp_path):
    result = _start(
        {
            "CUNSHE_ENV": "production",
            **KEYS,
            "CUNSHE_ALLOWED_HOSTS": "cunshe.jl.gov.cn",
            "DATABASE_URL": "postgres://cunshe@db.internal:5432/cunshe",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
