"""nlp: the redaction engine. Pure Python and spaCy; imports nothing of the app's.

For the desk: `detail_span(text, start, end)` makes a "[detail]" span for a passage a moderator
strikes; `recheck_warnings(previous, draft)` says which earlier warnings are still open in the
moderator's current draft and which are resolved (and which the draft newly raises).
"""

from nlp.cautions import OPEN, RESOLVED, WarningCheck
from nlp.cautions import find as find_warnings
from nlp.cautions import recheck as recheck_warnings
from nlp.engine import redact, redact_many
from nlp.kinds import KIND_NAMES
from nlp.spans import Caution, Redaction, Span, apply_spans, detail_span
from nlp.themes import public_list as _themes

THEMES = _themes()

__all__ = [
    "KIND_NAMES",
    "OPEN",
    "RESOLVED",
    "THEMES",
    "Caution",
    "Redaction",
    "Span",
    "WarningCheck",
    "apply_spans",
    "detail_span",
    "find_warnings",
    "recheck_warnings",
    "redact",
    "redact_many",
]
