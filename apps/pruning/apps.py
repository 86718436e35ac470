from django.apps import AppConfig


class PruningConfig(AppConfig):
    name = "apps.pruning"
    label = "pruning"
    verbose_name = "Deduplication and pruning"
