"""Celery application: configuration comes from Django settings under CELERY_."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvanalytics.settings")

app = Celery("cvanalytics")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
