"""factory_boy factories for every model the tests create."""

from datetime import UTC, datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from apps.commcell.models import (
    Client,
    CommCell,
    Job,
    JobOnCopy,
    Plan,
    StoragePolicy,
    StoragePolicyCopy,
    SyncRun,
)
from apps.pruning.models import DDBPartition, DDBStore
from apps.retention.models import SEVERITY_RANK, RetentionRule, Severity
from apps.storage.models import MediaAgent, StoragePool


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
            if extracted == "admin":
                self.is_staff = True
                self.save(update_fields=["is_staff"])


class CommCellFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommCell

    name = factory.Sequence(lambda n: f"cs{n:02d}")
    base_url = factory.LazyAttribute(
        lambda o: f"https://{o.name}.example.invalid/webconsole/api"
    )
    username = "svc_cvanalytics"
    secret = "s3cret-password"


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    commcell = factory.SubFactory(CommCellFactory)
    status = SyncRun.Status.SUCCEEDED


class InventoryFactory(factory.django.DjangoModelFactory):
    commcell = factory.SubFactory(CommCellFactory)
    cv_id = factory.Sequence(lambda n: n + 1)


class ClientFactory(InventoryFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"client{n:04d}")


class StoragePolicyFactory(InventoryFactory):
    class Meta:
        model = StoragePolicy

    name = factory.Sequence(lambda n: f"SP-{n:03d}")


class PlanFactory(InventoryFactory):
    class Meta:
        model = Plan

    name = factory.Sequence(lambda n: f"Plan-{n:03d}")
    storage_policy = factory.SubFactory(
        StoragePolicyFactory, commcell=factory.SelfAttribute("..commcell")
    )


class StoragePolicyCopyFactory(InventoryFactory):
    class Meta:
        model = StoragePolicyCopy

    name = "Primary"
    storage_policy = factory.SubFactory(
        StoragePolicyFactory, commcell=factory.SelfAttribute("..commcell")
    )
    copy_precedence = 1


class RetentionRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetentionRule

    copy = factory.SubFactory(StoragePolicyCopyFactory)
    commcell = factory.SelfAttribute("copy.commcell")
    storage_policy = factory.SelfAttribute("copy.storage_policy")
    retention_days = 30
    retention_cycles = 1
    data_aging_enabled = True
    severity = Severity.OK
    severity_rank = factory.LazyAttribute(lambda o: SEVERITY_RANK[o.severity])
    reason = "Retention is within the usual bounds."


class StoragePoolFactory(InventoryFactory):
    class Meta:
        model = StoragePool

    name = factory.Sequence(lambda n: f"Pool{n:02d}")
    storage_type = StoragePool.StorageType.DISK
    total_capacity_mb = 5_700_000
    free_space_mb = 4_250_000


class MediaAgentFactory(InventoryFactory):
    class Meta:
        model = MediaAgent

    name = factory.Sequence(lambda n: f"ma{n:02d}")
    online = True


class DDBStoreFactory(InventoryFactory):
    class Meta:
        model = DDBStore

    name = factory.Sequence(lambda n: f"Pool01_{n}")


class DDBPartitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DDBPartition

    store = factory.SubFactory(DDBStoreFactory)
    cv_id = factory.Sequence(lambda n: n + 1)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    commcell = factory.SubFactory(CommCellFactory)
    job_id = factory.Sequence(lambda n: 900_000 + n)
    job_type = "Backup"
    level = Job.Level.FULL
    level_name = "Full"
    status = "Completed"
    outcome = Job.Outcome.COMPLETED
    start_time = factory.LazyFunction(lambda: datetime(2026, 11, 1, 22, 0, tzinfo=UTC))


class AnalysisRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.AnalysisRun"

    commcell = factory.SubFactory(CommCellFactory)
    trigger = "manual"
    status = "succeeded"
    started_at = factory.LazyFunction(lambda: datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    finished_at = factory.LazyFunction(
        lambda: datetime(2026, 11, 2, 2, 0, 3, tzinfo=UTC)
    )
    analyzed_at = factory.SelfAttribute("started_at")
    duration_seconds = 3.0
    counts = factory.LazyFunction(
        lambda: {
            "retention.rules": {"findings": 1, "new": 1, "resolved": 0, "errors": 0}
        }
    )


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.Finding"

    commcell = factory.SubFactory(CommCellFactory)
    analyzer = "retention.rules"
    code = "retention.aging_disabled"
    severity = Severity.CRITICAL
    severity_rank = factory.LazyAttribute(lambda o: SEVERITY_RANK[o.severity])
    subject_type = "copy"
    subject_id = factory.Sequence(lambda n: 10_000 + n)
    subject_name = factory.Sequence(lambda n: f"SP-{n:03d} / Primary")
    title = "Data aging is disabled on this copy."
    recommendation = "Enable data aging on this copy."
    evidence = factory.LazyFunction(lambda: {"retention_days": 30})
    first_seen_at = factory.LazyFunction(
        lambda: datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    )
    last_seen_at = factory.LazyFunction(lambda: datetime(2026, 11, 2, 2, 0, tzinfo=UTC))


class StoragePoolSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "storage.StoragePoolSnapshot"

    pool = factory.SubFactory(StoragePoolFactory)
    commcell = factory.SelfAttribute("pool.commcell")
    collected_at = factory.LazyFunction(lambda: datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    total_capacity_mb = 1_000_000
    free_space_mb = 400_000
    used_mb = factory.LazyAttribute(lambda o: o.total_capacity_mb - o.free_space_mb)
    capacity_reported = True


class MediaAgentSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "storage.MediaAgentSnapshot"

    media_agent = factory.SubFactory(MediaAgentFactory)
    commcell = factory.SelfAttribute("media_agent.commcell")
    collected_at = factory.LazyFunction(lambda: datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    online = True


from datetime import timedelta  # noqa: E402


class DDBStoreSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pruning.DDBStoreSnapshot"

    store = factory.SubFactory(DDBStoreFactory)
    collected_at = factory.Sequence(
        lambda n: datetime(2026, 11, 1, 2, 0, tzinfo=UTC) + timedelta(days=n)
    )
    pending_deletes = 0


class DataAgingRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "pruning.DataAgingRun"

    commcell = factory.SubFactory(CommCellFactory)
    job_id = factory.Sequence(lambda n: 1_500_000 + n)
    start_time = factory.LazyFunction(lambda: datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    end_time = factory.LazyAttribute(lambda o: o.start_time + timedelta(minutes=20))
    status = "Completed"
    outcome = "completed"


class LogFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "logs.LogFile"

    commcell = factory.SubFactory(CommCellFactory)
    original_name = factory.Sequence(lambda n: f"SIDBPrune_{n}.log")
    log_type = "SIDBPrune"
    media_agent_name = "ma01"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    size = 1024
    origin = "upload"
    stored_path = "/nonexistent/log"
    file_date = factory.LazyFunction(lambda: datetime(2026, 11, 2, 0, 0, tzinfo=UTC))
    status = "parsed"


class LogEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "logs.LogEvent"

    log_file = factory.SubFactory(LogFileFactory)
    commcell = factory.SelfAttribute("log_file.commcell")
    line_number = factory.Sequence(lambda n: n + 1)
    occurred_at = factory.LazyFunction(lambda: datetime(2026, 11, 1, 3, 0, tzinfo=UTC))
    log_type = "SIDBPrune"
    code = "sidbprune.af_pruned"
    category = "logical_prune"
    severity = "info"
    media_agent_name = "ma01"
    store_cv_id = 4101
    message = "4101-2-4388-0 PruneAf 2211  Pruned AfId [880412] completely."


class LogSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "logs.LogSource"

    name = factory.Sequence(lambda n: f"ma{n:02d} logs")
    commcell = factory.SubFactory(CommCellFactory)
    path = "/tmp"
    media_agent_name = "ma01"


class LogSourceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "logs.LogSourceFile"

    source = factory.SubFactory(LogSourceFactory)
    name = factory.Sequence(lambda n: f"CVMA_{n}.log")


class JobOnCopyFactory(factory.django.DjangoModelFactory):
    """The CommServe's row for a job on a copy: basic retention, already copied."""

    class Meta:
        model = JobOnCopy

    copy = factory.SubFactory(StoragePolicyCopyFactory)
    commcell = factory.SelfAttribute("copy.commcell")
    job_id = factory.Sequence(lambda n: 900_000 + n)
    retained_by = JobOnCopy.RetainedBy.BASIC
    retained_by_text = "Basic Retention"
    copied_time = factory.LazyFunction(lambda: datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    collected_at = factory.LazyFunction(
        lambda: datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
    )
