"""The seed column parses to the articles a careful editor would restore, however
it is uploaded."""

import pytest

from articles.importer import ParsedDocument, parse_document
from tests.articles import seed_variants as seed

H = "heading"
B = "body"

# (title, author, paragraphs); a heading is pinned in full, a body paragraph by
# its first and last six characters.
EXPECTED = [
    (
        "以党建引领基层治理创新 推动城市治理现代化水平不断提升",
        "中共天津市委社会工作部理论学习中心组",
        [
            (B, "习近平总书记", "程、各方面。"),
            (B, "不断提高“善", "共治共享的城"),
            (B, "不断强化“作", "政府的温暖。"),
            (B, "不断深化“成", "出应有贡献。"),
        ],
    ),
    (
        "学在深处 谋在新处 干在实处 在发展新质生产力上勇争先 善作为",
        "中共天津市工业和信息化局党组理论学习中心组",
        [
            (B, "甲辰龙年来临", "工业战线上。"),
            (H, "一、全面系统学，认清发展新质生产力的重大意义"),
            (B, "学不厌精，探", "、必由之路。"),
            (H, "二、把握精髓谋，落实发展新质生产力的本质要求"),
            (B, "学贵心悟，守", "生产力培育。"),
            (H, "三、紧贴实际干，抓好发展新质生产力的工业实践"),
            (B, "为学之实，固", "迸发新活力。"),
        ],
    ),
    (
        "牢记嘱托 勇担使命 在推动文化传承发展上善作善成",
        "中共天津市南开区委理论学习中心组",
        [
            (B, "城市文化是城", "实现新提升。"),
            (H, "一、凝聚文化涵养之“魂”，在德治教化中坚定文化自信"),
            (B, "国家之魂，文", "市文明程度。"),
            (H, "二、筑牢文化惠民之“基”，在共建共享中满足人民精神文化需求"),
            (B, "文化发展成果", "”金字招牌。"),
            (H, "三、把稳文化传承之“脉”，在守正创新中彰显城市现代化新风貌"),
            (B, "中国式现代化", "度和影响力。"),
            (H, "四、用好文化发展之“钥”，在提质增效中激发文化产业活力"),
            (B, "习近平总书记", "心城市建设。"),
        ],
    ),
    (
        "牢记殷殷嘱托 感悟人民情怀 在谱写中国式现代化西青篇章中筑牢人民幸福之基",
        "中共天津市西青区委理论学习中心组",
        [
            (B, "感可及的实事", "可及的实事。"),
            (B, "习近平总书记", "、干在实处。"),
            (H, "一、深刻领悟坚持人民至上之“理”"),
            (B, "“老百姓的事", "持人民至上。"),
            (B, "深刻把握人民", "发展新局面。"),
            (B, "深刻把握人民", "果惠及人民。"),
            (B, "深刻把握人民", "足群众需求。"),
            (H, "二、努力找准坚持人民至上之“法”"),
            (B, "坚持人民至上", "、推动工作。"),
            (B, "在思想上树牢", "、善作善成。"),
            (B, "在行动上以群", "成一批群众可"),
            (B, "在成效上以群", "惠民生、暖民"),
            (H, "三、全力担当坚持人民至上之“为”"),
            (B, "习近平总书记", "感、安全感。"),
            (B, "在推进灾后恢", "批重点项目。"),
            (B, "在推动经济高", "现西青作为。"),
            (B, "在推进乡村全", "游示范片区。"),
            (B, "在提升人民群", "的良好环境。"),
        ],
    ),
]


@pytest.fixture(scope="module")
def seed_doc() -> ParsedDocument:
    return parse_document(seed.as_utf8(), "tianjin_column.txt")


def _paragraph(article_no: int, start: str):
    """The body paragraph of an article that begins with `start`."""
    article = parse_document(seed.as_utf8(), "seed.txt").articles[article_no]
    return next(p.text for p in article.paragraphs if p.text.startswith(start))


