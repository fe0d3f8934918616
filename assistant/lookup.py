"""Question words -> table cells: named concepts (三公, 人员经费 …), classification codes, row labels as
printed, and the column the question asks for (合计 / 基本支出 / 项目支出 / 预算数 / 决算数 …)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from assistant.columns import (
    ASIDE,
    MEASURES,
    cell_measure,
    frame_lexicon,
    in_year,
    last_level,
    levels,
    table_rank,
    total_row,
)
from assistant.textnorm import label_key, normalize_code, squash, to_halfwidth
from assistant.types import TableCell, TableRecord

Pred = Callable[[str, str], bool]  # (row key, column key) -> matches


@dataclass(frozen=True)
class Concept:
    """A metric people ask for by name, and where disclosure tables keep it."""

    name: str
    pattern: re.Pattern[str]
    tables: tuple[str, ...]
    match: Pred
    stated: re.Pattern[str] | None = None  # how narrative sentences name it, when wider than `pattern`

    def names(self, subject: str) -> bool:
        """Whether a narrative figure's subject (the words before the number) is this concept."""
        return bool((self.stated or self.pattern).search(subject))


def _c(name: str, pattern: str, tables: tuple[str, ...], match: Pred, stated: str | None = None) -> Concept:
    return Concept(name, re.compile(pattern), tables, match, re.compile(stated) if stated else None)


# Columns of a 三公 table that hold other money or one item: never its total.
_THREE_PUBLIC_OTHER = ("机关运行", "会议费", "培训费", "出国", "接待", "公务用车")
# A total and the items it is the sum of, by concept name: a candidate total is trusted when the
# document's own items in the same row add up to it (a 合计 that also holds 会议费/培训费 does not).
PARTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "“三公”经费": (
        ("因公出国（境）费",),
        ("公务接待费",),
        ("公务用车购置及运行费", "公务用车购置费+公务用车运行费"),
    ),
}


def _measure_only(col: str) -> bool:
    """A column headed only by a measure (预算数, 2026年决算数): its table lists the items down the rows."""
    return not last_level(col)


def _three_item(test: Callable[[str], bool]) -> Pred:
    """A 三公 item is a column of a table with a row per measure, or a row of a table with a column per
    measure (福州's 1、因公出国（境）费用 | 预算数); the same words name it either way."""
    return lambda r, c: test(c) or (_measure_only(c) and bool(r) and test(r))


_SPEND_TABLES = ("expenditure", "general_budget_expenditure", "fiscal_expenditure", "income_expense_summary")
CONCEPTS: list[Concept] = [
    _c(
        "公务用车购置及运行费",
        r"公务用车购置及运行(?:维护)?费|车辆购置及运行|公车购置及运(?:行|维)",
        ("three_public",),
        _three_item(
            lambda c: "公务用车购置及运行" in c and last_level(c) in {"小计", "公务用车购置及运行费", "合计"}
        ),
    ),
    _c(
        "公务用车购置费",
        r"公务用车购置费|车辆购置费|购置费|购车|买车|购置公务用车",
        ("three_public",),
        _three_item(lambda c: "购置费" in last_level(c) and "运行" not in last_level(c)),
    ),
    _c(
        "公务用车运行费",
        r"公务用车运行(?:维护)?费|车费|车辆运行|运行维护费|用车运行",
        ("three_public",),
        _three_item(
            lambda c: (
                ("运行费" in last_level(c) or "运行维护费" in last_level(c)) and "购置" not in last_level(c)
            )
        ),
    ),
    _c(
        "因公出国（境）费",
        r"因公出国|出国[(（]?境?[)）]?(?:经)?费|出国经费",
        ("three_public",),
        _three_item(lambda c: "因公出国" in c),
    ),
    _c("公务接待费", r"公务接待", ("three_public",), _three_item(lambda c: "公务接待" in c)),
    _c(
        "“三公”经费",
        r"三公",
        ("three_public",),
        lambda r, c: (
            (
                last_level(c) in {"合计", "小计", "总计"}
                and not any(w in c for w in _THREE_PUBLIC_OTHER)
                and (total_row(r) or "三公" in r or r in MEASURES)
            )
            or (_measure_only(c) and bool(r) and total_row(r))  # items down the rows: the 合计 row
        ),
    ),
    _c(
        "机关运行经费",
        r"机关运行经?费",
        ("three_public", "operating_expenses"),
        lambda r, c: "机关运行" in c,
        stated=r"机关运行经?费|财政拨款运行经费",
    ),
    _c(
        "人员经费",
        r"人员经费",
        ("basic_expenditure",),
        lambda r, c: r.startswith("人员经费") or (total_row(r) and last_level(c) == "人员经费"),
    ),
    _c(
        "公用经费",
        r"公用经费",
        ("basic_expenditure",),
        lambda r, c: r.startswith("公用经费") or (total_row(r) and last_level(c) == "公用经费"),
    ),
    _c(
        "基本支出",
        r"基本支出",
        _SPEND_TABLES,
        lambda r, c: (total_row(r) and last_level(c) == "基本支出") or r == "基本支出",
    ),
    _c(
        "项目支出",
        r"项目支出",
        (*_SPEND_TABLES, "project_expenditure"),
        lambda r, c: (
            (
                total_row(r)
                and (
                    last_level(c) == "项目支出"
                    or ("项目支出" in levels(c)[-2:-1] and last_level(c) == "小计")
                )
            )
            or r == "项目支出"
        ),
    ),
    _c("政府性基金预算支出", r"政府性基金", ("government_fund",), lambda r, c: total_row(r)),
    _c("国有资本经营预算支出", r"国有资本经营", ("state_capital",), lambda r, c: total_row(r)),
]

