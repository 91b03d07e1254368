"""`make run`: migrate, load the demo trusts into an empty database, print the logins, serve on 127.0.0.1:8000."""

import os
import signal
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from schools.models import Trust


class Command(BaseCommand):
    help = "Migrate, load the demo trusts if the database is empty, and start the web server."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("ADDR", "127.0.0.1:8000"))

    def handle(self, addr, **options):
        embedded = not os.environ.get("DATABASE_URL")
        # Ctrl-C and a service manager's SIGTERM both end in the `finally` below, even when started in the background.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            call_command("migrate", interactive=False, verbosity=0)
            # Counting every trust is the point here: an empty installation gets the demo.
            if not Trust.objects.exists():
                call_command("load_demo")
            self._print_logins(addr)
            call_command("runserver", addr, use_reloader=False)
        finally:
            if embedded:
                from omega_attendance.embedded_db import stop

                self.stdout.write("Stopping the embedded PostgreSQL server…")
                stop()

    def _print_logins(self, addr):
        from schools.demo import DEMO_LOGINS, DEMO_PASSWORD, DEMO_TOTP_KEY

        self.stdout.write(self.style.SUCCESS(f"\nOmega Attendance on http://{addr}/"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, school in DEMO_LOGINS:
            self.stdout.write(f"  {username:<18} {role}" + (f", {school}" if school else ""))
        self.stdout.write(
            f"Trust leads and DSLs also give an authenticator code: add the key {DEMO_TOTP_KEY} to an authenticator "
            f"app, or run `oathtool --totp -b {DEMO_TOTP_KEY}`."
        )
        db = "embedded PostgreSQL in var/pgdata" if not os.environ.get("DATABASE_URL") else "DATABASE_URL"
        tasks = "eagerly (REDIS_URL unset)" if settings.CELERY_TASK_ALWAYS_EAGER else "on the Celery worker"
        self.stdout.write(f"Database: {db}; tasks run {tasks}. Ctrl-C stops the server.\n")
