"""Write generated disclosures (eval/bench_corpus.py) as files: a PDF with ruled tables (reportlab)
or a plain-text file, laid out like the real ones (title, 编制部门/单位 line, tables, 说明)."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from eval.bench_corpus import CLASS_NAMES, DUTIES, ITEM_NAMES, Disclosure, wan

# reportlab cannot embed the Debian Noto CJK fonts (CFF outlines in a .ttc); its built-in Adobe CID font
# needs no file and keeps a Unicode text layer, which is all the parsers read.
FONT = "STSong-Light"
Grid = list[list[str]]


def tables(d: Disclosure) -> list[tuple[str, int, Grid]]:
    """(title, header rows, grid) for the four tables; every total is the sum of its parts."""
    by_class: dict[str, list[int]] = {}
    by_item: dict[str, list[int]] = {}
    for r in d.functional:
        for key, acc in ((r.code[:3], by_class), (r.code[:5], by_item)):
            acc.setdefault(key, [0, 0, 0])
            acc[key] = [a + b for a, b in zip(acc[key], r.amounts, strict=True)]
    summary: Grid = [["收入", "", "支出", ""], ["项目", "预算数", "项目", "预算数"]]
    income = [("一般公共预算拨款收入", d.total), ("政府性基金预算拨款收入", 0), ("其他收入", 0)]
    spend = [(CLASS_NAMES[c], v[0]) for c, v in sorted(by_class.items())]
    for i in range(max(len(income), len(spend))):
        left = income[i] if i < len(income) else ("", None)
        right = spend[i] if i < len(spend) else ("", None)
        summary.append([left[0], _num(left[1]), right[0], _num(right[1])])
    summary.append(["收入总计", wan(d.total), "支出总计", wan(d.total)])
    general: Grid = [["科目编码", "科目名称", "合计", "基本支出", "项目支出"]]
    general.append(["", "合计", wan(d.total), wan(d.basic), wan(d.project)])
    for cls, amounts in sorted(by_class.items()):
        general.append([cls, CLASS_NAMES[cls], *map(wan, amounts)])
        for item, item_amounts in sorted(by_item.items()):
            if item.startswith(cls):
                general.append([item, ITEM_NAMES[item], *map(wan, item_amounts)])
                general += [
                    [r.code, r.name, *map(wan, r.amounts)] for r in d.functional if r.code[:5] == item
                ]
    basic: Grid = [["科目编码", "科目名称", "合计"], ["", "合计", wan(d.basic)]]
    for head, name in (("301", "工资福利支出"), ("302", "商品和服务支出")):
        rows = [r for r in d.economic if r.code.startswith(head)]
        basic.append([head, name, wan(sum(r.amounts[0] for r in rows))])
        basic += [[r.code, r.name, wan(r.amounts[0])] for r in rows]
    out_, rec, buy, run = d.three_public
    three: Grid = [
        ["合计", "因公出国（境）费", "公务接待费", "公务用车购置及运行费", "", ""],
        ["", "", "", "小计", "公务用车购置费", "公务用车运行费"],
        [wan(d.three_public_total), wan(out_), wan(rec), wan(buy + run), wan(buy), wan(run)],
    ]
    return [
        ("部门收支总表", 2, summary),
        ("一般公共预算支出表", 1, general),
        ("一般公共预算基本支出表", 1, basic),
        ("一般公共预算“三公”经费支出表", 2, three),
    ]


def _num(v: int | None) -> str:
    return "" if v is None else wan(v)


def narrative(d: Disclosure) -> tuple[list[str], list[str]]:
    """(第一部分 概况 paragraphs, 第三部分 说明 paragraphs); the 说明 states the tables' figures."""
    diff = d.total - d.previous_total
    change = f"{'增加' if diff >= 0 else '减少'}{wan(abs(diff))}万元，{'增长' if diff >= 0 else '下降'}"
    change += f"{abs(diff) * 100 / d.previous_total:.2f}%"
    out_, rec, buy, run = d.three_public
    part1 = [
        "一、主要职能",
        f"{d.name}是{d.region}人民政府工作部门。主要职责是：" + "；".join(DUTIES) + "。",
        "二、机构设置",
        f"{d.name}编制数{d.staff[0]}人，实有人数{d.staff[1]}人。",
    ]
    part3 = [
        "一、收支预算总体情况",
        f"{d.name}{d.year}年收入预算总额{wan(d.total)}万元，支出预算总额{wan(d.total)}万元，比上年{change}。",
        "二、一般公共预算基本支出情况",
        f"{d.year}年一般公共预算基本支出{wan(d.basic)}万元，其中人员经费{wan(d.personnel)}万元，"
        f"公用经费{wan(d.basic - d.personnel)}万元。",
        "三、“三公”经费预算情况",
        f"{d.year}年“三公”经费预算{wan(d.three_public_total)}万元，其中因公出国（境）费{wan(out_)}万元，"
        f"公务接待费{wan(rec)}万元，公务用车购置及运行费{wan(buy + run)}万元。",
    ]
    return part1, part3