# Phrases people use for row labels as printed.
_REWRITES = [
    (re.compile(r"收支总预算|收支总计|(?<!汇)总预算"), "收入总计"),
    (
        re.compile(r"收入(?:预算)?(?:总计|总额|总预算)|总收入|(?:(?<=部门)|(?<=的)|(?<=年))收入预算(?!表)"),
        "收入总计",
    ),
    (re.compile(r"支出(?:预算)?(?:总计|总额)|总支出"), "支出总计"),
    (re.compile(r"社保缴费"), "社会保障缴费"),
    (re.compile(r"公积金"), "住房公积金"),
]
_GENERIC_ROWS = {"合计", "小计", "总计", "其中", "项目", "支出", "收入", "科目名称", "其他", "本部"}
_CODE_PATTERNS = [
    re.compile(r"(?<!\d)([23]\d{2})\s?(\d{2})\s?(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(3\d{2})\s?(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(2\d{2})\s*类"),
]


def _row_key(label: str) -> str:
    return label_key(ASIDE.sub("", to_halfwidth(label)))


def question_key(question: str) -> str:
    """The question as row labels are keyed, asides in brackets removed (“收入总计（含上年结转）”)."""
    q = label_key(ASIDE.sub("", to_halfwidth(question)))
    for pattern, repl in _REWRITES:
        q = pattern.sub(repl, q)
    return q


def find_codes(question: str) -> list[str]:
    q = to_halfwidth(question)
    codes: list[str] = []
    for pattern in _CODE_PATTERNS:
        for m in pattern.finditer(q):
            code = normalize_code("".join(m.groups()))
            if code and code not in codes and not any(c.startswith(code) for c in codes):
                codes.append(code)
    return codes


@dataclass(frozen=True)
class Target:
    """One thing the question asks for: a concept, a code, or a row label."""

    label: str
    start: int
    concept: Concept | None = None
    code: str | None = None
    row_key: str | None = None
    end: int = -1  # end of the words that named it, in question_key coordinates
    qualifier: bool = False  # "基本支出中的办公费": 基本支出 only says where 办公费 is


def find_targets(question: str, cells: Sequence[TableCell]) -> list[Target]:
    """Every metric named in the question, in order, longest match first, without overlaps."""
    q = question_key(question)
    taken = [False] * len(q)
    found: list[Target] = []

    def claim(a: int, b: int) -> bool:
        if any(taken[a:b]):
            return False
        taken[a:b] = [True] * (b - a)
        return True

    for code in find_codes(question):  # each code where it is written (“30213…、30217…”)
        spaced = r"\s?".join([code[:3], *(code[i : i + 2] for i in range(3, len(code), 2))])
        m = re.search(rf"(?<!\d){spaced}(?!\d)(?:\s*类)?", q)
        start, end = (m.start(), m.end()) if m else (0, len(code))
        found.append(Target(label=code, start=start, code=code, end=end))
        if m:
            claim(start, end)
    rows = sorted(
        {_row_key(c.row_label) for c in cells if len(_row_key(c.row_label)) >= 2}, key=len, reverse=True
    )
    for concept in CONCEPTS:
        for m in concept.pattern.finditer(q):
            if claim(m.start(), m.end()):
                found.append(Target(label=concept.name, start=m.start(), concept=concept, end=m.end()))
    for row in rows:
        if row in _GENERIC_ROWS:
            continue
        start = q.find(row)
        while start >= 0:
            if claim(start, start + len(row)):
                found.append(Target(label=row, start=start, row_key=row, end=start + len(row)))
                break
            start = q.find(row, start + 1)
    code_labels = {
        label_key(c.row_label) for c in cells if c.code and c.code in {t.code for t in found if t.code}
    }
    found = [t for t in found if not (t.row_key and any(t.row_key in label for label in code_labels))]
    coded = [t for t in found if t.code]
    found = [  # “30217公务接待费”: the words right after a code name that code's row, not another item
        t for t in found if t.code or not any(0 <= t.start - c.end <= 1 for c in coded)
    ]
    if any(t.row_key not in MEASURES for t in found):  # “…的决算数”: the measure, not a row
        found = [t for t in found if t.row_key not in MEASURES]
    found.sort(key=lambda t: t.start)
    containment = set(frame_lexicon()["containment"])
    out = [
        dataclasses.replace(t, qualifier=True) if nxt and q[t.end : nxt.start] in containment else t
        for t, nxt in zip(found, [*found[1:], None], strict=False)
    ]
    for i in range(len(out) - 1):  # “行政运行中的基本支出”: a row, then a column of that row
        if _names_column_of(out[i], out[i + 1], cells):
            out[i] = dataclasses.replace(out[i], qualifier=False)
            out[i + 1] = dataclasses.replace(out[i + 1], qualifier=True)
    # “办公费支出总计”: a total word right after an item only says “in all” about that item
    return [
        dataclasses.replace(t, qualifier=True)
        if prev and t.row_key and _total_word(t.row_key) and q[prev.end : t.start] in {"", "的"}
        else t
        for prev, t in zip([None, *out[:-1]], out, strict=False)
    ]


