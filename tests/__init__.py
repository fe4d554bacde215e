from pathlib import Path

# The repository (manage.py, deploy/, docs/), for tests that run its files.
BASE_DIR = Path(__file__).resolve().parents[1]
