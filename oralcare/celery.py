"""The Celery app. Workers start with ``celery -A oralcare worker``; settings come from ``CELERY_*`` in Django's."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oralcare.settings")

app = Celery("oralcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
