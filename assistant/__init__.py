"""BudgetQA (预算公开问答): questions over Chinese government budget and final-accounts disclosures.

The public names are loaded on first use (PEP 562), so `import assistant.types` from ingestion does not
pull in the facade, which itself composes ingestion: no import cycle, and a light `import assistant`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.errors import AssistantError
    from assistant.settings import Settings
    from assistant.types import (
        Answer,
        Citation,
        DocumentRecord,
        FileResult,
        IngestReport,
        TableCell,
        TableRecord,
    )

_EXPORTS = {
    "Assistant": "assistant.api",
    "AssistantError": "assistant.errors",
    "Settings": "assistant.settings",
    "Answer": "assistant.types",
    "Citation": "assistant.types",
    "DocumentRecord": "assistant.types",
    "FileResult": "assistant.types",
    "IngestReport": "assistant.types",
    "TableCell": "assistant.types",
    "TableRecord": "assistant.types",
}
__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "Citation",
    "DocumentRecord",
    "FileResult",
    "IngestReport",
    "Settings",
    "TableCell",
    "TableRecord",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
