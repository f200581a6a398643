"""The redactor reads every submission and preview before anything else: a text shaped to make
it slow would let a handful of requests (previews have no global cap) stall every worker.

Found by these tests: one 20,000-character run ("((((...", "____...", "a-a-a-...", "A/A/...",
"aaaa...") took 25 to 60 seconds, past gunicorn's 60-second timeout, because spaCy's tokenizer
and several patterns rescanned long runs from every position (quadratic). Now the cost grows in
proportion to the length, whatever the shape.
"""

from __future__ import annotations

import time

import pytest

import nlp

SHAPES = ["(", "_", "a-", "A/", "id-", "a.", "ü", "1/", "a at ", "x@", "\U0001f600"]
SMALL, LARGE = 2_500, 10_000
# Linear growth quadruples the time from SMALL to LARGE; quadratic growth multiplies it by 16.
MAX_RATIO = 8.0
MAX_SECONDS_AT_LIMIT = 8.0


def cpu_seconds(text: str) -> float:
    start = time.process_time()
    nlp.redact(text)
    return time.process_time() - start


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    nlp.redact("Warm the model up: Sarah Khan at HMP Leeds on 12 June.")


@pytest.mark.parametrize("unit", SHAPES)
def test_redaction_time_grows_linearly_whatever_the_shape(unit: str) -> None:
    small = cpu_seconds((unit * SMALL)[:SMALL])
    large = cpu_seconds((unit * LARGE)[:LARGE])
    if large > 0.5:
        assert large <= MAX_RATIO * small, f"{unit!r}: {small:.2f}s for {SMALL}, {large:.2f}s for {LARGE}"
    assert large < MAX_SECONDS_AT_LIMIT / 2


def test_the_worst_shape_at_the_full_limit_stays_well_inside_the_worker_timeout() -> None:
    text = ("(" * 20_000)[:20_000]
    seconds = cpu_seconds(text)
    assert seconds < MAX_SECONDS_AT_LIMIT, seconds


def test_long_runs_keep_their_exact_offsets() -> None:
    # Long runs are tokenised in pieces; spans must still point into the original text.
    text = "Call Sarah Khan on 07700 900123. " + "(" * 250 + " jo.bloggs@example.org " + "x" * 300 + " Leeds."
    result = nlp.redact(text)
    assert result.text == text
    surfaces = {text[s.start : s.end] for s in result.spans}
    assert "07700 900123" in surfaces and "jo.bloggs@example.org" in surfaces
    assert "07700 900123" not in result.redacted and "jo.bloggs@example.org" not in result.redacted
