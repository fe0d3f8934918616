"""The answering vocabulary's versions (assistant/lexicon/*.toml, each with a `version`), read at query
time. They are part of every answer's settings hash, so an answer says which vocabulary produced it."""

from __future__ import annotations

import hashlib
import json
import tomllib
from functools import cache
from pathlib import Path

from assistant.settings import Settings

LEXICON = Path(__file__).parent / "lexicon"


@cache
def versions() -> dict[str, int]:
    """File stem -> its `version` (0 when a file states none)."""
    return {
        p.stem: int(tomllib.loads(p.read_text(encoding="utf-8")).get("version", 0))
        for p in sorted(LEXICON.glob("*.toml"))
    }


def answer_hash(settings: Settings) -> str:
    """The index fingerprint and the lexicon versions, hashed: what decided an answer."""
    payload = json.dumps({"index": settings.index_fingerprint(), "lexicon": versions()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:12]