def test_seed_has_four_articles_with_titles_and_authors(seed_doc):
    assert [(a.title, a.author) for a in seed_doc.articles] == [
        (title, author) for title, author, _ in EXPECTED
    ]
    assert {a.source for a in seed_doc.articles} == {"党委（党组）理论学习中心组图地"}
    assert seed_doc.encoding == "utf-8"


@pytest.mark.parametrize("number", range(4))
def test_seed_article_paragraphs_are_restored(seed_doc, number):
    article = seed_doc.articles[number]
    expected = EXPECTED[number][2]
    assert len(article.paragraphs) == len(expected)
    for paragraph, pinned in zip(article.paragraphs, expected, strict=True):
        assert paragraph.kind == pinned[0]
        if paragraph.kind == H:
            assert paragraph.text == pinned[1]
        else:
            assert paragraph.text.startswith(pinned[1])
            assert paragraph.text.endswith(pinned[2])


def test_paragraph_split_by_a_page_inside_a_quotation_is_joined():
    text = _paragraph(0, "不断强化")
    assert "全市性行业协会商会、“两企三新”、志愿服务工作" in text


def test_paragraph_split_by_a_page_inside_a_word_is_joined():
    assert "抢占发展新赛道，让全产业体系迸发新活力。" in _paragraph(1, "为学之实")
    assert "三是大力繁荣文艺创作。营造良好环境，" in _paragraph(2, "文化发展")


def test_paragraph_split_over_three_pieces_is_joined():
    text = _paragraph(3, "在思想上")
    assert "弘扬真抓实干的工作作风。坚持打基础利长远" in text
    assert "显绩与潜绩的关系，保持战略定力和耐心，久久为功、善作善成。" in text


def test_text_lost_across_a_page_is_not_glued_to_the_next_paragraph(seed_doc):
    first, xiqing = seed_doc.articles[0], seed_doc.articles[3]
    assert first.paragraphs[1].text.endswith("构建党组织领导的共建共治共享的城")
    assert first.paragraphs[2].text.startswith("不断强化“作”的具体行动")
    assert xiqing.paragraphs[10].text.endswith("集中力量办成一批群众可")
    assert xiqing.paragraphs[11].text.startswith("在成效上以群众满意度为标尺。")
    assert xiqing.paragraphs[12].kind == H


def test_seed_warnings_report_what_could_not_be_repaired(seed_doc):
    found = [
        (n, w.code, w.paragraph_index)
        for n, article in enumerate(seed_doc.articles)
        for w in article.warnings
    ]
    assert found == [
        (0, "ends_mid_sentence", 1),
        (3, "fragment", 0),
        (3, "ends_mid_sentence", 10),
        (3, "ends_mid_sentence", 11),
    ]
    fragment = seed_doc.articles[3].warnings[0]
    assert "感可及的实事" in fragment.message
    assert "群众可" in fragment.message  # where it probably belongs
    assert "11" in fragment.message
    assert seed_doc.articles[3].paragraphs[0].text == "感可及的实事。"


def test_repairs_on_seed_sentences():
    assert (
        "构建完善“1+3+4”现代化产业体系，全力推动智能科技产业引领发展，保持先发优势；"
        in _paragraph(1, "为学之实")
    )
    assert "强化人工智能、5G、工业互联网等赋能作用" in _paragraph(1, "为学之实")
    assert "行动方案2024年113项年度工作任务；" in _paragraph(1, "学贵心悟")
    assert "全面覆盖我市12条重点产业链" in _paragraph(1, "为学之实")
    assert "简约高效的街道（乡镇）管理体制，" in _paragraph(0, "不断强化")
    assert (
        "对新征程上天津工作提出了“四个善作善成”的重要要求，其中之一就是要"
        in _paragraph(0, "习近平总书记")
    )
    # A space printed inside a line is real: a quoted column name keeps it.
    assert "开设“牢记嘱托 善作善成”等网络专题专栏、微话题" in _paragraph(2, "国家之魂")


