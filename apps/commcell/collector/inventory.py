"""Collection steps for the inventory: each reads one endpoint and upserts its rows.

Every step returns the number of rows it stored and writes them in one transaction, so a
step that fails leaves the rows of the previous run untouched.
"""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.commcell.cvclient.errors import CommServeError
from apps.commcell.cvclient.records import (
    ClientRecord,
    CopyRecord,
    DDBStoreRecord,
    PlanRecord,
)
from apps.commcell.models import (
    Client,
    CommCell,
    Plan,
    StoragePolicy,
    StoragePolicyCopy,
)
from apps.pruning.models import DDBPartition, DDBStore
from apps.storage.models import MediaAgent, StoragePool

from . import copy_jobs
from .context import FATAL_ERRORS, PartialStepError, RunAborted, StepContext
from .upsert import (
    clean_text,
    fit_row,
    id_map,
    name_map,
    record_row,
    upsert_inventory,
)

logger = logging.getLogger(__name__)

# Retryable failures in a row (server errors after the client's own retries) that stop
# a loop over objects, so a failing endpoint is not retried for every object.
MAX_CONSECUTIVE_SERVER_ERRORS = 3


def collect_commserve(ctx: StepContext) -> int:
    """Check that the CommServe is the one this CommCell was collected from.

    The first run stores the CommServe's identity. A later run that cannot read the
    identity, or finds another one, ends before any step writes a row.
    """
    try:
        info = ctx.client.get_commserve()
    except FATAL_ERRORS:
        raise
    except CommServeError as exc:
        raise RunAborted(
            f"{exc} The run stopped before storing anything, because without "
            "GET /CommServ it cannot check that this is the same CommServe."
        ) from exc

    name = clean_text(info.name, 150)
    check_identity(ctx, info.cv_id, name)
    updates = {
        "commserve_name": name,
        "commserve_version": clean_text(info.version, 50),
    }
    if not ctx.commcell.commserve_identity_name:
        updates["commserve_cv_id"] = info.cv_id
        updates["commserve_identity_name"] = name
        logger.info(
            "%s: stored CommServe identity %s", ctx.label, describe(info.cv_id, name)
        )
    CommCell.objects.filter(pk=ctx.commcell.pk).update(**updates)
    logger.info(
        "%s: CommServe %s, version %s", ctx.label, info.name, info.version or "?"
    )
    return 1


def check_identity(ctx: StepContext, cv_id: int | None, name: str) -> None:
    """Raise RunAborted when the CommServe differs from the stored identity."""
    commcell = ctx.commcell
    stored_name = commcell.commserve_identity_name
    if not stored_name:
        return

    same_name = stored_name.casefold() == name.casefold()
    same_id = None in (cv_id, commcell.commserve_cv_id) or (
        cv_id == commcell.commserve_cv_id
    )
    if same_name and same_id:
        return

    stored = describe(commcell.commserve_cv_id, stored_name)
    found = describe(cv_id, name)
    raise RunAborted(
        f"{commcell.base_url} is CommServe {found}, but CommCell {commcell.name} "
        f"was collected from CommServe {stored}. Nothing was stored. To collect "
        f"{found}, add a new CommCell for it and set the URL of {commcell.name} "
        "back. If the CommServe was rebuilt and is the same system, select "
        f'{commcell.name} in the CommCell admin list and run the action "Forget '
        'the CommServe identity (CommServe rebuilt)".'
    )


def describe(cv_id: int | None, name: str) -> str:
    """Return a CommServe identity as text, for example `"cs01" (commCellId 2)`."""
    cv_id_text = "unknown" if cv_id is None else str(cv_id)
    return f'"{name}" (commCellId {cv_id_text})'