def _names_column_of(t: Target, nxt: Target, cells: Sequence[TableCell]) -> bool:
    """“2010301（行政运行）的基本支出”, “办公费的公用经费”: the second names a column of the first's
    row, so the first is asked for and the second only picks its column (read from the question later)."""
    if not (nxt.concept and (t.code or t.row_key)):
        return False
    return any(
        (c.code == t.code if t.code else _row_key(c.row_label) == t.row_key)
        and any(nxt.concept.name in level for level in levels(c.col_label))
        for c in cells
    )


def _total_word(row: str) -> bool:
    return total_row(row) or row in {"支出总计", "收入总计"}


def column_targets(
    question: str, tables: Sequence[TableRecord], cells: Sequence[TableCell]
) -> list[TableCell]:
    """A column named by the question (“基本建设资金支出”, “教育收费”) read on its table's total row."""
    q = question_key(question)
    by_table = {t.table_id: t for t in tables}
    best: list[TableCell] = []
    best_len = 3
    for c in cells:
        if c.value is None or not total_row(label_key(c.row_label)):
            continue
        for level in levels(c.col_label):
            name = re.sub(r"^其中[:：]?", "", level)
            if len(name) > best_len and name in q:
                best, best_len = [c], len(name)
            elif best and len(name) == best_len and name in q and c.col_label == best[0].col_label:
                best.append(c)
    return sorted(best, key=lambda c: (table_rank(question, by_table[c.table_id], ()), c.row))


def column_words(question: str, cells: Sequence[TableCell]) -> set[str]:
    q = question_key(question)
    words = set()
    for c in cells:
        for level in levels(c.col_label):
            if len(level) >= 2 and level not in {"合计", "小计", "项目"} and level in q:
                words.add(level)
    return words


def _wanted_measure(question: str, kind: str) -> str | None:
    q = squash(question)
    if (
        re.search(r"年初预算|预算数|(?<!公共)预算(?:是|为|有)?多少|预算安排|预算口径", q)
        and "决算数" not in q
    ):
        return "预算数"
    if re.search(r"决算|实际", q) or kind == "final_accounts":
        return "决算数"
    return "预算数"


