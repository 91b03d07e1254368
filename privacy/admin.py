"""The access log and retention runs in the admin: read-only, so the log stays append-only there too."""

from django.contrib import admin

from .models import AccessLogEntry, Anonymisation, RetentionRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "trust", "user", "kind", "route", "school", "pupil_id", "detail"]
    list_filter = ["kind", "trust"]
    raw_id_fields = ["user", "school", "pupil"]


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "trust", "on", "years", "source", "pupils", "contacts_deleted", "skipped"]


@admin.register(Anonymisation)
class AnonymisationAdmin(ReadOnlyAdmin):
    list_display = ["anonymised_at", "trust", "pupil_id", "left_on", "run"]
