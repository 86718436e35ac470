"""Bring the built-in log matchers in line with `apps.logs.defaults`.

Enabled flags that an admin changed are kept; patterns and fields of built-in rules
are reset to the product's.
"""

from django.db import migrations

from apps.logs.defaults import DEFAULT_MATCHERS


def update(apps, schema_editor):
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


class Migration(migrations.Migration):
    dependencies = [("logs", "0004_matcher_code_format")]

    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
