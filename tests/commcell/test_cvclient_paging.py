import pytest

from apps.commcell.cvclient.errors import PagingError
from apps.commcell.cvclient.paging import MIN_REPEAT_WINDOW, JobListingCheck


def test_paging_complete_listing_finishes():
    check = JobListingCheck(2)

    check.check_page(0, [10, 9], 5)
    check.check_page(2, [8, 7], 5)
    check.check_page(4, [6], 5)

    assert check.is_finished(0, 2, 5) is False
    assert check.is_finished(2, 2, 5) is False
    assert check.is_finished(4, 1, 5) is True
    assert check.received == 5


def test_paging_empty_listing_finishes():
    check = JobListingCheck(100)

    check.check_page(0, [], 0)

    assert check.is_finished(0, 0, 0) is True


def test_paging_repeated_page_raises():
    check = JobListingCheck(2)
    check.check_page(0, [10, 9], 6)

    with pytest.raises(PagingError) as raised:
        check.check_page(2, [9, 8], 6)

    message = str(raised.value)
    assert "offset 2" in message
    assert "9" in message
    assert "2 of 6 rows" in message
    assert "Run the collection again" in message


def test_paging_short_page_continues():
    check = JobListingCheck(1000)

    assert check.is_finished(0, 100, 10_000) is False


def test_paging_empty_page_before_total_raises():
    check = JobListingCheck(2)

    with pytest.raises(PagingError) as raised:
        check.is_finished(4, 0, 10)

    message = str(raised.value)
    assert "offset 4" in message
    assert "4 of 10" in message
    assert "Run the collection again" in message


def test_paging_window_bounded():
    check = JobListingCheck(1000)

    for page in range(30):
        ids = list(range(page * 1000, (page + 1) * 1000))
        check.check_page(page * 1000, ids, 30_000)

    assert len(check._recent) == MIN_REPEAT_WINDOW
    assert len(check._recent_ids) == MIN_REPEAT_WINDOW
