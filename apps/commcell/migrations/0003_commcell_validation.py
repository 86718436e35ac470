import django.core.validators
from django.db import migrations, models


def _range(minimum: int, maximum: int) -> list:
    return [
        django.core.validators.MinValueValidator(minimum),
        django.core.validators.MaxValueValidator(maximum),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("commcell", "0002_job_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="commcell",
            name="timeout_seconds",
            field=models.PositiveIntegerField(
                default=60,
                help_text="Read timeout of one REST request, in seconds (5 to 3600).",
                validators=_range(5, 3600),
            ),
        ),
        migrations.AlterField(
            model_name="commcell",
            name="page_size",
            field=models.PositiveIntegerField(
                default=1000,
                help_text="Jobs requested per page (1 to 5000).",
                validators=_range(1, 5000),
            ),
        ),
        migrations.AlterField(
            model_name="commcell",
            name="initial_job_days",
            field=models.PositiveIntegerField(
                default=90,
                help_text="Days of job history the first collection reads (1 to 3650).",
                validators=_range(1, 3650),
            ),
        ),
        migrations.AlterField(
            model_name="commcell",
            name="job_overlap_hours",
            field=models.PositiveIntegerField(
                default=48,
                help_text="Hours before the previous collection that later collections "
                "read again, so jobs that were still running are updated (0 to 720).",
                validators=_range(0, 720),
            ),
        ),
        migrations.AlterField(
            model_name="commcell",
            name="collection_interval_minutes",
            field=models.PositiveIntegerField(
                default=60,
                help_text="Minutes between scheduled collections, 0 to 10080 (one "
                "week); 0 turns them off.",
                validators=_range(0, 10080),
            ),
        ),
    ]
