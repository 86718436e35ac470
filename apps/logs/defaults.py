"""Built-in matcher rules, seeded into LogMatcher by a data migration.

The message texts come from public Commvault sources: the fragments that Commvault's
own test automation searches for in each log, and published sample lines. No full
SIDBPrune, SIDBPhysicalDeletes or MediaManagerPrune line is public, so those rules
follow the fragments only and should be checked against a real log bundle.
"""

from .matching import (
    ANY_LOG_TYPE,
    FROM_NONE,
    JOB_FROM_GROUP,
    JOB_FROM_PREFIX,
    KIND_LITERAL,
    KIND_REGEX,
    STORE_FROM_GROUP,
    STORE_FROM_TOKEN,
    MatcherSpec,
)

CATEGORIES = (
    ("logical_prune", "Logical pruning"),
    ("physical_prune", "Physical pruning"),
    ("mark_and_sweep", "Mark and sweep"),
    ("chunk_delete", "Chunk deleted"),
    ("volume_delete", "Volume deleted"),
    ("cloud_delete", "Cloud object deleted"),
    ("ddb_state", "DDB state"),
    ("error", "Error"),
    ("info", "Information"),
)
SEVERITIES = (
    ("critical", "Critical"),
    ("high", "High"),
    ("medium", "Medium"),
    ("info", "Info"),
    ("ok", "OK"),
)


def _rule(
    code: str,
    log_type: str,
    kind: str,
    pattern: str,
    category: str,
    severity: str = "info",
    store_id_from: str = FROM_NONE,
    job_id_from: str = JOB_FROM_PREFIX,
    priority: int = 100,
    description: str = "",
) -> MatcherSpec:
    return MatcherSpec(
        code=code,
        log_type=log_type,
        kind=kind,
        pattern=pattern,
        category=category,
        severity=severity,
        store_id_from=store_id_from,
        job_id_from=job_id_from,
        priority=priority,
        description=description,
    )


