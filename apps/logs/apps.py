from django.apps import AppConfig


class LogsConfig(AppConfig):
    name = "apps.logs"
    label = "logs"
    verbose_name = "MediaAgent and CommServe logs"
