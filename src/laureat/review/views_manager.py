"""The manager's review pages: settings, reviewer pool, assignment, progress and ranking."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
