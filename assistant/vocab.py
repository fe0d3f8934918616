"""The answering vocabulary's versions (assistant/lexicon/*.toml, each with a `version`), read at query
time. They are part of every answer's settings hash, so an answer says which vocabulary produced it."""

from __future__ import annotations

import hashlib
import json
import tomllib
from functools import cache
from pathlib import Path

from assistant.llm_prompts import prompt_versions
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
    """The index fingerprint and the lexicon versions, hashed: what decided an answer. With a language
    model configured, also its provider, model name and the prompts' versions (never the API key); with
    provider none the value is what it was before the LLM mode existed."""
    data: dict[str, object] = {"index": settings.index_fingerprint(), "lexicon": versions()}
    if settings.llm.provider != "none":
        data["llm"] = {
            "provider": settings.llm.provider,
            "model": settings.llm.model,
            "prompts": prompt_versions(),
        }
    payload = json.dumps(data, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:12]
