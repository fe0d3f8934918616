"""Reading a question: what it asks for (share, sum, difference, change, count, text), in which unit,
and which words name documents rather than metrics."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.columns import frame_lexicon
from assistant.lookup import Target, question_key
from assistant.narrative import keywords, years_compared, years_named
from assistant.orgs import aliases
from assistant.types import Answer, DocumentRecord

SHARE = re.compile(
    r"占.{0,30}(?:比例|比重|百分比|百分之|多少%|的%)|占比|占(?!用|有).{0,30}?(?:的)?(?:多少|几成)[？?]?$"
    r"|是.{1,30}?的(?:百分之几|百分之多少|几成|多少%|百分比)"
)
SUM = re.compile(r"合计|加起来|之和|一共|总共|共计|总和|相加|[两三四五六七八九]项")
DIFF = re.compile(r"比.{1,30}?(?:多|少|高|低)[^，。？?]{0,6}?(?:多少|几)|相差|差额|差多少|差了|减去")
PARALLEL = re.compile(r"^[\s、，,和与及跟加以]*$|^[^，。？?]{0,4}[、和与及加][^，。？?]{0,4}$")
STATED_CHANGE = re.compile(r"(?:增加|减少|增长|下降|变化|变动|增减)了?(?:多少|百分之|几)|(?:增加|减少)还是")
CHANGE = re.compile("|".join(map(re.escape, frame_lexicon()["change_words"])))
WHY = re.compile(r"为什么|原因|为何|怎么回事")
TEXT = re.compile(
    r"哪些|什么|是谁|指什么|定义|意思|职能|职责|构成|包括|包含|介绍|级别|牌子|一致|对吗|矛盾|怎么"
)
CONSISTENCY = re.compile(r"矛盾|一致|前后|对吗|对不对|是否正确|有没有错|有误|核对|不符|自洽")
DEFINE = re.compile(r"指什么|是什么意思|什么意思|怎么定义|如何定义|定义|是指什么|名词解释")
# Questions answered by a whole section, and the headings of that section.
SECTION_INTENTS = [
    (re.compile(r"职能|职责|负责哪些|负责什么|做什么|什么级别|加挂|牌子"), re.compile(r"主要职能|职能|职责")),
    (
        _UNITS_ASKED := re.compile(r"(?:包括|包含|构成|组成|由)哪些(?:单位|部门)|下属(?:单位|机构)|单位构成"),
        re.compile(r"单位构成|机构设置"),
    ),
    (_UNITS_ASKED, re.compile(r"单位基本情况|基本情况")),  # only when no narrower section exists
]
COUNT = re.compile(r"几个|几家|几辆|多少辆|多少个|多少人|多少家|几项(?!目)|几人|多少项(?!目)|多少名")


GENERIC_WORDS = frozenset(
    [
        "支出",
        "收入",
        "预算",
        "总额",
        "金额",
        "资金",
        "经费",
        "合计",
        "总计",
        "费用",
        "项目",
        "安排",
        "财政",
        "拨款",
        "部门",
        "单位",
        "年度",
        "合计数",
    ]
)


def asked_unit(question: str) -> str | None:
    if re.search(r"百分之|百分比|比例|比重|占比|%|增长率", question):
        return "%"
    m = re.search(
        r"多少(亿元|万元|千元|元)|(亿元|万元|千元|元)[)）]?[？?]?$|约为?多少(亿元|万元|元)"
        r"|以(亿元|万元|千元|元)为?单位|单位[：:为]\s*(亿元|万元|千元|元)",  # “以万元为单位，…合计是多少？”
        question,
    )
    if m:
        return next(g for g in m.groups() if g)
    return None


def main_target(targets: list[Target]) -> Target:
    """The thing asked for: a classification code if given, else the last-named concept
    (“三公经费里的公务接待费” asks for 公务接待费; “机关运行经费财政拨款预算” for 机关运行经费),
    else the last-named row."""
    targets = [t for t in targets if not t.qualifier] or targets
    coded = [t for t in targets if t.code]
    concepts = [t for t in targets if t.concept]
    return coded[0] if coded else (concepts[-1] if concepts else targets[-1])


def strip_names(q: str, docs: Sequence[DocumentRecord], keep: str = "") -> str:
    """The question without department names and years, so “司法局” does not match the row “司法”.
    With `keep`, each name becomes that word instead and years stay (“甲2020年与甲2024年…合计”)."""
    for name in sorted({a for d in docs for a in aliases(d.department)}, key=len, reverse=True):
        q = q.replace(name, keep)
    return q if keep else re.sub(r"20\d{2}\s*年度?", "", q)


def doc_words(docs: Sequence[DocumentRecord]) -> list[str]:
    words: list[str] = []
    for d in docs:
        words.extend(aliases(d.department))
    return words


DUTY_COVERAGE = 0.6  # share of the duty's character pairs a clause of 主要职能 must carry


def duty_asked(q: str) -> str | None:
    """“负责全市干部保健工作吗？” -> 全市干部保健工作: the duty a yes/no question about 职责 asks."""
    lex = frame_lexicon()["duty"]
    asks = "|".join(re.escape(w) for w in sorted(lex["ask"], key=len, reverse=True))
    m = re.search(rf"(?:{asks})(?P<what>[^，,。？?]{{2,40}}?)(?:的?工作)?(?:吗|呢)?[？?。]?$", q)
    yes_no = m and (m.group(0).rstrip("？?。").endswith(("吗", "呢")) or not m.group(0).startswith("负责"))
    if not m or not yes_no:  # a bare 负责 asks yes/no only with 吗: “负责哪些工作” lists
        return None
    return m.group("what").strip()


def pair_coverage(what: str, text: str) -> float:
    """Share of the character pairs of `what` (its filler words removed) found in `text`."""
    for w in frame_lexicon()["duty"]["filler"]:
        what = what.replace(w, "")
    pairs = [what[i : i + 2] for i in range(len(what) - 1)]
    return sum(p in text for p in pairs) / len(pairs) if pairs else 0.0


def uncovered(q: str, *labels: str) -> list[str]:
    """Content words of the question that none of the labels carries (nor the frame's filler words):
    what an answer read from those labels would leave unanswered."""
    filler = set(frame_lexicon()["filler"]) | GENERIC_WORDS
    text = "".join(labels)
    return [
        w
        for w in keywords(q)
        if not any(w in f for f in filler) and not all(ch in text for ch in w)  # 百分 is part of 百分之几
    ]


def residual(phrase: str, targets: Sequence[Target]) -> str:
    """The phrase without the words that named its targets (in question_key coordinates)."""
    key = question_key(phrase)
    for t in sorted(targets, key=lambda t: -t.start):
        if t.end > t.start:
            key = key[: t.start] + "　" + key[t.end :]
    return key


def has_specific_word(q: str, text: str, drop: list[str]) -> bool:
    """Evidence must carry a specific word of the question (“采购” in 政府采购支出总额), not only
    budget vocabulary that every figure shares."""
    words = keywords(q, drop)
    specific = [w for w in words if w not in GENERIC_WORDS]
    return bool(words) and (not specific or any(w in text for w in specific))


def parallel(q: str, targets: list[Target], doc: DocumentRecord) -> bool:
    """Items listed for a sum (“基本工资、津贴补贴和奖金”), not a qualifier (“基本支出中人员经费”)."""
    if all(t.code for t in targets):
        return True
    key = strip_names(q, [doc])
    spans = [key.find(t.label) for t in targets]
    if any(p < 0 for p in spans):
        return True
    for t, a, b in zip(targets, spans, spans[1:], strict=False):
        between = key[a + len(t.label) : b]
        if t.code:  # “30113住房公积金、福利费”: a code's own row name follows it
            between = re.sub(r"^[\u4e00-\u9fff（）()]{1,16}(?=[、和与及跟加])", "", between)
        if not PARALLEL.search(between):
            return False
    return True


def asks_signed(q: str) -> bool:
    """“增加还是减少了多少”/“变化了多少” want a signed change; “减少了多少” wants the amount."""
    return bool(re.search(r"还是|变化|变动|增减", q))


def mention(q: str, doc: DocumentRecord) -> int:
    positions = [q.find(a) for a in aliases(doc.department) if a in q]
    return min(positions) if positions else len(q)


_STRONG_SUM = re.compile(r"加起来|之和|相加|总和|[两三四五六七八九]项")
_LIST_SEP = re.compile(r"[、，,和与及跟加]")


def operand_phrases(key: str) -> tuple[str, list[str]] | None:
    """“A比B多多少” -> ("difference", [A, B]); “A、B和C加起来是多少” -> ("sum", [A, B, C]).
    `key` is the question without department names and years. None when it asks no such operation
    or compares with another year (比上年…), which is a change, not a difference of two items."""
    if DIFF.search(key):
        m = re.search(r"(.+?)比(.+?)(?:多|少|高|低)", key)
        m = m or re.search(r"(.+?)减去(.+?)(?:是|为|等于|后|的|$)", key)
        if not m:
            return None
        if re.fullmatch(r"(?:上年|去年|上一年)(?:的)?", m.group(2)):
            return None
        if re.fullmatch(r"(?:年初|调整|全年)?预算数?(?:的)?", m.group(2)):  # one row's 决算 vs its 预算
            return "measures", [m.group(1), m.group(2)]
        return "difference", [m.group(1), m.group(2)]
    m = _STRONG_SUM.search(key)
    if m:
        parts = [p for p in _LIST_SEP.split(key[: m.start()]) if len(p.strip()) >= 2]
        return ("sum", parts) if len(parts) >= 2 else None
    return None


_LISTED_SUM = re.compile(r"[^，。？?]{2,}[、和与及][^，。？?]{2,}(?:一共|合计|总共|共计|合起来)")


def asks_operation(q: str) -> bool:
    """The question asks for a difference, a sum of listed items or a share: one stated number never
    answers it."""
    return bool(DIFF.search(q) or _STRONG_SUM.search(q) or _LISTED_SUM.search(q) or SHARE.search(q))


_ASK = re.compile(r"(?<![多少了])多少|几[个辆家项人名台]")


def asks_several(q: str) -> bool:
    """“人员编制多少、实有多少人？”: two questions in one, which one number cannot answer."""
    return len(_ASK.findall(q)) >= 2


def ask_clauses(q: str) -> list[str]:
    """The clauses of a question that each ask a figure (“…人员编制多少”, “实有多少人”); the words before
    the first ask of a clause that asks nothing yet stay with the clause after them."""
    out: list[str] = []
    pending = ""
    for piece in re.split(r"[、，,？?；;]", q):
        if _ASK.search(piece):
            out.append(pending + piece)
            pending = ""
        else:
            pending += piece
    return out


_ENUM_LINE = re.compile(
    r"^\s*(?:\d{1,2}\s*[.．、]|[（(]\s*[\d一二三四五六七八九十]+\s*[)）])\s*(.+?)\s*[；;。]?$"
)
_COUNT_ASK = re.compile(r"(?:一共|总共|共)?(?:有|包括)?(?:几|多少)[个家项所]")


def counted_noun_asked(q: str) -> str | None:
    """“二级预算单位有几个？” / “一共包括几个预算单位？” -> the noun counted (二级预算单位 / 预算单位)."""
    m = _COUNT_ASK.search(q)
    if not m:
        return None
    after = re.match(r"[\u4e00-\u9fff]{2,10}?(?=[？?，。]|$|纳入|吗)", q[m.end() :])
    if after:
        return after.group(0)
    before = re.split(r"[的年，,。：:、\s]", q[: m.start()])[-1]
    return before if len(before) >= 2 else None


def listed_items(text: str) -> list[str]:
    """The items of a list at the start of `text`: enumerated lines (1.… 2.… / （一）…) or one line of
    items separated by 、 (the last joined by 和/及)."""
    enumerated = []
    for line in text.lstrip("\n").split("\n"):
        m = _ENUM_LINE.match(line)
        if not m:
            break
        enumerated.append(m.group(1))
    if len(enumerated) >= 2:
        return enumerated
    first = re.split(r"[。；;\n]", text, maxsplit=1)[0]
    parts = [p.strip() for p in re.split(r"、|和|及", first) if p.strip()]
    return parts if len(parts) >= 2 and all(2 <= len(p) <= 30 for p in parts) else []


def asked_year(q: str, doc: DocumentRecord) -> int:
    """The one year a question names (“2018年的公务接待费”), else the document's own year."""
    years = set(years_named(q)) | set(years_compared(q))
    return years.pop() if len(years) == 1 else doc.year


def older_year(q: str, doc: DocumentRecord) -> bool:
    """The question names a year before the document's (a date such as 截至2025年底 is not one)."""
    named = years_named(q) + years_compared(q)
    return any(y < doc.year for y in named)


def is_follow_up(q: str) -> bool:
    """“那上年呢？”, “2024年呢？”, “其中公务接待费呢？”, “比上年增长了多少？”: short, and leaning on the
    question before."""
    q = q.strip()
    lean = re.match(r"^(那|那么|其中|和|跟|与|还有|它|这)", q) or q.rstrip("？?。 ").endswith("呢")
    return len(q) <= 20 and bool(lean or re.match(r"^(?:比|较|和|与|跟)(?:上年|去年|上一年)", q))


def expand_follow_up(q: str, last: Answer) -> str:
    """The previous question with the new part: another year in place of its year, a comparison
    appended, or the new item after it (the last-named item is the one asked)."""
    core = re.sub(r"^(那么|那|其中|还有|和|跟|与)", "", q.strip()).rstrip("呢？?吗。 ")
    previous = last.question.rstrip("？?。 ")
    year = re.fullmatch(r"(20\d{2})\s*年度?", core)
    if year:
        return re.sub(r"20\d{2}\s*年度?", f"{year.group(1)}年", previous) + "？"
    if re.match(r"^(?:比|较|和|与|跟)(?:上年|去年|上一年)", core):
        return f"{previous}，{core}？"
    root = previous.split("，")[0]  # an item asked after a chain replaces the chain's last part
    return f"{root}，{core}" if core else last.question


def other_side(q: str, words: str) -> bool:
    """Whether `words` name only the other side of an account than the question (支出 for 收入)."""
    for pair in frame_lexicon()["opposites"]:
        for asked, other in (pair, pair[::-1]):
            if asked in q and other not in q and other in words and asked not in words:
                return True
    return False


def scope_missing(q: str, words: str) -> bool:
    """Whether the question names a money scope (一般公共预算, 基本支出 …) that `words` do not."""
    return any(w in q and w not in words for w in frame_lexicon()["scopes"])
