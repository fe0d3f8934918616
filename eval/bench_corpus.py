"""A generated corpus for the benchmark: deterministic by seed, built from the structure of real
部门预算 (department budget) disclosures, with internally consistent totals.

Each disclosure has a 收支总表 (income/expenditure summary), a 一般公共预算支出表 by 功能分类
(functional classification) codes, a 基本支出表 by 经济分类 (economic classification) codes, a 三公
table and a 说明 (narrative) stating figures that match the tables. Amounts are whole multiples of
0.01 万元 (100 元), so 万元 with two decimals and 元 print the same money exactly. Two layouts:
PDF (reportlab, ruled tables) and plain text (.txt, tables as whitespace-separated lines).
`eval/bench_render.py` writes the files; this module holds the data and the questions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from eval.dataset import EvalCase

REGIONS = (
    "青州市 安平县 临川区 长宁县 云溪区 白沙县 南湖区 东阳市 西林县 北辰区 清河县 丰城市 宁远县 永安市 "
    "江口县 兴隆区 泰和县 新化县 石门县 龙泉市 桐庐县 平江县 宜章县 海宁市 德清县 武义县 松阳县 "
    "景宁县 开化县 遂昌县 仙居县 三门县 天台县 玉环市 温岭市 乐清市 瑞安市 永嘉县 文成县 泰顺县"
).split()
DEPARTMENTS = (
    "教育局 财政局 司法局 民政局 审计局 统计局 商务局 水务局 体育局 林业局 档案局 信访局 公安局 "
    "卫生健康委员会 人力资源和社会保障局 交通运输局 农业农村局 市场监督管理局 生态环境局 文化和旅游局 "
    "应急管理局 住房和城乡建设局 科学技术局 退役军人事务局 医疗保障局 自然资源局 发展和改革委员会 "
    "机关事务管理局 城市管理局 民族宗教事务局"
).split()
YEARS = (2022, 2023, 2024, 2025, 2026)
# 功能分类 项 codes and names (类 and 款 names are printed as subtotal rows).
FUNCTIONAL = (
    ("2010101", "行政运行"),
    ("2010102", "一般行政管理事务"),
    ("2010350", "事业运行"),
    ("2013899", "其他市场监督管理事务"),
    ("2050101", "行政运行"),
    ("2080501", "行政单位离退休"),
    ("2080505", "机关事业单位基本养老保险缴费支出"),
    ("2101101", "行政单位医疗"),
    ("2210201", "住房公积金"),
    ("2130101", "行政运行"),
)
CLASS_NAMES = {
    "201": "一般公共服务支出",
    "205": "教育支出",
    "208": "社会保障和就业支出",
    "210": "卫生健康支出",
    "213": "农林水支出",
    "221": "住房保障支出",
}
ITEM_NAMES = {
    "20101": "人大事务",
    "20103": "政府办公厅（室）及相关机构事务",
    "20138": "市场监督管理事务",
    "20501": "教育管理事务",
    "20805": "行政事业单位养老支出",
    "21011": "行政事业单位医疗",
    "22102": "住房改革支出",
    "21301": "农业农村",
}
PERSONNEL = (  # 经济分类 301 工资福利支出
    ("30101", "基本工资"),
    ("30102", "津贴补贴"),
    ("30103", "奖金"),
    ("30108", "机关事业单位基本养老保险缴费"),
    ("30113", "住房公积金"),
)
PUBLIC = (  # 经济分类 302 商品和服务支出
    ("30201", "办公费"),
    ("30211", "差旅费"),
    ("30217", "公务接待费"),
    ("30231", "公务用车运行维护费"),
    ("30299", "其他商品和服务支出"),
)
# 功能分类 项 whose money is one 经济分类 款 (the audit compares them).
SAME_PAYMENT = {"2080505": "30108", "2210201": "30113"}
DUTIES = (
    "贯彻执行国家和省有关方针政策和法律法规",
    "拟订本行业发展规划并组织实施",
    "负责本系统的监督管理和统计分析工作",
    "指导下属单位开展业务工作",
    "承担本级政府交办的其他任务",
)


@dataclass(frozen=True)
class Row:
    """One printed row: a code (may be empty), its name and its amounts in 0.01 万元."""

    code: str
    name: str
    amounts: tuple[int, ...]


@dataclass(frozen=True)
class Disclosure:
    """One generated 部门预算 disclosure; every amount is an int count of 0.01 万元."""

    seq: int
    region: str
    department: str
    year: int
    layout: str  # "pdf" | "txt"
    functional: tuple[Row, ...]  # 项 rows: (total, basic, project)
    economic: tuple[Row, ...]  # 301/302 款 rows: (amount,)
    three_public: tuple[int, int, int, int]  # 出国(境), 接待, 车购置, 车运行
    previous_total: int
    staff: tuple[int, int]  # 编制数, 实有人数

    @property
    def name(self) -> str:
        return f"{self.region}{self.department}"

    @property
    def total(self) -> int:
        return sum(r.amounts[0] for r in self.functional)

    @property
    def basic(self) -> int:
        return sum(r.amounts[1] for r in self.functional)

    @property
    def project(self) -> int:
        return sum(r.amounts[2] for r in self.functional)

    @property
    def personnel(self) -> int:
        return sum(r.amounts[0] for r in self.economic if r.code.startswith("301"))

    @property
    def three_public_total(self) -> int:
        return sum(self.three_public)

    @property
    def file_stem(self) -> str:
        return f"{self.seq:04d}_{self.name}_{self.year}"


def wan(cents: int) -> str:
    """0.01 万元 counts printed as 万元 with two decimals and thousands separators."""
    return f"{cents / 100:,.2f}"


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` split into `parts` positive ints that add up exactly."""
    weights = [rng.uniform(0.5, 3.0) for _ in range(parts)]
    out = [max(1, int(total * w / sum(weights))) for w in weights]
    out[-1] = total - sum(out[:-1])
    return out


