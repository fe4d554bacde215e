"""The Celery app: ``celery -A project worker`` (docs/deploy.md).

Its configuration is Django's settings whose names start with CELERY_
(project/settings/base.py); tasks live beside the feature they serve and
are found through shop_ext/tasks.py.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.production")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
