"""Answers over the whole corpus: contract, numbers with sources, units, formulas, refusals, follow-ups.
Expected values are the hand-verified cells of tests/golden/corpus (read off the rendered pages)."""

from __future__ import annotations

from assistant import Assistant

CONTRACT = {"question", "status", "text", "value", "unit", "calculation", "citations"}
CITATION = {"doc_id", "source_file", "department", "year", "page", "kind", "table", "row", "column", "quote"}


def test_answer_json_contract(corpus_qa: Assistant) -> None:
    data = corpus_qa.ask("万里街道2024年“三公”经费预算是多少？").model_dump(mode="json")
    assert set(data) >= CONTRACT
    assert data["status"] == "answered" and data["value"] == 47.91 and data["unit"] == "万元"
    assert data["citations"] and set(data["citations"][0]) >= CITATION
    cite = data["citations"][0]
    assert (cite["kind"], cite["page"], cite["year"]) == ("table", 31, 2024)  # gold: 05, p31, 三公 table
    assert "三公" in cite["table"] and "合计" in cite["column"] and cite["quote"] == "47.91"


def test_code_lookup_in_either_spelling_picks_the_asked_column(corpus_qa: Assistant) -> None:
    spaced = corpus_qa.ask("万里街道2024年预算中“212 01 01”行政运行的基本支出是多少元？")
    plain = corpus_qa.ask("万里街道2024年预算中2120101行政运行的基本支出是多少元？")
    assert spaced.value == plain.value == 16353248  # gold 05: 支出预算总表, 基本支出 column
    assert "基本支出" in (spaced.citations[0].column or "") and spaced.citations[0].row.startswith("2120101")


def test_unit_conversion_is_exact(corpus_qa: Assistant) -> None:
    answer = corpus_qa.ask("万里街道2024年公务接待费是多少元？")
    assert (answer.value, answer.unit) == (13500, "元")  # 1.35万元 in the 三公 table
    assert "1.35万元" in answer.text and answer.citations[0].quote == "1.35"


def test_share_shows_its_formula(corpus_qa: Assistant) -> None:
    answer = corpus_qa.ask("昌吉市商务和工业信息化局2020年人员经费占基本支出的比例是多少？")
    assert (answer.value, answer.unit) == (93.43, "%")
    assert answer.calculation == "614.80 ÷ 658.02 × 100% = 93.43%"
    assert len(answer.citations) == 2 and all(c.kind == "table" for c in answer.citations)


def test_change_between_two_years_cites_both(corpus_qa: Assistant) -> None:
    answer = corpus_qa.ask("万里街道2024年三公经费比2023年增加还是减少了多少万元？")
    assert (answer.value, answer.unit) == (25.0, "万元") and "增加" in answer.text
    assert {c.year for c in answer.citations} == {2023, 2024}
    assert answer.calculation and answer.calculation.startswith("47.91 − 22.91")


def test_empty_table_answers_zero_citing_its_note(corpus_qa: Assistant) -> None:
    answer = corpus_qa.ask("万里街道2024年政府性基金预算支出是多少？")
    assert answer.status == "answered" and answer.value == 0
    cell, note = answer.citations  # gold 05: 政府性基金 table p27, published empty with a 注
    assert (cell.page, cell.quote, cell.row) == (27, "（空白，即0）", "合计") and "政府性基金" in cell.table
    assert "本表为空表" in note.quote and note.page == 27


def test_refuses_years_and_people_it_does_not_hold(corpus_qa: Assistant) -> None:
    year = corpus_qa.ask("普陀区司法局2024年“三公”经费决算数是多少？")
    person = corpus_qa.ask("普陀区财政局局长是谁？")
    for answer in (year, person):
        assert answer.status == "refused" and answer.value is None and not answer.citations
    assert "2026" in year.text  # says what the store holds for that department


def test_named_document_is_never_swapped(corpus_qa: Assistant) -> None:
    answer = corpus_qa.ask("万里街道2023年“三公”经费预算数是多少万元？")
    assert answer.value == 22.91 and {c.year for c in answer.citations} == {2023}


def test_follow_up_uses_the_conversation(corpus_qa: Assistant) -> None:
    first = corpus_qa.ask("万里街道2024年“三公”经费预算是多少？")
    follow = corpus_qa.ask("其中公务接待费呢？", history=[first])
    assert follow.value == 1.35 and follow.citations[0].year == 2024


def test_unit_of_a_table_without_unit_line_is_inferred_and_said(corpus_qa: Assistant) -> None:
    # 西南大学2021 收入预算表 prints no 单位 line; its 合计 equals the 收支总表 (万元). Gold 15: 75020.47.
    answer = corpus_qa.ask("西南大学2021年预算中教育收费是多少万元？")
    assert (answer.value, answer.unit) == (75020.47, "万元")
    assert "未标明单位" in answer.text and "收支预算总表" in answer.text


