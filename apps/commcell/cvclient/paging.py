"""Consistency checks for the header-paged job list (GET /Job with `limit`/`offset`).

A listing is read page by page and never held whole, so the checks keep a bounded
window of recent job ids instead of every id seen.
"""

from collections import deque

from .errors import PagingError

# Job ids remembered for repeat detection: at least two pages, and at least this many.
MIN_REPEAT_WINDOW = 10_000


class JobListingCheck:
    """Check the pages of one job listing for repeated ids and an early end.

    A page repeats when it contains an id from the last `window` ids of earlier pages
    (the list changed while it was read, or the CommServe ignored `offset`). A listing
    ends early when a page is empty before `total` rows came.
    """

    def __init__(self, page_size: int, *, request: str = "GET /Job") -> None:
        self.page_size = page_size
        self.request = request
        self.received = 0
        self._window = max(MIN_REPEAT_WINDOW, 2 * page_size)
        self._recent: deque[int] = deque()
        self._recent_ids: set[int] = set()

    def check_page(self, offset: int, job_ids: list[int], total: int) -> None:
        """Raise PagingError if the page repeats ids; else remember its ids."""
        repeated = sorted({job_id for job_id in job_ids if job_id in self._recent_ids})
        if repeated:
            examples = ", ".join(str(job_id) for job_id in repeated[:5])
            raise PagingError(
                f"{self.request} returned {len(repeated)} job ids at offset {offset} "
                f"that an earlier page already listed (for example {examples}); "
                f"{self.received} of {total} rows had been read. The job list "
                "changed while it was read, or the CommServe ignored the offset "
                "header. Run the collection again; if it fails the same way, check "
                "that the CommServe honours the limit and offset headers."
            )

        for job_id in job_ids:
            self._remember(job_id)
        self.received += len(job_ids)

    def _remember(self, job_id: int) -> None:
        if job_id in self._recent_ids:
            return
        self._recent.append(job_id)
        self._recent_ids.add(job_id)
        if len(self._recent) > self._window:
            self._recent_ids.discard(self._recent.popleft())

    def is_finished(self, offset: int, row_count: int, total: int) -> bool:
        """Return True when the page at `offset` was the last one.

        A short page before `total` is not an error: a CommServe may cap the page
        size below the `limit` header, and the next offset starts after the rows it
        sent. Raises PagingError when a page is empty before `total` is reached.
        """
        if offset + row_count >= total:
            return True
        if row_count > 0:
            return False
        raise PagingError(
            f"{self.request} returned an empty page at offset {offset} after "
            f"{offset} of {total} announced rows, so later jobs were not read. The "
            "job list shrank while it was read (jobs aged or were deleted), or the "
            "CommServe stopped paging. Run the collection again; if it ends early at "
            "the same offset, check the CommServe's job list for that window."
        )
