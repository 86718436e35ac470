"""Line formats of the MediaAgent and CommServe logs the simulator writes.

Every line the log writer produces is built here, so a parser can be checked against
this one module. Values are the simulator's own; the shapes follow the public
fragments of each log (see README.md, "Log files").

Common prefix (whitespace separated; pid and tid are left aligned and padded)::

    <pid> <tid> <mm/dd> <hh:mm:ss> <job> <message>

- pid: decimal, padded to 5; it changes when the MediaAgent comes back after an outage.
- tid: lower-case hexadecimal, padded to 5.
- mm/dd hh:mm:ss: UTC time of the simulator clock, without a year.
- job: a decimal job id (the Data Aging job that caused the work) or `###`.

SIDB engine token at the start of SIDBEngine, SIDBPrune and SIDBPhysicalDeletes
messages: `<storeId>-<group>-<substoreId>-<split>`. In SIDBPrune.log the group is the
pruning phase (2 logical, 3 physical); elsewhere it is 0.

SIDBPrune.log (MediaAgent)::

    <token-2> LogicalPrune     812  Pruned AfId [<afId>] of store [<storeId>] completely. Records [<n>]
    <token-3> PhysicalPrune   1290  Finalizing SI entries in chunk [<chunkId>]. Records [<n>]

SIDBPhysicalDeletes.log (MediaAgent); field 6 of the line is `H`, field 7 the chunk::

    <token-3> H <chunkId> <sfileNo> <bytes>

SIDBEngine.log (MediaAgent)::

    <token> PruneStats      2210  Pending delete records [<n>]. Pruned in last hour [<n>].
    <token> MarkAndSweep    3301  Max secondary file reader threads [<n>]
    <token> MarkAndSweep    3342  Total [<n>], Approx Valid [<n>], Approx Invalid [<n>]
    <token> MarkAndSweep    3388  Starting the delete phase. Restart string [<n>]
    <token> MarkAndSweep    3420  Deleted total [<n>] records. [<n>] in current run
    <token> MarkAndSweep    3455  Mark and Sweep blocks complete. Status [Success]
    <token> PruneControl    1180  Disabling pruning control flag. Store [<storeId>]
    <token> PruneControl    1195  Pruning is [Enabled] now. Store [<storeId>]
    <token> PruneCheck      3120  DDB partition [<substoreId>] on MediaAgent [<name>] is offline. Pruning waits for it.
    <token> Startup          210  SIDB engine started. Pending delete records [<n>].
    <token> SealStore       1502  DDB store [<storeId>] sealed. New DDB store [<newId>] is active.

CVMA.log (MediaAgent)::

    CVMAPrune       Deleted folder <mountPath>\\<folder>\\CV_MAGNETIC\\V_<vol>\\CHUNK_<chunk>
    CVMAPrune       Deleted directory <mountPath>\\CV_MAGNETIC\\V_<vol>
    CVMAPrune       Failed to delete directory [<mountPath>\\CV_MAGNETIC\\V_<vol>]. ErrNo.13.(Permission denied)
    VolumeSize      Unable to get size of volume [<mountPath>\\CV_MAGNETIC\\V_<vol>]. Cannot access volume

(Linux MediaAgents use `/` in paths.)

CloudFileAccess.log (MediaAgent with a cloud library)::

    #CVMountd] RemoveFile() - <bucket>/<folder>/CV_MAGNETIC/V_<vol>/CHUNK_<chunk>/CHUNK_META_DATA_<chunk>[.idx]

MediaManagerPrune.log (CommServe)::

    Submitting Magnetic Pruning for <n> Volumes in Mount Path [<mountPathId>] on Host [<clientId>]
    Prune request for SIDB store [<storeId>] sent to MediaAgent [<name>]. Records [<n>]
    Prune request for SIDB store [<storeId>] skipped: <reason>
    Data aging job [<jobId>] failed. No prune requests were sent.

MediaManager.log (CommServe)::

    PRUNE data on SIDB [<storeId>]
"""

from __future__ import annotations

import datetime as dt

COMPONENT_WIDTH = 15


def prefix(pid: int, tid: int, moment: int, job_id: int | None) -> str:
    """Return the common line prefix; `moment` is Unix seconds (UTC)."""
    when = dt.datetime.fromtimestamp(moment, dt.UTC)
    job = str(job_id) if job_id else "###"
    return f"{pid:<5} {tid:<5x} {when:%m/%d %H:%M:%S} {job} "


def engine_token(store_id: int, group: int, substore_id: int, split: int = 0) -> str:
    return f"{store_id}-{group}-{substore_id}-{split}"


def _component(name: str, source_line: int) -> str:
    return f"{name:<{COMPONENT_WIDTH}} {source_line:>4}  "


# SIDBPrune.log ----------------------------------------------------------------------


def af_pruned(token: str, af_id: int, store_id: int, records: int) -> str:
    return (
        f"{token} {_component('LogicalPrune', 812)}Pruned AfId [{af_id}] of store "
        f"[{store_id}] completely. Records [{records}]"
    )