def test_chart_series_come_from_cited_figures(corpus_qa: Assistant) -> None:
    doc = next(d for d in corpus_qa.documents() if d.year == 2024 and d.kind == "budget")
    series = {s.title: s for s in corpus_qa.charts(doc.doc_id)}
    split = series["基本支出：人员经费与公用经费"]
    assert dict(zip(split.labels, split.values, strict=True)) == {
        "人员经费": 8853.7451,
        "公用经费": 1116.8569,
    }
    three = series["“三公”经费构成"]
    assert dict(zip(three.labels, three.values, strict=True))["购置费"] == 25.0  # gold 05 p31
    yoy = next(s for t, s in series.items() if t.endswith("历年“三公”经费"))  # one figure per chart
    assert yoy.labels == ["2023年", "2024年"] and yoy.unit == "万元"


# ----- failure classes of issue 9 (each failed before the frame changes; gold from tests/golden/corpus)
def test_a_row_then_a_column_of_that_row_reads_that_cell(corpus_qa: Assistant) -> None:
    answer = corpus_qa.ask("万里街道2024年办公费的公用经费是多少元？")  # gold 05 p29, 30201 / 公用经费
    assert (answer.value, answer.unit) == (4755518, "元") and "办公费" in answer.citations[0].row
    coded = corpus_qa.ask("昌吉市商务和工业信息化局2020年行政运行中的基本支出是多少？")
    assert coded.value == 443.35 and "行政运行" in coded.citations[0].row  # not the 基本支出 total


def test_measure_named_in_an_upper_header_level(corpus_qa: Assistant) -> None:
    final = corpus_qa.ask("国家信访局2024年三公经费决算数是多少？")  # gold 50 p15: 预算数 76.43, 决算数 46.21
    budget = corpus_qa.ask("国家信访局2024年公务接待费预算数是多少？")
    assert (final.value, budget.value) == (46.21, 5.80)
    assert "决算数" in final.citations[0].column and "预算数" in budget.citations[0].column


def test_year_columns_answer_the_year_asked(corpus_qa: Assistant) -> None:
    this_year = corpus_qa.ask("西安市安全生产监督管理局2019年公务接待费是多少？")  # gold 46 p32
    last_year = corpus_qa.ask("西安市安全生产监督管理局2018年公务用车购置及运行维护费是多少？")
    assert this_year.value == 4.38 and "2019年" in this_year.citations[0].column
    assert last_year.value == 21.22 and "2018年" in last_year.citations[0].column


def test_difference_of_two_items_the_narrative_states(corpus_qa: Assistant) -> None:
    # corpus 48 p18: “2026信访接待中心运行费116万元 … 2026驻京经费312万元” (new-documents split 48-013)
    answer = corpus_qa.ask("长春市信访局2026年驻京经费比信访接待中心运行费多多少万元？")
    assert (answer.value, answer.unit) == (196, "万元") and answer.calculation == "312 − 116 = 196.00万元"
    assert answer.citations and all(c.page == 18 for c in answer.citations)  # one sentence states both


def test_one_number_never_answers_an_operation_or_another_unit(corpus_qa: Assistant) -> None:
    # corpus 50 p21 states 年初预算899.34万元, 决算659.05万元, 完成73.28%: a difference is no answer
    share = corpus_qa.ask("国家信访局2024年机关事业单位基本养老保险缴费支出完成了年初预算的百分之几？")
    assert share.status == "refused" or (share.value, share.unit) == (73.28, "%"), share.text
    # corpus 53: the 三公 total of 2025 alone does not say whether it changed from 2024
    change = corpus_qa.ask("长沙市公安局2025年的三公经费预算和2024年相比有变化吗？")
    assert change.status == "refused" or "持平" in change.text, change.text


def test_a_duty_is_answered_from_the_main_functions_or_refused(corpus_qa: Assistant) -> None:
    # corpus 40: the 主要职能 section lists “5.负责全市政府采购监督管理” (new-documents split 40-024)
    yes = corpus_qa.ask("湖州市财政局负责全市政府采购监督管理吗？")
    assert yes.status == "answered" and yes.text.startswith("是") and "政府采购监督管理" in yes.text
    assert yes.citations and "职能" in (yes.citations[0].section or "")
    unknown = corpus_qa.ask("湖州市财政局负责全市干部保健工作吗？")  # not among its duties: no guessed 否
    assert unknown.status == "refused" and "主要职能" in unknown.text


