"""Settings: one module, configured by environment variables (documented in README.md)."""

import os
import warnings
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    SECRET_KEY=(str, "dev-only-insecure-key-change-me"),
    REDIS_URL=(str, ""),
    DATABASE_URL=(str, ""),
    CSRF_TRUSTED_ORIGINS=(list, []),
    SECURE=(bool, False),
)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "pgtrigger",
    "pghistory",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "schools",
    "registers",
    "interventions",
    "letters",
    "dashboards",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "schools.middleware.TrustMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # After the view, so it knows the response's status and the API's token user; one INSERT per logged request.
    "privacy.middleware.AccessLogMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "omega_attendance.urls"
WSGI_APPLICATION = "omega_attendance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "schools.context_processors.notifications",
            ],
        },
    }
]

# PostgreSQL always: the server named by DATABASE_URL, else the embedded one in var/pgdata.
if env("DATABASE_URL"):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from .embedded_db import ensure_running

    _name = os.environ.get("OMEGA_DB_NAME", "omega_attendance")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _name,
            "USER": "postgres",
            "HOST": ensure_running(_name),
        }
    }
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Lockout by username plus IP: schools share one public address (DESIGN.md).
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", 0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboards:home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_ENGINE = "omega_attendance.sessions"
# The second factor (accounts/second_factor.py): the name authenticator apps show beside the code.
OTP_TOTP_ISSUER = "Omega Attendance"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# Serve straight from the app and static folders too, so `make run` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)

# Content Security Policy (django-csp): everything from this server only; no inline script, no style elements.
# Letters' previews and PDFs are framed by the app's own pages; nothing may frame the app from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # htmx sets style attributes on elements it swaps in; style attributes only, never style elements or script.
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}

if env("SECURE"):
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Omega Attendance API",
    "DESCRIPTION": "Pupils, contacts, session marks and attendance statistics, scoped to the caller's trust.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from the public validator: the docs page must not reach any outside server.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Celery: a real broker when REDIS_URL is set; otherwise tasks run eagerly in the calling process.
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# The queue tasks go to and workers read; workers of separate installations sharing one Redis need their own.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# The beat schedule lives here, in code; every entry avoids 01:00-02:00, when the clocks change.
CELERY_BEAT_SCHEDULE = {
    # After the school day: N marks with no reason within the school's limit become O.
    "convert-overdue-n-marks": {
        "task": "registers.tasks.convert_overdue_n_marks_everywhere",
        "schedule": crontab(hour=19, minute=30),
    },
    # After the N -> O conversion: the dashboards' summaries recounted from the marks, the safety net behind the
    # write path that keeps them (bulk loads, changed enrolments, the conversion itself).
    "refresh-summaries": {
        "task": "registers.tasks.refresh_summaries_everywhere",
        "schedule": crontab(hour=19, minute=45),
    },
    # After the evening's N -> O conversion, so the penalty-notice window counts the codes as they now stand.
    "evaluate-graduated-response": {
        "task": "interventions.tasks.evaluate_every_school",
        "schedule": crontab(hour=20, minute=30, day_of_week="mon-fri"),
    },
    # After the morning registers close, before the 11:00 calls are due.
    "follow-up-tasks": {
        "task": "interventions.tasks.create_follow_up_tasks_everywhere",
        "schedule": crontab(hour=10, minute=0, day_of_week="mon-fri"),
    },
    # Leavers' personal data past the trust's retention period, anonymised when nobody is working.
    "apply-retention": {
        "task": "privacy.tasks.apply_retention_everywhere",
        "schedule": crontab(hour=3, minute=15),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Old-style axes/pghistory imports raise noisy deprecation warnings under pytest; they are not ours to fix.
warnings.filterwarnings("ignore", category=DeprecationWarning, module="axes")
# `make run` serves static files through the finders; STATIC_ROOT exists only after collectstatic (in production).
warnings.filterwarnings("ignore", message="No directory at: .*staticfiles", category=UserWarning)
