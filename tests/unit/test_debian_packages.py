"""bin/ensure-debian-packages, which make runs before the suite: installed
packages pass silently; without root, a missing one stops make with one
line that names it and the command that installs it."""

import os
import subprocess

from tests import BASE_DIR

SCRIPT = str(BASE_DIR / "bin" / "ensure-debian-packages")


def run(*packages, as_root=True):
    command = [SCRIPT, *packages]
    if not as_root and os.geteuid() == 0:
        command = ["runuser", "-u", "nobody", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_installed_packages_pass_silently():
    result = run("dpkg", "coreutils")
    assert result.returncode == 0
    assert result.stdout + result.stderr == ""


def test_without_root_a_missing_package_is_one_line_with_the_command():
    result = run("dpkg", "no-such-package-for-the-shop", as_root=False)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Missing Debian packages: no-such-package-for-the-shop. "
        "Install them with: sudo apt-get install -y no-such-package-for-the-shop"
    ]