def chunk_finalized(token: str, chunk_id: int, records: int) -> str:
    return (
        f"{token} {_component('PhysicalPrune', 1290)}Finalizing SI entries in chunk "
        f"[{chunk_id}]. Records [{records}]"
    )


# SIDBPhysicalDeletes.log -------------------------------------------------------------


def hole_drilled(token: str, chunk_id: int, sfile: int, size: int) -> str:
    return f"{token} H {chunk_id} {sfile} {size}"


# SIDBEngine.log ----------------------------------------------------------------------


def prune_stats(token: str, pending: int, pruned: int) -> str:
    return (
        f"{token} {_component('PruneStats', 2210)}Pending delete records [{pending}]. "
        f"Pruned in last hour [{pruned}]."
    )


def mark_and_sweep(token: str, total: int, invalid: int, deleted_total: int) -> list:
    """Return the five lines of one successful mark and sweep run, in order."""
    valid = total - invalid
    return [
        f"{token} {_component('MarkAndSweep', 3301)}Max secondary file reader "
        "threads [4]",
        f"{token} {_component('MarkAndSweep', 3342)}Total [{total}], Approx Valid "
        f"[{valid}], Approx Invalid [{invalid}]",
        f"{token} {_component('MarkAndSweep', 3388)}Starting the delete phase. "
        "Restart string [0]",
        f"{token} {_component('MarkAndSweep', 3420)}Deleted total [{deleted_total}] "
        f"records. [{invalid}] in current run",
        f"{token} {_component('MarkAndSweep', 3455)}Mark and Sweep blocks complete. "
        "Status [Success]",
    ]


def pruning_paused(token: str, store_id: int) -> str:
    return (
        f"{token} {_component('PruneControl', 1180)}Disabling pruning control flag. "
        f"Store [{store_id}]"
    )


def pruning_resumed(token: str, store_id: int) -> str:
    return (
        f"{token} {_component('PruneControl', 1195)}Pruning is [Enabled] now. "
        f"Store [{store_id}]"
    )


def partition_offline(token: str, substore_id: int, media_agent: str) -> str:
    return (
        f"{token} {_component('PruneCheck', 3120)}DDB partition [{substore_id}] on "
        f"MediaAgent [{media_agent}] is offline. Pruning waits for it."
    )


def engine_started(token: str, pending: int) -> str:
    return (
        f"{token} {_component('Startup', 210)}SIDB engine started. Pending delete "
        f"records [{pending}]."
    )


def store_sealed(token: str, store_id: int, new_store_id: int) -> str:
    return (
        f"{token} {_component('SealStore', 1502)}DDB store [{store_id}] sealed. "
        f"New DDB store [{new_store_id}] is active."
    )


# CVMA.log ----------------------------------------------------------------------------


def chunk_folder_deleted(volume_path: str, sep: str, chunk_id: int) -> str:
    return f"{'CVMAPrune':<{COMPONENT_WIDTH}} Deleted folder {volume_path}{sep}CHUNK_{chunk_id}"


def volume_deleted(volume_path: str) -> str:
    return f"{'CVMAPrune':<{COMPONENT_WIDTH}} Deleted directory {volume_path}"


def volume_delete_denied(volume_path: str) -> str:
    return (
        f"{'CVMAPrune':<{COMPONENT_WIDTH}} Failed to delete directory [{volume_path}]. "
        "ErrNo.13.(Permission denied)"
    )


def volume_inaccessible(volume_path: str) -> str:
    return (
        f"{'VolumeSize':<{COMPONENT_WIDTH}} Unable to get size of volume "
        f"[{volume_path}]. Cannot access volume"
    )


# CloudFileAccess.log -----------------------------------------------------------------


def cloud_object_removed(volume_path: str, chunk_id: int, index: bool) -> str:
    suffix = ".idx" if index else ""
    return (
        f"#CVMountd] RemoveFile() - {volume_path}/CHUNK_{chunk_id}/"
        f"CHUNK_META_DATA_{chunk_id}{suffix}"
    )


# MediaManagerPrune.log and MediaManager.log (CommServe) ------------------------------


def magnetic_pruning_submitted(volumes: int, mount_path_id: int, client_id: int) -> str:
    return (
        f"Submitting Magnetic Pruning for {volumes} Volumes in Mount Path "
        f"[{mount_path_id}] on Host [{client_id}]"
    )


def prune_request_sent(store_id: int, media_agent: str, records: int) -> str:
    return (
        f"Prune request for SIDB store [{store_id}] sent to MediaAgent "
        f"[{media_agent}]. Records [{records}]"
    )


def prune_request_skipped(store_id: int, reason: str) -> str:
    return f"Prune request for SIDB store [{store_id}] skipped: {reason}"


def data_aging_failed(job_id: int) -> str:
    return f"Data aging job [{job_id}] failed. No prune requests were sent."


def prune_data_on_sidb(store_id: int) -> str:
    return f"PRUNE data on SIDB [{store_id}]"
