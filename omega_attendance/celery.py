import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omega_attendance.settings")

app = Celery("omega_attendance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