def test_an_organisation_the_store_does_not_hold_is_named_in_the_refusal(corpus_qa: Assistant) -> None:
    answer = corpus_qa.ask("火星街道2024年三公经费是多少？")  # no region word, still not a stored department
    assert answer.status == "refused" and "火星街道" in answer.text and answer.value is None


def test_a_count_written_in_chinese_numerals(corpus_qa: Assistant) -> None:
    answer = corpus_qa.ask("长春信访局内设几个机构？")  # corpus 48: “长春市信访局内设十个机构” (split 48-018)
    assert (answer.value, answer.unit) == (10, "个") and "十个" in answer.citations[0].quote


def test_a_conversation_of_follow_ups(corpus_qa: Assistant) -> None:
    # gold 04/05: 三公 22.91万元 (2023) and 47.91万元 (2024); 公务接待费 1.35万元 (2024, p31)
    history = [corpus_qa.ask("万里街道2023年三公经费是多少？")]
    for question, value in [("2024年呢？", 47.91), ("比上年增长了多少？", 25.0), ("那公务接待费呢？", 1.35)]:
        answer = corpus_qa.ask(question, history=history)
        assert answer.status == "answered" and answer.value == value, (question, answer.text)
        history.append(answer)
    assert history[0].value == 22.91 and history[1].citations[0].year == 2024


def test_the_store_lists_what_it_holds(corpus_qa: Assistant) -> None:
    answer = corpus_qa.ask("哪些部门的公开文件在库里？")
    assert answer.status == "answered" and answer.value is None
    for doc in corpus_qa.documents():
        assert doc.department in answer.text


def test_consistency_question_lists_the_audit_findings(corpus_qa: Assistant) -> None:
    doc = next(d for d in corpus_qa.documents() if "司法局" in d.department and d.year == 2026)
    findings = corpus_qa.audit(doc.doc_id)
    answer = corpus_qa.ask("普陀区司法局2026年这份公开有没有前后矛盾？")
    assert findings and "发现以下不一致" in answer.text and "未发现" not in answer.text


def test_a_refusal_is_clean_sentences(corpus_qa: Assistant) -> None:
    for q in ("人员经费占基本支出的比例是多少？", "火星街道2024年三公经费是多少？", "普陀区财政局局长是谁？"):
        text = corpus_qa.ask(q).text
        assert text.startswith("无法回答：") and "。；" not in text and "；；" not in text, text
        assert text.count("现有") <= 1, text  # the store's holdings are said once


def test_a_count_of_a_listed_set(corpus_qa: Assistant) -> None:
    # corpus 47 p8 lists “1.烟台市财政局 … 6.烟台市金融运行监测中心” (new-documents split 47-018)
    answer = corpus_qa.ask("纳入烟台市财政局2026年部门预算的二级预算单位有几个？")
    assert (answer.value, answer.unit) == (6, "个") and "烟台市金融运行监测中心" in answer.text


def test_a_count_asked_with_a_synonym(corpus_qa: Assistant) -> None:
    # corpus 38 p40: “本单位共有车辆0辆” (new-documents split 38-017): 公务车 is carried by 车辆
    answer = corpus_qa.ask("无锡市教育局本级有几辆公务车？")
    assert (answer.value, answer.unit) == (0, "辆") and "车辆" in answer.citations[0].quote


def test_a_count_is_of_the_noun_right_after_it(corpus_qa: Assistant) -> None:
    # corpus 05 p32: “本部门2个预算单位开展了…编报工作，编报绩效目标的项目50个” (own split 05-015)
    answer = corpus_qa.ask("万里街道2024年编报绩效目标的项目有多少个？")
    assert (answer.value, answer.unit) == (50, "个")


def test_each_operand_is_what_its_phrase_names(corpus_qa: Assistant) -> None:
    # gold 50 p11, 一般公共预算财政拨款支出决算表 / 本年支出/基本支出: 201 = 6527.43, 2014099 = 540.61
    diff = corpus_qa.ask(
        "国家信访局2024年度决算一般公共预算财政拨款支出决算表中，基本支出口径下，"
        "201一般公共服务支出比其他信访事务支出多多少？"
    )
    assert diff.calculation == "6,527.43 − 540.61 = 5,986.82万元", diff.text


def test_three_public_table_with_items_down_the_rows(corpus_qa: Assistant) -> None:
    """福州/泉州 print the 三公 table with a row per item and one 预算数 column: the total is its 合计
    row, checked by adding up the item rows (gold 52, p19: 0.00 + 16.32 + 1683.85 = 1700.17)."""
    total = corpus_qa.ask("泉州公安局2026年三公经费预算合计多少万元？")
    assert (total.status, total.value, total.unit) == ("answered", 1700.17, "万元")
    assert (total.citations[0].page, total.citations[0].row) == (19, "合计")
    reception = corpus_qa.ask("泉州市公安局2026年公务接待费预算是多少？")
    assert reception.value == 16.32 and "公务接待费" in (reception.citations[0].row or "")
    purchase = corpus_qa.ask("泉州市公安局2026年公务用车购置费安排了多少？")
    assert purchase.value == 495.85 and purchase.citations[0].page == 19


