"""The planner's steps as LangChain tools: the same numbers, computed in code."""

from __future__ import annotations

from assistant import Assistant
from assistant.backends import build_retriever, build_tools
from assistant.toolkit import Toolkit


def test_tools_find_look_up_and_calculate(corpus_qa: Assistant) -> None:
    tools = {t.name: t for t in build_tools(Toolkit(corpus_qa.store, corpus_qa.retriever))}
    assert set(tools) == {"find_documents", "lookup_cells", "search_text", "calculate"}
    docs = tools["find_documents"].invoke({"question": "昌吉市商务和工业信息化局2020年人员经费"})
    doc_id = docs[0]["doc_id"]
    personnel = tools["lookup_cells"].invoke({"doc_id": doc_id, "query": "人员经费"})[0]
    basic = tools["lookup_cells"].invoke({"doc_id": doc_id, "query": "基本支出"})[0]
    assert (personnel["raw"], basic["raw"]) == ("614.80", "658.02")  # gold 00: 基本支出表 合计 row
    result = tools["calculate"].invoke({"op": "share", "cell_ids": [personnel["cell_id"], basic["cell_id"]]})
    assert result["expression"] == "614.80 ÷ 658.02 × 100% = 93.43%"
    passages = tools["search_text"].invoke({"doc_id": doc_id, "query": "下设几个科室"})
    assert any("7 个科室" in p["text"] or "7个科室" in p["text"] for p in passages)


def test_langchain_retriever(corpus_qa: Assistant) -> None:
    doc = next(d for d in corpus_qa.documents() if d.year == 2024 and d.kind == "budget")
    hits = build_retriever(corpus_qa.retriever, [doc.doc_id]).invoke("政府采购预算")
    assert hits and "政府采购" in hits[0].page_content and hits[0].metadata["page"] == 32
