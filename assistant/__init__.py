"""BudgetQA (预算公开问答): questions over Chinese government budget and final-accounts disclosures."""

from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.types import DocumentRecord, FileResult, IngestReport, TableCell, TableRecord

__all__ = [
    "Assistant",
    "AssistantError",
    "DocumentRecord",
    "FileResult",
    "IngestReport",
    "Settings",
    "TableCell",
    "TableRecord",
]
