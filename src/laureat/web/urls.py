from django.urls import path

from laureat.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("appels/<slug:slug>/", views.call_detail, name="call_detail"),
]