def collect_clients(ctx: StepContext) -> int:
    """Store the clients of GET /Client with the data aging flag of each detail.

    The list does not carry the client's activity control, so the step reads each
    client's detail (GET /Client/{id}), one request per client. It reads them when the
    copies' job lists are due (`copy_jobs_interval_hours`), and otherwise only for
    clients not stored yet. A client whose detail is not read keeps its stored flag.
    """
    records = ctx.client.list_clients()
    flags, failures = _read_client_data_aging(ctx, records)
    rows = []
    for record in records:
        row = record_row(record)
        row["data_aging_enabled"] = flags[record.cv_id]
        rows.append(row)

    written = _store(ctx, "clients", Client, rows)
    if failures:
        ctx.counts["clients"] = written
        raise PartialStepError(failures)
    return written


def _read_client_data_aging(
    ctx: StepContext, records: list[ClientRecord]
) -> tuple[dict[int, bool], list[str]]:
    stored = dict(
        Client.objects.filter(commcell=ctx.commcell).values_list(
            "cv_id", "data_aging_enabled"
        )
    )
    # A client not stored yet counts as enabled until its detail is read.
    flags = {record.cv_id: stored.get(record.cv_id, True) for record in records}
    if not copy_jobs.is_due(ctx.commcell, ctx.run, timezone.now()):
        records = [record for record in records if record.cv_id not in stored]
        logger.info(
            "%s: reading the details of %d new clients only, because the copies' "
            "job lists are not due",
            ctx.label,
            len(records),
        )

    failures: list[str] = []
    consecutive = 0
    for done, record in enumerate(records, start=1):
        try:
            detail = ctx.client.get_client(record.cv_id)
        except FATAL_ERRORS:
            raise
        except CommServeError as exc:
            failures.append(
                f"Client {record.name} (id {record.cv_id}): {exc} Its stored data "
                "aging flag is kept."
            )
            logger.warning(
                "%s: detail of client %s (id %s) failed: %s",
                ctx.label,
                record.name,
                record.cv_id,
                exc,
            )
            consecutive = consecutive + 1 if exc.retryable else 0
        else:
            consecutive = 0
            if detail.data_aging_enabled is not None:
                flags[record.cv_id] = detail.data_aging_enabled
        ctx.progress.set("clients", done=done, total=len(records))

        if consecutive >= MAX_CONSECUTIVE_SERVER_ERRORS and done < len(records):
            failures.append(
                f"{len(records) - done} more client details were skipped after "
                f"{consecutive} consecutive server errors, because the CommServe's "
                "client endpoint is failing. Their stored data aging flags are "
                "unchanged. Check the CommServe's web server, then collect again."
            )
            logger.warning(
                "%s: client details stopped after %d consecutive server errors, so "
                "%d clients were skipped",
                ctx.label,
                consecutive,
                len(records) - done,
            )
            break

    ctx.progress.set("clients", done=len(records), total=len(records), force=True)
    return flags, failures


def collect_storage_policies(ctx: StepContext) -> int:
    records = ctx.client.list_storage_policies()

    # A plan record may lack its policy id while the policy lists the plan.
    ctx.carry["policy_of_plan"] = {
        plan_cv_id: record.cv_id
        for record in records
        for plan_cv_id in record.plan_cv_ids
    }
    rows = [record_row(record) for record in records]
    return _store(ctx, "storage_policies", StoragePolicy, rows)


def collect_plans(ctx: StepContext) -> int:
    records: list[PlanRecord] = ctx.client.list_plans()
    policy_ids = id_map(StoragePolicy, ctx.commcell)
    policy_of_plan = ctx.carry.get("policy_of_plan", {})
    # A link this run cannot resolve (its policy list failed) keeps its stored value.
    stored_links = dict(
        Plan.objects.filter(commcell=ctx.commcell).values_list(
            "cv_id", "storage_policy_id"
        )
    )

    rows = []
    for record in records:
        row = record_row(record)
        policy_cv_id = record.storage_policy_cv_id or policy_of_plan.get(record.cv_id)
        row["storage_policy_id"] = policy_ids.get(policy_cv_id) or stored_links.get(
            record.cv_id
        )
        rows.append(row)
    return _store(ctx, "plans", Plan, rows)


