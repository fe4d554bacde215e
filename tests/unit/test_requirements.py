"""The installed packages are exactly the lock in requirements*.txt, and
consistent apart from the one declared override (Mezzanine's Django<5 pin,
see requirements.txt and docs/upgrading.md)."""

import re
import subprocess
import sys
from importlib import metadata

from tests import BASE_DIR

# What venv itself brings, not part of the project's dependencies.
INSTALLER_TOOLS = {"pip", "setuptools", "wheel"}
DECLARED_OVERRIDE = re.compile(
    r"mezzanine 6\.1\.1 has requirement django<5,>=2\.2, but you have django 5\.2\.\d+\."
)


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(path):
    """{name: version} of a requirements file and the files it includes;
    every requirement must be pinned with == to one exact version."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split(" #")[0].strip()
        if line.startswith("-r "):
            pins.update(locked(path.parent / line[3:].strip()))
        elif line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[\w+\])?==[0-9][0-9A-Za-z.]*", line), line
            name, version = line.split("==")
            pins[canonical(name.split("[")[0])] = version
    return pins


def test_django_is_the_supported_lts():
    import django

    assert locked(BASE_DIR / "requirements.txt")["django"].startswith("5.2.")
    assert django.VERSION[:2] == (5, 2)


def test_installed_packages_are_exactly_the_lock():
    installed = {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    for tool in INSTALLER_TOOLS:
        installed.pop(tool, None)
    assert installed == locked(BASE_DIR / "requirements-test.txt")


def test_pip_check_reports_only_the_declared_override():
    result = subprocess.run(
        [sys.executable, "-m", "pip", "check", "--disable-pip-version-check"], capture_output=True, text=True
    )
    problems = result.stdout.strip().splitlines()
    assert len(problems) == 1, result.stdout + result.stderr
    assert DECLARED_OVERRIDE.fullmatch(problems[0]), problems[0]
