import importlib.util

from django.apps import AppConfig


class PruningConfig(AppConfig):
    name = "apps.pruning"
    label = "pruning"
    verbose_name = "Deduplication and pruning"

    def ready(self) -> None:
        from apps.commcell.signals import collection_finished
        from apps.core.findings import register_analyzer

        from . import history, rules

        collection_finished.connect(
            history.record_ddb_snapshots,
            dispatch_uid="pruning.record_ddb_snapshots",
        )
        register_analyzer("pruning.health", rules.pruning_findings)
        self._register_history()

    def _register_history(self) -> None:
        # The shared history registry is optional: without it the snapshots are
        # still written and read here, only not listed with the other histories.
        if importlib.util.find_spec("apps.core.history") is None:
            return
        from apps.core.history import register_history

        from .models import DDBStoreSnapshot

        register_history(DDBStoreSnapshot, "collected_at", "store")
