"""The collector: turns a CommServe's REST API into stored inventory and job history."""

from .runner import STEP_LABELS, STEPS, run_collection

__all__ = ["STEPS", "STEP_LABELS", "run_collection"]
