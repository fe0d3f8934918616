"""The test-set format (JSONL, or CSV from a spreadsheet): one EvalCase per question."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_TESTSET = Path(__file__).parent / "testset.jsonl"


class EvalCase(BaseModel):
    """One question with its gold answer."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(description="Unique id.")
    question: str = Field(description="The question as a user would ask it.")
    docs: tuple[str, ...] = Field(default=(), description="File names of the documents it needs.")
    type: Literal["number", "text", "list", "refusal"] = Field(description="What a right answer is.")
    value: float | None = Field(default=None, description="Gold number (type number).")
    unit: str | None = Field(default=None, description="Unit of the gold number: 元/万元/亿元/%/辆/个 …")
    tol: float = Field(default=0.01, description="Absolute tolerance, in `unit`.")
    expect_all: tuple[str, ...] = Field(default=(), description="Phrases a right answer must all contain.")
    expect_any: tuple[str, ...] = Field(
        default=(), description="Phrases of which a right answer contains one."
    )
    source: tuple[str, ...] = Field(default=(), description="Phrases one citation must contain.")
    category: str = Field(default="lookup", description="lookup / calculation / narrative / refusal / …")
    page: int | None = Field(default=None, description="Page the gold is printed on (first file in docs).")
    evidence: str = Field(default="", description="What the page prints, quoted by whoever wrote the gold.")

    @field_validator("docs", "expect_all", "expect_any", "source", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        if isinstance(v, str):  # CSV cells: "a|b|c"
            return tuple(x.strip() for x in v.split("|") if x.strip())
        return v


def load_testset(path: Path = DEFAULT_TESTSET) -> list[EvalCase]:
    """Read JSONL (one object per line) or CSV (a header row with the same field names)."""
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = [{k: v for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(fh)]
    else:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = [EvalCase.model_validate(r) for r in rows]
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate ids in {path}")
    return cases
