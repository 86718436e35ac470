from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "apps.retention"
    label = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        from apps.core.findings import register_analyzer

        from .analysis import ANALYZER_NAME as CYCLES_ANALYZER
        from .analysis import analyze_cycles

        register_analyzer(CYCLES_ANALYZER, analyze_cycles)

        # The rules and tools analyzers run after retention.cycles because they read
        # the cadence it stores.
        from .analyzers import ANALYZER_NAME, analyze_retention_rules

        register_analyzer(ANALYZER_NAME, analyze_retention_rules)

        from .tools.store import ANALYZER_NAME as TOOLS_ANALYZER
        from .tools.store import analyze_tools

        register_analyzer(TOOLS_ANALYZER, analyze_tools)
