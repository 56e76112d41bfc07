from django.urls import path

import laureat.documents.views as views

app_name = "documents"

urlpatterns = [
    path(
        "candidatures/<int:pk>/pieces-jointes/",
        views.application_attachments,
        name="application_attachments",
    ),
    path("pieces/<int:pk>/", views.download, name="download"),
    path("pieces/<int:pk>/retirer/", views.attachment_remove, name="delete"),
    path("candidatures/<int:pk>/demandes/", views.thread, name="thread"),
    path("candidatures/<int:pk>/demandes/nouvelle/", views.request_create, name="request_create"),
    path("demandes/<int:pk>/repondre/", views.reply, name="reply"),
    path("demandes/<int:pk>/clore/", views.request_close, name="request_close"),
]