def select_cells(
    question: str,
    target: Target,
    tables: Sequence[TableRecord],
    cells: Sequence[TableCell],
    kind: str,
    years: tuple[int, int] | None = None,
) -> list[TableCell]:
    """Cells for one target, best first: right table, right row, right column. `years` is (the year
    asked, the document's year): a column headed with another year (“2018年”, “上年预算数”) never
    answers, and when another year is asked only a column headed with it does."""
    by_table = {t.table_id: t for t in tables}
    if years:
        cells = in_year(cells, *years)
    preferred: tuple[str, ...] = target.concept.tables if target.concept else ()
    if target.code:
        hits = [c for c in cells if c.code == target.code]
    elif target.concept:
        hits = [
            c
            for c in cells
            if by_table[c.table_id].table_type in preferred
            and target.concept.match(label_key(c.row_label), label_key(c.col_label))
        ]
    else:
        hits = [c for c in cells if _row_key(c.row_label) == target.row_key]
    hits = [c for c in hits if _plausible(c)]
    lexicon = frame_lexicon()
    if not any(w in question for w in lexicon["change_words"]):  # an amount, not how it changed
        hits = [c for c in hits if not any(w in c.col_label for w in lexicon["change_columns"])]
    if not hits:
        return []
    best_table = min(
        {c.table_id for c in hits},
        key=lambda tid: (table_rank(question, by_table[tid], preferred), by_table[tid].seq),
    )
    hits = [c for c in hits if c.table_id == best_table]
    if target.concept and target.concept.name in PARTS:  # within each measure (预算数 / 决算数)
        table_cells = [c for c in cells if c.table_id == best_table]
        checked: list[TableCell] = []
        for m in {cell_measure(c) for c in hits}:
            group = [c for c in hits if cell_measure(c) == m]
            adding = _adding_up(target.concept.name, group, table_cells)
            if adding or len({c.value for c in group}) == 1:
                checked += adding or group
            # else: several totals that differ and none is the sum of its items: no answer
        if not checked:
            return []
        hits = sorted(checked, key=lambda c: (c.row, c.col))
    words = column_words(question, hits)
    if words:
        scored = [(sum(w in levels(c.col_label) for w in words), c) for c in hits]
        top = max(s for s, _ in scored)
        if top:
            hits = [c for s, c in scored if s == top]
    want = _wanted_measure(question, kind)
    own_word = {"budget": "预算", "final_accounts": "决算"}.get(kind, "")
    if want != _KIND_MEASURE.get(kind, want) and own_word not in squash(question):
        # 年初预算 asked of a 决算 (and not a comparison of a 决算 with a 预算): only a column saying so
        hits = [c for c in hits if _BUDGET_FAMILY.get(cell_measure(c) or "", cell_measure(c)) == want]
    elif any(cell_measure(c) for c in hits):
        hits = [c for c in hits if cell_measure(c) in (want, None)] or hits
    if not hits:
        return []
    printed = [c for c in hits if squash(c.raw)]
    hits = printed or hits  # a blank cell (read as 0) answers only when no candidate prints a number
    rows = sorted({(c.row, c.side) for c in hits})
    first_row = [c for c in hits if (c.row, c.side) == rows[0]]
    return sorted(first_row, key=lambda c: c.col)


_KIND_MEASURE = {"budget": "预算数", "final_accounts": "决算数"}
_BUDGET_FAMILY = {"年初预算": "预算数", "调整预算": "预算数", "全年预算": "预算数"}


def _plausible(c: TableCell) -> bool:
    """A cell that can answer: a number, under a header that names something (not only the column
    numbers 1 2 3 … a table prints under its header), and not its own classification code."""
    if c.value is None or "列位置不明" in c.col_label:
        return False
    if c.col_label and all(p.strip().isdigit() for p in c.col_label.split("/") if p.strip()):
        return False
    return not (c.code and str(c.value).split(".")[0] == c.code)


def _adding_up(name: str, hits: list[TableCell], table_cells: list[TableCell]) -> list[TableCell]:
    """The candidate totals that equal the sum of their items in the same row (empty when none do)."""
    by_name = {c.name: c for c in CONCEPTS}

    def line(c: TableCell) -> tuple[object, ...]:  # items share the total's row, or its column
        return (c.col,) if _measure_only(label_key(c.col_label)) else (c.row, c.side)

    def item(alternatives: tuple[str, ...], total_cell: TableCell) -> Decimal | None:
        for alt in alternatives:
            total = Decimal(0)
            for part in alt.split("+"):
                found = [
                    c
                    for c in table_cells
                    if line(c) == line(total_cell)
                    and (c.value is not None or not squash(c.raw))  # a blank item is none of it
                    and cell_measure(c) == cell_measure(total_cell)
                    and by_name[part].match(label_key(c.row_label), label_key(c.col_label))
                ]
                if not found:
                    break
                total += found[0].value or Decimal(0)
            else:
                return total
        return None

    out = []
    for c in hits:
        parts = [item(alts, c) for alts in PARTS[name]]
        if all(p is not None for p in parts) and c.value is not None:
            # printed totals may differ from the sum of printed items by rounding: one unit of the
            # last printed digit per item (46.21 = 4.69 + 0.90 + 40.61 in a 决算 三公 table)
            step = Decimal(1).scaleb(min(c.value.as_tuple().exponent, 0))  # type: ignore[arg-type]
            if abs(sum(parts) - c.value) <= step * len(parts):  # type: ignore[arg-type]
                out.append(c)
    return out


def infer_unit(
    table_id: str, tables: Sequence[TableRecord], cells: Sequence[TableCell]
) -> tuple[str | None, str]:
    """Unit of a table printed without a 单位 line: the unit of another table of the same document
    holding the same non-zero total (收入预算表 合计 = 收支总表 本年收入合计). Returns (unit, that title)."""
    titles = {t.table_id: t.title for t in tables}
    units = {t.table_id: t.unit for t in tables}
    totals = {
        c.value for c in cells if c.table_id == table_id and c.value and total_row(label_key(c.row_label))
    }
    for c in cells:
        if c.table_id != table_id and units.get(c.table_id) and c.value in totals:
            return units[c.table_id], titles[c.table_id]
    return None, ""
