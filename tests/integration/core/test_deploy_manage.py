"""deploy/manage as cron runs it: docs/deploy.md (section 7) queues lost
emails again every minute with it, and cron's PATH (/usr/bin:/bin) has no
sbin, where runuser lives."""

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

CRON_PATH = "/usr/bin:/bin"


@pytest.mark.skipif(os.geteuid() != 0, reason="runuser (deploy/manage) is for root only")
def test_deploy_manage_runs_with_crons_path(env, tmp_path):
    env_file = tmp_path / "env"
    production = {key: value for key, value in env.items() if os.environ.get(key) != value}
    production.pop("DJANGO_SETTINGS_MODULE")  # deploy/manage sets it
    env_file.write_text("".join(f"{key}={value}\n" for key, value in production.items()))
    env_file.chmod(0o600)

    result = subprocess.run(
        [Path(settings.BASE_DIR) / "deploy" / "manage", "check"],
        env={"PATH": CRON_PATH, "SHOP_ENV_FILE": str(env_file), "SHOP_USER": "root"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
