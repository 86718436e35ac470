"""Signals other apps connect to, so the collector needs no knowledge of them."""

from django.dispatch import Signal

# Sent once a collection run has recorded its outcome, with keyword arguments
# `commcell`, `run` (the SyncRun, reloaded), `status` and `completed_steps` (the keys
# of the steps that ran to their end, such as "storage_pools"). Receivers write the
# history and analysis that follow a collection; their errors are logged and never
# change the run's outcome.
collection_finished = Signal()

# Sent right after `collection_finished`, with the same keyword arguments, once every
# receiver of that signal has run: what reads the history a collection wrote (the
# analysis) connects here, so it never runs before the snapshots exist.
collection_history_written = Signal()
