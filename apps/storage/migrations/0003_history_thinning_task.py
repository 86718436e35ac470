"""Schedule the daily thinning of snapshot history and store the default settings.

Admins change the schedule, the snapshot retention and the thresholds in the admin.
"""

from django.db import migrations

TASK_NAME = "Thin and prune snapshot history"
TASK_PATH = "apps.storage.tasks.thin_snapshot_history"


def create_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")

    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK_PATH,
            "crontab": schedule,
            "description": "Keeps every pool and MediaAgent snapshot for the recent "
            "days set in Snapshot retention, one per day before that, and deletes "
            "the oldest.",
        },
    )


def create_settings(apps, schema_editor):
    apps.get_model("storage", "SnapshotRetention").objects.get_or_create(pk=1)
    apps.get_model("storage", "StorageThresholds").objects.get_or_create(pk=1)


def delete_task(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME, task=TASK_PATH).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("storage", "0002_snapshots_and_settings"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_task, delete_task),
        migrations.RunPython(create_settings, migrations.RunPython.noop),
    ]
