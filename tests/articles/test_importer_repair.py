"""Text repairs on real sentences of the seed."""

import pytest

from articles.importer.repair import (
    collapse_title_spaces,
    ends_sentence,
    fix_punctuation,
    join_pieces,
    remove_wrap_spaces,
)


def test_wrap_spaces_inside_chinese_sentences_are_removed():
    text = '习近平总书记视察天津并发表重要讲话,对新征 程上天津工作提出了"四个善作善成"'
    assert remove_wrap_spaces(text) == text.replace(" ", "")


def test_wrap_space_before_an_ascii_quote_is_removed():
    text = '学在深处、谋在新处、干在实处,不断提高 "善"的能力本领'
    assert remove_wrap_spaces(text) == text.replace(" ", "")


def test_space_printed_inside_a_line_is_kept():
    block = (
        '"亲历者宣讲小分队"作用,把党的创新理论宣讲做得绘声绘 '
        '色、有滋有味。开设"牢记嘱托 善作善成"等网络专题专栏、 '
        "微话题,全景展现南开区贯彻落实习近平总书记重要讲话精"
    )
    assert remove_wrap_spaces(block) == (
        '"亲历者宣讲小分队"作用,把党的创新理论宣讲做得绘声绘'
        '色、有滋有味。开设"牢记嘱托 善作善成"等网络专题专栏、'
        "微话题,全景展现南开区贯彻落实习近平总书记重要讲话精"
    )


def test_spaces_between_latin_words_and_numbers_are_kept():
    assert remove_wrap_spaces("version 5 and 6") == "version 5 and 6"
    assert "Open Source" in remove_wrap_spaces("推广 Open Source 软件")


def test_wrap_space_next_to_a_number_is_removed():
    block = (
        "结合我市重点产业发展需要，高质量谋划开展 "
        "2024年度局领导班子调研课题，拿出接地 "
        "气、有实效的报告成果，组织开展精准帮扶。"
    )
    assert remove_wrap_spaces(block) == block.replace(" ", "")


def test_title_keeps_the_spaces_between_its_phrases():
    title = "学在深处  谋在新处\u3000干在实处 在发展新质生产力上勇争先 善作为"
    assert collapse_title_spaces(title) == (
        "学在深处 谋在新处 干在实处 在发展新质生产力上勇争先 善作为"
    )


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        (
            '构建完善"1+3+4"现代化产业体系,全力推动智能科技产业引领发展,保持先发优势;',
            "构建完善“1+3+4”现代化产业体系，全力推动智能科技产业引领发展，保持先发优势；",
        ),
        (
            "健全党委领导、党政统筹、简约高效的街道(乡镇)管理体制,优化联系服务群众格局",
            "健全党委领导、党政统筹、简约高效的街道（乡镇）管理体制，优化联系服务群众格局",
        ),
        (
            '对新征程上天津工作提出了"四个善作善成"的重要要求,其中之一',
            "对新征程上天津工作提出了“四个善作善成”的重要要求，其中之一",
        ),
        (
            "强化人工智能、5G、工业互联网等赋能作用;明确2024年113项年度工作任务",
            "强化人工智能、5G、工业互联网等赋能作用；明确2024年113项年度工作任务",
        ),
        ("党委(党组)理论学习中心组图地", "党委（党组）理论学习中心组图地"),
        ('习近平总书记指出, "时代是出卷人"', "习近平总书记指出，“时代是出卷人”"),
        ("会议时间:10:30,共1,000人参加!", "会议时间：10:30，共1,000人参加！"),
    ],
)
def test_ascii_punctuation_in_chinese_becomes_full_width(raw, fixed):
    assert fix_punctuation(raw.replace(" ", "")) == (fixed, True)


def test_latin_text_is_left_alone():
    assert fix_punctuation('He said: "f(x) = 1, ok?"') == (
        'He said: "f(x) = 1, ok?"',
        True,
    )


def test_unbalanced_quotes_are_reported():
    text, balanced = fix_punctuation('全面加强党对全市性行业协会商会、"两')
    assert text == "全面加强党对全市性行业协会商会、“两"
    assert not balanced


def test_wrapped_pieces_join_without_space_in_chinese_and_with_one_in_latin():
    assert join_pieces("抢占发展新赛", "道,让全产业体系迸发新活力。") == (
        "抢占发展新赛道,让全产业体系迸发新活力。"
    )
    assert join_pieces("Open", "Source") == "Open Source"
    assert join_pieces("行动方案20", "24年113项") == "行动方案2024年113项"
    assert join_pieces("新征 ", "程上") == "新征 程上"


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("是全面建设社会主义现代化大都市的必然选择、必由之路。", True),
        ("叮嘱我们“要把灾区群众的生产生活安排好。”", True),
        ("集中力量办成一批群众可", False),
        ("推动广大党员干部奋发有为惠民生、暖民", False),
        ("全市性行业协会商会、“两", False),
    ],
)
def test_ends_sentence(text, ends):
    assert ends_sentence(text) is ends
