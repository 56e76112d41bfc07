from django.contrib import admin

from laureat.eligibility.models import EligibilityReport, EligibilityRule


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(admin.ModelAdmin):
    list_display = ["call", "kind", "position", "active"]
    list_filter = ["kind", "active", "call"]
    readonly_fields = ["parameters"]


@admin.register(EligibilityReport)
class EligibilityReportAdmin(admin.ModelAdmin):
    list_display = ["application", "passed", "failed_count", "evaluated_at"]
    list_filter = ["passed"]
    readonly_fields = [f.name for f in EligibilityReport._meta.fields]