def collect_copies(ctx: StepContext) -> int:
    """Read the copies of every stored storage policy, then classify their retention.

    A policy whose copy list fails is recorded as an error and skipped, so the copies
    of every other policy are still saved.
    """
    policies = list(
        StoragePolicy.objects.filter(
            commcell=ctx.commcell, removed_at__isnull=True
        ).values_list("cv_id", "name")
    )
    records, failures = _read_copies(ctx, policies)
    failures.extend(_invalid_selections(ctx, records, dict(policies)))

    written = _store_copies(ctx, records)
    ctx.counts["retention_rules"] = _save_retention(ctx, records)
    if failures:
        ctx.counts["copies"] = written
        raise PartialStepError(failures)
    return written


def _read_copies(
    ctx: StepContext, policies: list[tuple[int, str]]
) -> tuple[list[CopyRecord], list[str]]:
    records: list[CopyRecord] = []
    failures: list[str] = []
    # Each failed request already went through the client's retries, so a run of
    # server errors means the endpoint is down and every later policy would wait as
    # long again.
    consecutive = 0
    for done, (cv_id, name) in enumerate(policies, start=1):
        try:
            records.extend(ctx.client.list_copies(cv_id))
        except FATAL_ERRORS:
            raise
        except CommServeError as exc:
            failures.append(f"Storage policy {name} (id {cv_id}): {exc}")
            logger.warning(
                "%s: copies of storage policy %s (id %s) failed: %s",
                ctx.label,
                name,
                cv_id,
                exc,
            )
            consecutive = consecutive + 1 if exc.retryable else 0
        else:
            consecutive = 0
        ctx.progress.set("copies", done=done, total=len(policies))

        if consecutive >= MAX_CONSECUTIVE_SERVER_ERRORS and done < len(policies):
            failures.append(_skipped_message(len(policies) - done, consecutive))
            logger.warning(
                "%s: copies step stopped after %d consecutive server errors, so "
                "%d storage policies were skipped",
                ctx.label,
                consecutive,
                len(policies) - done,
            )
            break

    ctx.progress.set("copies", done=len(policies), total=len(policies), force=True)
    return records, failures


def _skipped_message(skipped: int, errors: int) -> str:
    return (
        f"{skipped} more storage policies were skipped after {errors} consecutive "
        "server errors, because the CommServe's storage policy endpoint is failing. "
        "Their stored copies are unchanged. Check the CommServe's web server, then "
        "collect again."
    )


def _invalid_selections(
    ctx: StepContext, records: list[CopyRecord], policy_names: dict[int, str]
) -> list[str]:
    failures = []
    for record in records:
        if not record.invalid_job_selection:
            continue
        policy = policy_names.get(record.storage_policy_cv_id, "(not stored)")
        failures.append(
            f"Storage policy copy {record.name} (id {record.cv_id}) of storage policy "
            f"{policy}: selectiveCopyRules.selectiveRule "
            f"{record.invalid_job_selection} is invalid, because a job selection code is a whole number of 0 or more. "
            "The copy's stored job selection is kept. Check the copy's selective copy "
            "rule on the CommServe, then collect again."
        )
        logger.warning(
            "%s: copy %s (id %s) sent the invalid selectiveRule %s",
            ctx.label,
            record.name,
            record.cv_id,
            record.invalid_job_selection,
        )
    return failures


