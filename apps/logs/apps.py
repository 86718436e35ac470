from django.apps import AppConfig


class LogsConfig(AppConfig):
    name = "apps.logs"
    label = "logs"
    verbose_name = "MediaAgent and CommServe logs"

    def ready(self) -> None:
        from apps.core.findings import register_analyzer

        from . import rules

        register_analyzer("logs.errors", rules.log_error_findings)