def test_two_figures_asked_at_once_come_from_one_sentence_stating_both(corpus_qa: Assistant) -> None:
    """Gold 50, p26 (read on the page): “其中，一级项目 7 个、二级项目 16 个”."""
    answer = corpus_qa.ask("国家信访局2024年绩效自评覆盖了几个一级项目、几个二级项目？")
    assert answer.status == "answered" and answer.value is None
    assert "7个" in answer.text and "16个" in answer.text
    assert answer.citations and {c.page for c in answer.citations} == {26}  # one sentence, cited once


def test_a_count_stated_twice_with_different_values_is_not_answered(corpus_qa: Assistant) -> None:
    """Corpus 45 states the 一级项目 of its 绩效自评 as 82 on p23 and as 87 on p32 (both read on the page)."""
    answer = corpus_qa.ask("西安卫健委2022年决算中反映了多少个一级项目的绩效自评结果？")
    assert answer.status == "refused" and answer.value is None
    assert "82" in answer.text and "87" in answer.text and "不一致" in answer.text


def test_a_printed_amount_beats_a_blank_cell_of_the_same_row(corpus_qa: Assistant) -> None:
    """Corpus 36 p17 (read on the page): 301 工资福利支出 11,960.62; the ruled grid has empty columns
    beside 金额 whose blank cells read as 0 and must not answer."""
    answer = corpus_qa.ask("江苏省人民检察院2019年工资福利支出多少？")
    assert (answer.status, answer.value, answer.unit) == ("answered", 11960.62, "万元")
    assert answer.citations[0].page == 17 and answer.citations[0].quote == "11,960.62"


def test_initial_budget_and_final_accounts_stated_for_one_item_of_a_list(corpus_qa: Assistant) -> None:
    """Corpus 45 p13 (read on the page): “11.卫生健康支出（类）卫生健康管理事务（款）行政运行（项）。
    年初预算2516.77万元，支出决算3,883.48万元”; 行政运行 is a 项 of many 款 in that list."""
    initial = corpus_qa.ask("西安卫健委2022年卫生健康管理事务的行政运行，年初预算是多少？")
    assert (initial.status, initial.value, initial.unit) == ("answered", 2516.77, "万元")
    assert initial.citations[0].page == 13
    more = corpus_qa.ask("西安卫健委2022年卫生健康管理事务行政运行的决算比年初预算多了多少万元？")
    assert more.value == 1366.71 and more.calculation == "3,883.48 − 2,516.77 = 1,366.71万元"


def test_a_question_both_the_department_and_its_unit_answer_alike_is_answered(corpus_qa: Assistant) -> None:
    """无锡市教育局 has a 部门 and a 本级 disclosure for 2026 (corpus 37, 38); both list the duty
    “（十三）负责全市教育督导工作”, so which one is meant does not matter. A figure differs: still asked."""
    duty = corpus_qa.ask("无锡市教育局是否负责全市的教育督导工作？")
    assert duty.status == "answered" and duty.text.startswith("是")
    assert len(set(duty.doc_ids)) == 2 and len({c.doc_id for c in duty.citations}) == 2
    figure = corpus_qa.ask("无锡市教育局2026年培训费是多少？")
    assert figure.status == "refused" and "本级" in figure.text


def test_the_named_tables_total_minus_one_of_its_rows(corpus_qa: Assistant) -> None:
    """Gold 37, 一般公共预算支出表 p25: 合计 475631.69, 205 教育支出 336653.50 (both columns 合计)."""
    answer = corpus_qa.ask("2026年度无锡市教育局部门预算在一般公共预算支出表里，合计比教育支出多了多少？")
    assert (answer.value, answer.unit) == (138978.19, "万元")
    assert answer.calculation == "475,631.69 − 336,653.50 = 138,978.19万元"
    assert {c.page for c in answer.citations} == {25} and len(answer.citations) == 2


def test_a_sum_of_two_codes_reads_each_code_where_it_is_written(corpus_qa: Assistant) -> None:
    """Gold 05, 基本支出部门预算经济分类预算表 p30: 30213 维修(护)费 430000, 30217 公务接待费 13500 (元)."""
    answer = corpus_qa.ask(
        "上海市普陀区人民政府万里街道办事处2024年预算30213维修(护)费、30217 公务接待费合计是多少？"
    )
    assert (answer.value, answer.unit) == (443500, "元")
    assert answer.calculation == "430,000 + 13,500 = 443,500元"
