"""The project's Celery app as a fault test's worker runs it: the same tasks and settings, plus broker transport
options from FAULT_TRANSPORT_OPTIONS (JSON). A test gives its worker a short visibility timeout, so that a task whose
worker was killed comes back in seconds rather than the hour a production worker waits, and keys of its own for the
unacknowledged messages, so that its worker never restores (and re-runs) another installation's messages from a
shared Redis."""

import json
import os

from omega_attendance.celery import app

app.conf.broker_transport_options = json.loads(os.environ.get("FAULT_TRANSPORT_OPTIONS", "{}"))

__all__ = ["app"]
