"""Production settings pass Django's deployment checklist with no warnings."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_production_settings_pass_check_deploy_with_no_warnings():
    # The browser tests' switch for Playwright's event loop is theirs, not production's.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "SECURE": "true",
        "DEBUG": "false",
        "SECRET_KEY": "x9-production-like-secret-key-of-sufficient-length-and-variety-0123456789abcdefXYZ",
        "ALLOWED_HOSTS": "attendance.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://attendance.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
