from django.urls import path

from . import review_views, views

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
    path("review/", review_views.review, name="review"),
    path("review/approve/", review_views.approve, name="review_approve"),
    path("review/dismiss/", review_views.dismiss, name="review_dismiss"),
    path("review/proposals/<int:proposal_id>/sessions/", review_views.proposal_sessions, name="proposal_sessions"),
    path("cases/<int:pupil_id>/", review_views.case, name="case"),
    path("cases/<int:pupil_id>/notices/", review_views.record_notice, name="record_notice"),
    path("family/<int:pupil_id>/", review_views.family, name="family"),
    path("meetings/<int:meeting_id>/held/", review_views.meeting_held, name="meeting_held"),
    path("meetings/<int:meeting_id>/cancel/", review_views.meeting_cancel, name="meeting_cancel"),
    path("notices/<int:notice_id>/status/", review_views.notice_status, name="notice_status"),
]
