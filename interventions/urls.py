from django.urls import path

from . import views

app_name = "interventions"
urlpatterns = [
    path("today/", views.today, name="today"),
    path("today/visits/", views.visits, name="visits"),
    path("today/pupils/<int:pupil_id>/contact/", views.record_attempt, name="record_attempt"),
    path("long-absence/", views.long_absence, name="long_absence"),
    path("long-absence/tasks/", views.create_tasks, name="create_tasks"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:task_id>/complete/", views.complete_task, name="complete_task"),
    path("tasks/<int:task_id>/reassign/", views.reassign_task, name="reassign_task"),
]