def _store_copies(ctx: StepContext, records: list[CopyRecord]) -> int:
    policy_ids = id_map(StoragePolicy, ctx.commcell)
    # A copy that sent an invalid selection keeps its stored one.
    kept_selections = dict(
        StoragePolicyCopy.objects.filter(
            commcell=ctx.commcell,
            cv_id__in=[r.cv_id for r in records if r.invalid_job_selection],
        ).values_list("cv_id", "job_selection")
    )
    rows = []
    for record in records:
        policy_id = policy_ids.get(record.storage_policy_cv_id)
        if policy_id is None:
            logger.warning(
                "%s: copy %s (id %s) skipped: its storage policy id %s is not stored",
                ctx.label,
                record.name,
                record.cv_id,
                record.storage_policy_cv_id,
            )
            continue
        row = record_row(record)
        row["storage_policy_id"] = policy_id
        if record.invalid_job_selection:
            row["job_selection"] = kept_selections.get(record.cv_id)
        rows.append(row)

    with transaction.atomic():
        return upsert_inventory(StoragePolicyCopy, ctx.commcell, rows)


def _save_retention(ctx: StepContext, records: list[CopyRecord]) -> int:
    from apps.retention.services import save_rules

    copies = StoragePolicyCopy.objects.filter(
        commcell=ctx.commcell, cv_id__in=[record.cv_id for record in records]
    ).select_related("storage_policy")
    by_cv_id = {copy.cv_id: copy for copy in copies}
    pairs = [
        (by_cv_id[record.cv_id], record.retention)
        for record in records
        if record.cv_id in by_cv_id
    ]

    with transaction.atomic():
        return save_rules(ctx.commcell, pairs)


def collect_storage_pools(ctx: StepContext) -> int:
    records = ctx.client.list_storage_pools()
    rows = [record_row(record) for record in records]
    return _store(ctx, "storage_pools", StoragePool, rows)


def collect_media_agents(ctx: StepContext) -> int:
    records = ctx.client.list_media_agents()
    rows = [record_row(record) for record in records]
    return _store(ctx, "media_agents", MediaAgent, rows)


def collect_ddb_stores(ctx: StepContext) -> int:
    records: list[DDBStoreRecord] = ctx.client.list_ddb_stores()
    rows = [record_row(record) for record in records]
    ctx.progress.set("ddb_stores", done=0, total=len(rows), force=True)

    with transaction.atomic():
        written = upsert_inventory(DDBStore, ctx.commcell, rows)
        ctx.counts["ddb_partitions"] = _store_partitions(ctx, records)

    ctx.progress.set("ddb_stores", done=written, total=len(rows), force=True)
    return written


def _store_partitions(ctx: StepContext, records: list[DDBStoreRecord]) -> int:
    store_ids = id_map(DDBStore, ctx.commcell)
    agent_ids = id_map(MediaAgent, ctx.commcell)
    agent_names = name_map(MediaAgent, ctx.commcell)

    partitions: dict[tuple[int, int], DDBPartition] = {}
    for record in records:
        store_id = store_ids[record.cv_id]
        seen = ctx.seen_partitions.setdefault(store_id, set())
        for part in record.partitions:
            agent_id = agent_ids.get(part.media_agent_cv_id) or agent_names.get(
                part.media_agent_name.lower()
            )
            row = fit_row(
                DDBPartition,
                {
                    "path": part.path,
                    "media_agent_name": part.media_agent_name,
                    "status": part.status,
                },
            )
            partitions[(store_id, part.cv_id)] = DDBPartition(
                store_id=store_id, cv_id=part.cv_id, media_agent_id=agent_id, **row
            )
            seen.add(part.cv_id)

    DDBPartition.objects.bulk_create(
        list(partitions.values()),
        update_conflicts=True,
        unique_fields=["store", "cv_id"],
        update_fields=["path", "media_agent", "media_agent_name", "status"],
    )
    return len(partitions)


def _store(
    ctx: StepContext, entity: str, model: Any, rows: list[dict[str, Any]]
) -> int:
    ctx.progress.set(entity, done=0, total=len(rows), force=True)
    with transaction.atomic():
        written = upsert_inventory(model, ctx.commcell, rows)
    ctx.progress.set(entity, done=written, total=len(rows), force=True)
    return written
