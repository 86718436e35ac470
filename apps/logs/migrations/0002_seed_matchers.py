"""Seed the built-in log matchers from `apps.logs.defaults`; admins may disable them."""

from django.db import migrations

from apps.logs.defaults import DEFAULT_MATCHERS


def seed(apps, schema_editor):
    LogMatcher = apps.get_model("logs", "LogMatcher")
    for spec in DEFAULT_MATCHERS:
        LogMatcher.objects.update_or_create(
            code=spec.code,
            defaults={
                "log_type": spec.log_type,
                "kind": spec.kind,
                "pattern": spec.pattern,
                "category": spec.category,
                "severity": spec.severity,
                "store_id_from": spec.store_id_from,
                "job_id_from": spec.job_id_from,
                "priority": spec.priority,
                "description": spec.description,
                "built_in": True,
            },
        )


def unseed(apps, schema_editor):
    LogMatcher = apps.get_model("logs", "LogMatcher")
    codes = [spec.code for spec in DEFAULT_MATCHERS]
    LogMatcher.objects.filter(code__in=codes, built_in=True).delete()


class Migration(migrations.Migration):
    dependencies = [("logs", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
