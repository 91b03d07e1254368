from django.urls import path

from . import office_views as views

# Included in the "registers" namespace by registers/urls.py.
urlpatterns = [
    path("office/late/", views.late, name="office_late"),
    path("office/reports/", views.reports, name="office_reports"),
    path("office/reports/<int:report_id>/", views.report_detail, name="office_report"),
    path("office/reports/<int:report_id>/confirm/", views.report_confirm, name="office_report_confirm"),
    path("office/reports/<int:report_id>/reject/", views.report_reject, name="office_report_reject"),
    path("office/leave/", views.leave, name="office_leave"),
    path("office/leave/<int:leave_id>/", views.leave_detail, name="office_leave_detail"),
    path("office/leave/<int:leave_id>/decide/", views.leave_decide, name="office_leave_decide"),
    path("office/leave/<int:leave_id>/taken/", views.leave_taken, name="office_leave_taken"),
]