def make_disclosure(seq: int, region: str, department: str, year: int, rng: random.Random) -> Disclosure:
    codes = rng.sample(FUNCTIONAL[:4], 2) + rng.sample(FUNCTIONAL[4:], 3)
    codes.sort()
    functional = []
    for code, name in codes:
        if code in SAME_PAYMENT:  # small, basic only: the 经济分类 row prints the same money
            functional.append(Row(code, name, (basic := rng.randint(2_000, 8_000), basic, 0)))
            continue
        basic = rng.randint(20_000, 90_000)
        project = rng.choice((0, rng.randint(1_000, 40_000)))
        functional.append(Row(code, name, (basic + project, basic, project)))
    basic_total = sum(r.amounts[1] for r in functional)
    personnel = int(basic_total * rng.uniform(0.7, 0.9))
    fixed = {SAME_PAYMENT[r.code]: r.amounts[1] for r in functional if r.code in SAME_PAYMENT}
    free = [c for c, _ in PERSONNEL if c not in fixed]
    amounts = dict(zip(free, _split(personnel - sum(fixed.values()), len(free), rng), strict=True))
    economic = [Row(c, n, (fixed.get(c) or amounts[c],)) for c, n in PERSONNEL]
    reception, running = rng.randint(50, 900), rng.randint(100, 2_000)
    public_rest = _split(basic_total - personnel - reception - running, 3, rng)
    public_amounts = [public_rest[0], public_rest[1], reception, running, public_rest[2]]
    economic += [Row(c, n, (a,)) for (c, n), a in zip(PUBLIC, public_amounts, strict=True)]
    outbound = rng.choice((0, rng.randint(100, 800)))
    purchase = rng.choice((0, 0, rng.randint(1_000, 3_000)))
    total = sum(r.amounts[0] for r in functional)
    staff = rng.randint(20, 200)
    return Disclosure(
        seq=seq,
        region=region,
        department=department,
        year=year,
        layout="pdf" if seq % 2 == 0 else "txt",
        functional=tuple(functional),
        economic=tuple(economic),
        three_public=(outbound, reception, purchase, running),
        previous_total=int(total * rng.uniform(0.85, 1.1)),
        staff=(staff, staff - rng.randint(0, 5)),
    )


def generate(n: int, seed: int = 11) -> list[Disclosure]:
    """`n` disclosures of distinct (region, department, year), the same for the same seed."""
    rng = random.Random(seed)
    combos = [(r, d, y) for r in REGIONS for d in DEPARTMENTS for y in YEARS]
    if n > len(combos):
        raise ValueError(f"at most {len(combos)} distinct disclosures")
    return [make_disclosure(i, r, d, y, rng) for i, (r, d, y) in enumerate(rng.sample(combos, n))]


def questions(d: Disclosure, filename: str) -> list[EvalCase]:
    """Questions whose gold answers come from the generated data (not from any parse of it)."""
    who = f"{d.name}{d.year}年"
    row = d.functional[d.seq % len(d.functional)]
    share = round(100 * d.personnel / d.basic, 2)
    staff = (str(d.staff[0]), str(d.staff[1]))
    specs: list[tuple[str, str, str, dict[str, object]]] = [
        ("total", "lookup", "部门支出预算总计是多少万元？", {"value": d.total / 100, "unit": "万元"}),
        ("3g", "lookup", "“三公”经费预算是多少万元？", {"value": d.three_public_total / 100, "unit": "万元"}),
        (
            "code",
            "code_lookup",
            f"功能分类科目{row.code}（{row.name}）预算数是多少万元？",
            {"value": row.amounts[0] / 100, "unit": "万元"},
        ),
        ("share", "calculation", "人员经费占基本支出的比例是多少（%）？", {"value": share, "unit": "%"}),
        ("staff", "narrative", "的编制数和实有人数分别是多少？", {"type": "text", "expect_all": staff}),
    ]
    cases = [
        EvalCase.model_validate(
            {"type": "number", **gold, "id": f"gen-{d.seq:04d}-{tag}", "question": who + text}
            | {"docs": (filename,), "category": category}
        )
        for tag, category, text, gold in specs
    ]
    refusal = {"id": f"gen-{d.seq:04d}-none", "question": f"{d.name}的局长是谁？", "type": "refusal"}
    return [*cases, EvalCase.model_validate({**refusal, "docs": (filename,), "category": "refusal"})]