def render_txt(d: Disclosure) -> str:
    title = f"{d.name}{d.year}年部门预算"
    part1, part3 = narrative(d)
    lines = [title, "", f"第一部分 {d.name}概况", *part1, "", f"第二部分 {d.year}年部门预算表"]
    for title_text, header_rows, grid in tables(d):
        lines += ["", title_text, f"编制部门：{d.name} 单位：万元"]
        header, rows = grid[:header_rows], grid[header_rows:]
        if title_text.endswith("三公”经费支出表"):  # one header line naming every column, in order
            header = [["合计", "因公出国（境）费", "公务接待费", "公务用车购置费", "公务用车运行费"]]
            rows = [[rows[0][0], rows[0][1], rows[0][2], rows[0][4], rows[0][5]]]
        lines += [" ".join(c.replace(",", "") for c in row if c) for row in header + rows]
    lines += ["", f"第三部分 {d.year}年部门预算情况说明", *part3]
    return "\n".join(lines) + "\n"


def render_pdf(d: Disclosure, path: Path) -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16)
    head = ParagraphStyle("head", parent=body, fontSize=16, leading=24, alignment=1)
    part1, part3 = narrative(d)
    story: list = [Paragraph(f"{d.name}{d.year}年部门预算", head), Spacer(1, 12)]
    story += [Paragraph(f"第一部分 {d.name}概况", body), *(Paragraph(p, body) for p in part1), PageBreak()]
    story.append(Paragraph(f"第二部分 {d.year}年部门预算表", body))
    for title, header_rows, grid in tables(d):
        story += [Spacer(1, 10), Paragraph(title, head)]
        story.append(Paragraph(f"编制部门：{d.name}　　　　　　　　单位：万元", body))
        story += [_ruled(grid, header_rows), PageBreak()]
    story.append(Paragraph(f"第三部分 {d.year}年部门预算情况说明", body))
    story += [Paragraph(p, body) for p in part3]
    # invariant: no timestamp or random id in the file, so the same seed gives the same bytes.
    doc = SimpleDocTemplate(
        str(path), pagesize=landscape(A4), title=f"{d.name}{d.year}年部门预算", invariant=1
    )
    doc.build(story)


def _ruled(grid: Grid, header_rows: int) -> Table:
    style = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("ALIGN", (0, header_rows), (-1, -1), "RIGHT"),
    ]
    if grid[0][:2] == ["收入", ""]:  # two-sided summary: 收入 | 支出 each spans two columns
        style += [("SPAN", (0, 0), (1, 0)), ("SPAN", (2, 0), (3, 0))]
    if grid[0][-2:] == ["", ""]:  # 三公: 公务用车购置及运行费 spans its three parts; the others two rows
        style += [("SPAN", (3, 0), (5, 0))] + [("SPAN", (c, 0), (c, 1)) for c in range(3)]
    return Table(grid, style=TableStyle(style), repeatRows=header_rows)


def write_corpus(disclosures: list[Disclosure], folder: Path) -> list[Path]:
    """One file per disclosure in `folder` (created); returns the paths in order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in disclosures:
        path = folder / f"{d.file_stem}.{d.layout}"
        if d.layout == "pdf":
            render_pdf(d, path)
        else:
            path.write_text(render_txt(d), encoding="utf-8")
        paths.append(path)
    return paths
