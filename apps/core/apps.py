from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_role_permissions

        post_migrate.connect(sync_role_permissions, dispatch_uid="core.sync_roles")

        from apps.commcell.signals import collection_history_written

        from .tasks import queue_analysis_after_collection

        # After the history writers (storage, pruning), which connect to
        # collection_finished, so an analysis run in-process reads their snapshots.
        collection_history_written.connect(
            queue_analysis_after_collection, dispatch_uid="core.analyze_collection"
        )