DEFAULT_MATCHERS: tuple[MatcherSpec, ...] = (
    # Errors that any MediaAgent log can carry come first, so they win over the
    # activity rules of a log type.
    _rule(
        "storage.permission_denied",
        ANY_LOG_TYPE,
        KIND_REGEX,
        r"Permission denied|ErrNo\.13\b|Access is denied",
        "error",
        "high",
        priority=10,
        description="The MediaAgent was denied access to a file or mount path.",
    ),
    _rule(
        "storage.mount_path_inaccessible",
        ANY_LOG_TYPE,
        KIND_REGEX,
        r"Unable to get size of volume \[(?P<path>[^\]]*)\]|Cannot access volume",
        "error",
        "high",
        priority=10,
        description="A mount path folder could not be read; its volumes are not "
        "sized or pruned.",
    ),
    _rule(
        "ddb.qi_time_threshold",
        ANY_LOG_TYPE,
        KIND_REGEX,
        r"reaching QI time threshold",
        "ddb_state",
        "high",
        priority=10,
        description="A DDB's average query-and-insert time is near the threshold at "
        "which backups stop.",
    ),
    # SIDBPrune.log: phase 2 is logical pruning, phase 3 physical pruning.
    _rule(
        "sidbprune.af_pruned",
        "SIDBPrune",
        KIND_REGEX,
        r"Pruned AfId \[?(?P<afid>\d+)\]?.* completely"
        r"(?:\. Records \[(?P<records>\d+)\])?",
        "logical_prune",
        store_id_from=STORE_FROM_TOKEN,
        description="Phase-2 (logical) pruning of an archive file finished.",
    ),
    _rule(
        "sidbprune.chunk_finalized",
        "SIDBPrune",
        KIND_REGEX,
        r"Finalizing SI entries in chunk \[?(?P<chunk_id>\d+)?\]?"
        r"(?:\. Records \[(?P<records>\d+)\])?",
        "physical_prune",
        store_id_from=STORE_FROM_TOKEN,
        description="Phase-3 (physical) pruning ran on a chunk. It does not by "
        "itself prove that space was freed.",
    ),
    # SIDBPhysicalDeletes.log: record type H is a hole drilled into a chunk file.
    _rule(
        "physicaldeletes.hole_drilled",
        "SIDBPhysicalDeletes",
        KIND_REGEX,
        r"^\S+\s+H\s+(?P<chunk_id>\d+)\s+(?P<sfile>\d+)",
        "physical_prune",
        store_id_from=STORE_FROM_TOKEN,
        description="A hole was drilled into a chunk's SFILE (micro pruning).",
    ),
    # SIDBEngine.log: mark and sweep, in the order the engine logs its steps.
    _rule(
        "sidbengine.mark_sweep_started",
        "SIDBEngine",
        KIND_LITERAL,
        "Max secondary file reader threads",
        "mark_and_sweep",
        store_id_from=STORE_FROM_TOKEN,
        description="Mark and sweep set up its readers (start of a run).",
    ),
    _rule(
        "sidbengine.mark_sweep_table_bitmap",
        "SIDBEngine",
        KIND_LITERAL,
        "Mark And Sweep. Max Bmp Elems",
        "mark_and_sweep",
        store_id_from=STORE_FROM_TOKEN,
        description="Mark and sweep started with the table-based bitmap.",
    ),
    _rule(
        "sidbengine.mark_sweep_marked",
        "SIDBEngine",
        KIND_REGEX,
        r"Total \[(?P<total>\d+)\], Approx Valid \[(?P<valid>\d+)\], "
        r"Approx Invalid \[(?P<invalid>\d+)\]",
        "mark_and_sweep",
        store_id_from=STORE_FROM_TOKEN,
        description="Result of the mark phase; invalid records can be swept.",
    ),
    _rule(
        "sidbengine.mark_sweep_delete_started",
        "SIDBEngine",
        KIND_LITERAL,
        "Starting the delete phase.",
        "mark_and_sweep",
        store_id_from=STORE_FROM_TOKEN,
        description="Mark and sweep started deleting records.",
    ),
    _rule(
        "sidbengine.mark_sweep_deleted",
        "SIDBEngine",
        KIND_REGEX,
        r"Deleted total \[(?P<deleted_total>\d+)\] records\. "
        r"\[(?P<deleted_in_run>\d+)\] in current run",
        "mark_and_sweep",
        store_id_from=STORE_FROM_TOKEN,
        description="Records deleted by mark and sweep, in total and in this run.",
    ),
    _rule(
        "sidbengine.mark_sweep_succeeded",
        "SIDBEngine",
        KIND_LITERAL,
        "Mark and Sweep blocks complete. Status [Success]",
        "mark_and_sweep",
        "ok",
        store_id_from=STORE_FROM_TOKEN,
        priority=50,
        description="Mark and sweep finished successfully.",
    ),
    _rule(
        "sidbengine.mark_sweep_failed",
        "SIDBEngine",
        KIND_REGEX,
        r"Mark and Sweep blocks complete\. Status \[(?!Success\])",
        "mark_and_sweep",
        "high",
        store_id_from=STORE_FROM_TOKEN,
        priority=50,
        description="Mark and sweep finished with a status other than Success.",
    ),
    _rule(
        "sidbengine.pruning_paused",
        "SIDBEngine",
        KIND_LITERAL,
        "Disabling pruning control flag",
        "ddb_state",
        "medium",
        store_id_from=STORE_FROM_TOKEN,
        description="DDB pruning was paused, for example during a DDB verification.",
    ),
    _rule(
        "sidbengine.pruning_resumed",
        "SIDBEngine",
        KIND_LITERAL,
        "Pruning is [Enabled] now",
        "ddb_state",
        store_id_from=STORE_FROM_TOKEN,
        description="DDB pruning was enabled again.",
    ),
    _rule(
        "sidbengine.mount_paths_disabled",
        "SIDBEngine",
        KIND_REGEX,
        r"Disabled mount paths \[",
        "ddb_state",
        "high",
        store_id_from=STORE_FROM_TOKEN,
        description="Mount paths the DDB may not use (disabled or force-deleted).",
    ),
    _rule(
        "sidbengine.ddb_corrupt",
        "SIDBEngine",
        KIND_REGEX,
        r"Marking DDB Corrupt|Marked the DDB as corrupted",
        "ddb_state",
        "critical",
        store_id_from=STORE_FROM_TOKEN,
        priority=20,
        description="The DDB was marked corrupt; it cannot prune until recovered.",
    ),
    _rule(
        # NOTE: no published SIDBEngine line shows this state. The pattern follows the
        # documented sentence "The DDB will be marked as offline".
        "sidbengine.ddb_offline",
        "SIDBEngine",
        KIND_REGEX,
        r"\bDDB\b[^.]*\b(?:is|marked as|marked|will be marked as|went)\s+[Oo]ffline\b",
        "ddb_state",
        "critical",
        store_id_from=STORE_FROM_TOKEN,
        priority=20,
        description="The DDB went offline; backups and pruning of its data stop.",
    ),
    _rule(
        "sidbengine.resync_failed",
        "SIDBEngine",
        KIND_REGEX,
        r"(?:Failed to resync|DDB and CS Af diff failed|Failed to get AF Status)"
        r"\. iRet \[(?P<iret>-?\d+)\]",
        "error",
        "high",
        store_id_from=STORE_FROM_TOKEN,
        description="The DDB could not resynchronize with the CommServe database.",
    ),
    # NOTE: no public source shows how SIDBEngine.log reports pending deletes. This
    # rule reads the line that the CommServe simulator (commserve_sim) writes.
    _rule(
        "sidbengine.pending_deletes",
        "SIDBEngine",
        KIND_REGEX,
        r"Pending delete records \[(?P<pending_deletes>\d+)\]",
        "ddb_state",
        store_id_from=STORE_FROM_TOKEN,
        priority=150,
        description="Records of the DDB waiting for physical pruning.",
    ),
    _rule(
        "sidbengine.ddb_quiesced",
        "SIDBEngine",
        KIND_LITERAL,
        "Suspended the DDB, Quiesce Token",
        "ddb_state",
        store_id_from=STORE_FROM_TOKEN,
        description="The DDB was quiesced, usually for a DDB backup.",
    ),
    _rule(
        "sidbengine.engine_requested",
        "SIDBEngine",
        KIND_REGEX,
        r"Requested by Job-Id (?P<job_id>\d+)",
        "info",
        store_id_from=STORE_FROM_TOKEN,
        job_id_from=JOB_FROM_GROUP,
        description="A job started the DDB engine.",
    ),
    # CVMA.log: physical deletion on disk mount paths.
    _rule(
        "cvma.chunk_folder_deleted",
        "CVMA",
        KIND_REGEX,
        r"Deleted folder .*[\\/]V_(?P<volume_id>\d+)[\\/]CHUNK_(?P<chunk_id>\d+)",
        "chunk_delete",
        description="A deduplicated chunk folder was deleted.",
    ),
    _rule(
        "cvma.volume_deleted",
        "CVMA",
        KIND_REGEX,
        r"Deleted directory .*CV_MAGNETIC[\\/]V_(?P<volume_id>\d+)",
        "volume_delete",
        description="A non-deduplicated volume folder was deleted.",
    ),
    _rule(
        "cvma.pruning_toggled",
        "CVMA",
        KIND_LITERAL,
        "MMStartStopOnGoingPruningCVMAResp",
        "ddb_state",
        description="The MediaAgent acknowledged a start or stop of mount path "
        "pruning.",
    ),
    # MediaManagerPrune.log and MediaManager.log on the CommServe.
    _rule(
        "mmprune.magnetic_submitted",
        "MediaManagerPrune",
        KIND_REGEX,
        r"Submitting Magnetic Pruning for (?P<volumes>\d+) Volumes in Mount Path "
        r"\[(?P<mount_path_id>\d+)\] on Host \[(?P<client_id>\d+)\]",
        "physical_prune",
        description="The CommServe sent volume pruning of a mount path to a "
        "MediaAgent.",
    ),
    # NOTE: the next three rules read lines of the CommServe simulator
    # (commserve_sim); no public MediaManagerPrune.log sample shows them.
    _rule(
        "mmprune.ddb_prune_sent",
        "MediaManagerPrune",
        KIND_REGEX,
        r"Prune request for SIDB store \[(?P<store_id>\d+)\] sent to MediaAgent "
        r"\[[^\]]*\](?:\. Records \[(?P<records>\d+)\])?",
        "logical_prune",
        store_id_from=STORE_FROM_GROUP,
        description="The CommServe sent a DDB store's prune request to a MediaAgent.",
    ),
    _rule(
        "mmprune.ddb_prune_skipped",
        "MediaManagerPrune",
        KIND_REGEX,
        r"Prune request for SIDB store \[(?P<store_id>\d+)\] skipped",
        "ddb_state",
        "medium",
        store_id_from=STORE_FROM_GROUP,
        description="The CommServe did not send a DDB store's prune request.",
    ),
    _rule(
        "mmprune.data_aging_failed",
        "MediaManagerPrune",
        KIND_REGEX,
        r"Data aging job \[(?P<job_id>\d+)\] failed",
        "error",
        "high",
        job_id_from=JOB_FROM_GROUP,
        description="A data aging job failed, so no prune requests were sent.",
    ),
    _rule(
        "mediamanager.ddb_prune_requested",
        "MediaManager",
        KIND_REGEX,
        r"PRUNE data on SIDB \[(?P<store_id>\d+)\]",
        "logical_prune",
        store_id_from=STORE_FROM_GROUP,
        description="The CommServe sent a prune request for a DDB store.",
    ),
    _rule(
        "mediamanager.pruning_start_stop",
        "MediaManager",
        KIND_LITERAL,
        "Sending Start or Stop OnGoing Pruning request to Host",
        "ddb_state",
        description="The CommServe sent a MediaAgent a request to start or stop pruning.",
    ),
    # CloudFileAccess.log: objects removed from a cloud mount path.
    _rule(
        "cloud.chunk_object_removed",
        "CloudFileAccess",
        KIND_REGEX,
        r"RemoveFile\(\) - .*V_(?P<volume_id>\d+)/CHUNK_(?P<chunk_id>\d+)/",
        "cloud_delete",
        description="An object of a deduplicated chunk was deleted from cloud storage.",
    ),
    _rule(
        "cloud.object_removed",
        "CloudFileAccess",
        KIND_REGEX,
        r"RemoveFile\(\) - ",
        "cloud_delete",
        priority=200,
        description="An object was deleted from cloud storage.",
    ),
)