def test_no_ascii_punctuation_or_stray_space_is_left(seed_doc):
    for article in seed_doc.articles:
        for paragraph in article.paragraphs:
            assert not set(paragraph.text) & set(',;:()"!?')
            assert paragraph.text.count(" ") == (
                1 if "牢记嘱托 善作善成" in paragraph.text else 0
            )


@pytest.mark.parametrize(
    ("variant", "filename", "encoding"),
    [
        (seed.as_utf8_bom, "seed.txt", "utf-8-sig"),
        (seed.as_gbk_crlf, "seed.txt", "gb18030"),
        (seed.as_lone_cr, "seed.TXT", "gb18030"),
        (seed.hard_wrapped, "seed.txt", "utf-8"),
        (seed.without_blank_lines, "seed.text", "utf-8"),
        (seed.heading_split_over_two_blocks, "seed.txt", "utf-8"),
        (seed.as_docx, "seed.docx", "docx"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_every_variant_parses_like_the_seed(seed_doc, variant, filename, encoding):
    parsed = parse_document(variant(), filename)
    assert parsed.encoding == encoding
    assert parsed.articles == seed_doc.articles


def test_docx_heading_style_marks_a_heading_without_a_number():
    data = seed.docx_from_lines(
        [
            ("学习体会", "Title"),
            ("中共滨江区委理论学习中心组", None),
            ("我们把学习贯彻党的创新理论作为首要政治任务。", None),
            ("学深悟透", "Heading 2"),
            ("坚持原原本本学、联系实际学。", None),
        ]
    )
    article = parse_document(data, "a.docx").articles[0]
    assert article.title == "学习体会"
    assert [p.kind for p in article.paragraphs] == [B, H, B]


def test_hand_written_column_with_indents_and_sub_headings():
    parsed = parse_document(seed.HAND_WRITTEN, "column.txt")
    assert parsed.encoding == "gb18030"
    [article] = parsed.articles
    assert article.source == "理论学习中心组园地"
    assert article.title == "坚持学思用贯通 推动主题教育走深走实"
    assert article.author == "中共滨江区委理论学习中心组"
    assert [(p.kind, p.text[:8]) for p in article.paragraphs] == [
        (B, "今年以来，区委理"),
        (H, "一、坚持学深悟透"),
        (H, "（一）突出集中研"),
        (B, "全年安排集中学习"),
        (H, "（二）突出个人自"),
        (B, "建立“1+N”自"),
        (H, "二、坚持学以致用"),
        (B, "把学习成果转化为"),
    ]
    assert article.paragraphs[3].text == (
        "全年安排集中学习12次，围绕“四下基层”等专题开展交流研讨，形成调研报告5篇。"
    )
    assert article.paragraphs[-1].text.endswith("群众满意率达到98.5%。")
    assert article.warnings == []


def test_plain_article_without_author_line_is_one_article():
    text = "学习心得\n\n我们认真学习了讲话精神。\n\n大家一致认为要学以致用。\n"
    [article] = parse_document(text.encode(), "note.txt").articles
    assert (article.title, article.author, article.source) == ("学习心得", "", "")
    assert [p.text for p in article.paragraphs] == [
        "我们认真学习了讲话精神。",
        "大家一致认为要学以致用。",
    ]
    # Short complete paragraphs are not fragments when nothing was lost.
    assert article.warnings == []


def test_unfinished_last_paragraph_and_unbalanced_quotes_are_reported():
    text = (
        "学习心得\n\n中共滨江区委理论学习中心组\n\n"
        '我们认真学习了讲话精神,深刻领会"两个确立的决定性意义。\n\n'
        "大家一致认为,要把学习成果转化为推动发展的实际成效,努力办好群众"
    )
    article = parse_document(text.encode(), "note.txt").articles[0]
    assert [(w.code, w.paragraph_index) for w in article.warnings] == [
        ("unbalanced_quotes", 0),
        ("ends_mid_sentence", 1),
    ]
    assert all(w.message for w in article.warnings)
