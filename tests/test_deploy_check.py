"""``manage.py check --deploy`` with the production settings: no debug, a long secret key, explicit hosts."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "oralcare.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
            "ORALCARE_VAR_DIR": str(tmp_path / "var"),
        }
    )
    env.update(overrides)
    return env


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_deploy_check_passes_with_production_settings(tmp_path):
    completed = run_manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "no issues" in completed.stdout


def test_production_refuses_short_secret_key(tmp_path):
    completed = run_manage(production_env(tmp_path, DJANGO_SECRET_KEY="short"), "check")

    assert completed.returncode != 0
    assert "DJANGO_SECRET_KEY" in completed.stderr


def test_production_refuses_missing_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]

    completed = run_manage(env, "check")

    assert completed.returncode != 0
    assert "DJANGO_SECRET_KEY" in completed.stderr
