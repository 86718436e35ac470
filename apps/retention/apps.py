from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "apps.retention"
    label = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        from apps.core.findings import register_analyzer

        from .analyzers import ANALYZER_NAME, analyze_retention_rules

        register_analyzer(ANALYZER_NAME, analyze_retention_rules)

        from .analysis import ANALYZER_NAME as CYCLES_ANALYZER
        from .analysis import analyze_cycles

        register_analyzer(CYCLES_ANALYZER, analyze_cycles)

        from .tools.findings import ANALYZER_NAME as SCHEDULES_ANALYZER
        from .tools.findings import analyze_overdue_fulls

        register_analyzer(SCHEDULES_ANALYZER, analyze_overdue_fulls)
