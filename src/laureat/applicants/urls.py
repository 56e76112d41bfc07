from django.urls import path

from laureat.applicants import views

app_name = "applicants"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("nouvelle/", views.organisation_create, name="create"),
    path("communes/", views.commune_search, name="commune_search"),
    path("siret/", views.siret_check, name="siret_check"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/inviter/", views.organisation_invite, name="invite"),
    path(
        "<int:pk>/membres/<int:membership_pk>/retirer/", views.member_remove, name="member_remove"
    ),
    path("<int:pk>/membres/<int:membership_pk>/role/", views.member_role, name="member_role"),
    path(
        "invitations/<int:invitation_pk>/retirer/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path(
        "candidatures/<int:application_pk>/co-redacteurs/",
        views.invite_collaborator,
        name="invite_collaborator",
    ),
    path(
        "co-redacteurs/<int:collaborator_pk>/retirer/",
        views.collaborator_remove_view,
        name="collaborator_remove",
    ),
]
