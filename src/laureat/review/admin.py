from django.contrib import admin

from laureat.review.models import Assignment, Conflict, Review, Reviewer, ReviewSettings, Score


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):
    list_display = ["call", "reviewers_per_application", "min_load", "max_load", "normalise_scores"]
    list_select_related = ["call"]
    search_fields = ["call__title"]


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    list_display = ["user", "call", "state", "region", "max_load", "invited_at", "reminded_at"]
    list_filter = ["state", "call", "region"]
    list_select_related = ["user", "call", "region"]
    search_fields = ["user__email", "user__last_name", "expertise"]
    filter_horizontal = ["themes", "technologies"]
    autocomplete_fields = ["user", "affiliations"]


@admin.register(Conflict)
class ConflictAdmin(admin.ModelAdmin):
    list_display = ["reviewer", "application", "source", "reason", "created_at"]
    list_filter = ["source", "reviewer__call"]
    list_select_related = ["reviewer__user", "application"]
    search_fields = ["reviewer__user__email", "application__title", "application__reference"]
    raw_id_fields = ["application", "reviewer"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["application", "reviewer", "state", "affinity", "forced", "notified_at"]
    list_filter = ["state", "forced", "reviewer__call"]
    list_select_related = ["reviewer__user", "application"]
    search_fields = ["reviewer__user__email", "application__title", "application__reference"]
    raw_id_fields = ["application", "reviewer"]


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["assignment", "recommendation", "submitted_at"]
    list_filter = ["recommendation"]
    list_select_related = ["assignment__reviewer__user", "assignment__application"]
    raw_id_fields = ["assignment"]
    inlines = [ScoreInline]
