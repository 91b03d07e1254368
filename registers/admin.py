from django.contrib import admin

from .models import Mark


@admin.register(Mark)
class MarkAdmin(admin.ModelAdmin):
    """Read-only: marks change through the register, office, import or API, each keeping who and why."""

    list_display = ["pupil", "date", "session", "code", "source", "recorded_at"]
    list_filter = ["school", "session", "code", "source"]
    raw_id_fields = ["pupil"]
    list_select_related = ["pupil"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
