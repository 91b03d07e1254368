from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("", views.batches, name="batches"),
    path("new/", views.new_batch, name="new"),
    path("batches/<int:batch_id>/", views.batch, name="batch"),
    path("batches/<int:batch_id>/pdf", views.batch_pdf, name="batch_pdf"),
    path("batches/<int:batch_id>/retry/", views.batch_retry, name="batch_retry"),
    path("letters/<int:letter_id>/pdf", views.letter_pdf, name="letter_pdf"),
    path("templates/", views.templates, name="templates"),
    path("templates/<str:code>/<str:language>/", views.template_edit, name="template"),
    path("templates/<str:code>/<str:language>/preview/", views.template_preview, name="template_preview"),
]
