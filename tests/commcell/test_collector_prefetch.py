import threading

import pytest

from apps.commcell.collector.jobs import prefetch


def test_prefetch_keeps_order():
    assert list(prefetch(iter(range(50)), depth=2)) == list(range(50))


def test_prefetch_raises_after_good_items():
    def pages():
        yield 1
        yield 2
        raise ValueError("page 3 is malformed")

    received = []
    with pytest.raises(ValueError, match="page 3"):
        for item in prefetch(pages(), depth=2):
            received.append(item)

    assert received == [1, 2]


def test_prefetch_close_stops_thread():
    produced = []

    def endless():
        number = 0
        while True:
            produced.append(number)
            yield number
            number += 1

    items = prefetch(endless(), depth=2)
    first = next(items)
    items.close()

    assert first == 0
    assert len(produced) <= 5
    assert not any(t.name == "job-prefetch" for t in threading.enumerate())
