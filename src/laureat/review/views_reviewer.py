"""The reviewer's pages: invitations, workspace, reading and scoring assigned applications."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
