"""Error tree. No evidence is not an error: the assistant returns status="refused" instead."""


class AssistantError(Exception):
    """Base of every error BudgetQA raises on purpose."""


class ConfigError(AssistantError):
    """Settings that cannot work (unknown embedder, unreadable store path)."""


class IngestError(AssistantError):
    """A file could not be ingested."""


class ParseError(IngestError):
    """The file is not readable as a disclosure (corrupt, encrypted, no text layer, empty)."""


class TableExtractionError(IngestError):
    """Tables were found but could not be turned into cells."""


class IndexMismatchError(AssistantError):
    """The store was built with another embedding model, chunking or parser version."""


class LLMError(AssistantError):
    """The optional language model failed."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
