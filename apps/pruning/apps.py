from django.apps import AppConfig


class PruningConfig(AppConfig):
    name = "apps.pruning"
    label = "pruning"
    verbose_name = "Deduplication and pruning"

    def ready(self) -> None:
        from apps.commcell.signals import collection_finished
        from apps.core.findings import register_analyzer
        from apps.core.history import register_history

        from . import history, rules
        from .models import DDBStoreSnapshot

        collection_finished.connect(
            history.record_ddb_snapshots,
            dispatch_uid="pruning.record_ddb_snapshots",
        )
        register_analyzer("pruning.health", rules.pruning_findings)
        register_history(DDBStoreSnapshot, "collected_at", "store")
