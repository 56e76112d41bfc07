from django.urls import path

from laureat.web import manage, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("appels/<slug:slug>/", views.call_detail, name="call_detail"),
    path("gestion/", manage.manage_home, name="manage_home"),
    path("gestion/appels/<slug:slug>/", manage.manage_call, name="manage_call"),
]
