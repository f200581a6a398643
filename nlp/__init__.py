"""nlp: the redaction engine. Pure Python and spaCy; imports nothing of the app's."""

from nlp.engine import redact, redact_many
from nlp.kinds import KIND_NAMES
from nlp.spans import Caution, Redaction, Span, apply_spans
from nlp.themes import public_list as _themes

THEMES = _themes()

__all__ = ["KIND_NAMES", "THEMES", "Caution", "Redaction", "Span", "apply_spans", "redact", "redact_many"]
