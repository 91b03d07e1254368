from django.urls import path

from . import views

app_name = "schools"
urlpatterns = [
    path("", views.school_list, name="list"),
    path("pupils/", views.pupil_list, name="pupils"),
    path("pupils/<int:pk>/", views.pupil_detail, name="pupil"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
