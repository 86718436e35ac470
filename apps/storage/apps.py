from django.apps import AppConfig


class StorageConfig(AppConfig):
    name = "apps.storage"
    label = "storage"
    verbose_name = "Storage pools and MediaAgents"

    def ready(self) -> None:
        from apps.commcell.signals import collection_finished
        from apps.core.findings import register_analyzer
        from apps.core.history import register_history

        from . import analysis
        from .history import record_snapshots
        from .models import MediaAgentSnapshot, StoragePoolSnapshot

        collection_finished.connect(
            record_snapshots, dispatch_uid="storage.record_snapshots"
        )
        register_history(StoragePoolSnapshot, "collected_at", "pool")
        register_history(MediaAgentSnapshot, "collected_at", "media_agent")
        register_analyzer("storage.pools", analysis.analyze_pools)
        register_analyzer("storage.media_agents", analysis.analyze_media_agents)
