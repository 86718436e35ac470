from django.apps import AppConfig


class CommcellConfig(AppConfig):
    name = "apps.commcell"
    label = "commcell"
    verbose_name = "CommCells and collection"
