"""The publication date printed on a cover (metadata proper lives in ingest/metadata.py)."""

from __future__ import annotations

import re

from assistant.textnorm import to_halfwidth

_DATE = re.compile(r"(20\d{2})[ \t]*[年\-/.][ \t]*(\d{1,2})[ \t]*[月\-/.]?[ \t]*(?:(\d{1,2})[ \t]*日?)?")
_DATE_CUE = re.compile(r"(?:发布|公开|更新|印发|编制)(?:日期|时间)?\s*[:：]?\s*$")


def published_date(first_text: str) -> str | None:
    """A date on a line of its own on the cover, or after 发布/公开/更新时间."""
    for line in to_halfwidth(first_text).splitlines()[:60]:
        line = line.strip()
        m = _DATE.search(line)
        if m is None:
            continue
        standalone = m.start() == 0 and m.end() == len(line)
        if _DATE_CUE.search(line[: m.start()]) or standalone:
            year, month, day = m.group(1), int(m.group(2)), m.group(3)
            if not 1 <= month <= 12:
                continue
            return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")
    return None
