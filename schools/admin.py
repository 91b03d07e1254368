# The Django admin is for the platform's own superusers, who work across trusts; staff use the product's pages.
from django.contrib import admin

from .models import Contact, Enrolment, HalfTerm, Membership, Pupil, RegistrationGroup, Role, School, Trust


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "policy"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "urn", "phase", "trust"]
    list_filter = ["trust", "phase"]


@admin.register(Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = ["upn", "legal_surname", "legal_forename", "year_group", "trust"]
    list_filter = ["trust", "year_group"]
    search_fields = ["upn", "legal_surname", "legal_forename"]
    list_select_related = ["trust"]
    raw_id_fields = ["group"]


admin.site.register([Contact, Enrolment, HalfTerm, Membership, RegistrationGroup, Role])
