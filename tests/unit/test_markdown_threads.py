"""Markdown rendering from many threads at once (gunicorn's gthread workers do it): bleach's
Cleaner is not thread-safe, and one shared by all threads failed under load (make bench)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from testimony.markdown import render

INTRO = (
    "What staff told us about *caseloads*, with a [link](https://example.org).\n\n"
    "- a list\n- of items\n\n> a quote\n\n"
) * 5


@pytest.fixture
def frequent_switches() -> Iterator[None]:
    """Switch threads often, so a race shows in a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("frequent_switches")
def test_render_from_many_threads_at_once_gives_the_same_html() -> None:
    expected = str(render(INTRO))
    problems: list[str] = []

    def work() -> None:
        for _ in range(150):
            try:
                if str(render(INTRO)) != expected:
                    problems.append("different output")
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                problems.append(type(exc).__name__)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
