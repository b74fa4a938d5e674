"""Offsets and re-anchoring rules on plain strings."""

import pytest

from articles.anchoring import context_of, find_anchor, utf16_to_code_points

TEXT = "学不厌精，探赜钩深。“学在深处”，是在发展新质生产力上善作善成必须下好的先手棋。"


def test_utf16_offsets_become_code_points_outside_the_bmp():
    text = "𠀀学习𠀀贯彻"  # 𠀀 is U+20000: two UTF-16 units, one code point
    assert utf16_to_code_points(text, 0) == 0
    assert utf16_to_code_points(text, 2) == 1
    assert utf16_to_code_points(text, 4) == 3
    assert utf16_to_code_points(text, 6) == 4
    assert utf16_to_code_points(text, 8) == 6  # the end of the text


@pytest.mark.parametrize("offset", [-1, 1, 9, 100])
def test_utf16_offsets_outside_or_inside_a_surrogate_pair_are_refused(offset):
    with pytest.raises(ValueError):
        utf16_to_code_points("𠀀学习𠀀贯彻", offset)


def test_context_is_32_characters_each_side():
    text = "甲" * 40 + "新质生产力" + "乙" * 40
    prefix, suffix = context_of(text, 40, 45)
    assert prefix == "甲" * 32
    assert suffix == "乙" * 32


def test_quote_still_in_place_keeps_its_position():
    anchor = find_anchor(TEXT, TEXT, "探赜钩深", 5, 9, "学不厌精，", "。")
    assert (anchor.start, anchor.end, anchor.how) == (5, 9, "position")


def test_moved_quote_is_found_by_its_text():
    new = "开篇新增一句。" + TEXT
    anchor = find_anchor(new, TEXT, "探赜钩深", 5, 9, "学不厌精，", "。“学在深处”")
    assert new[anchor.start : anchor.end] == "探赜钩深"
    assert anchor.how == "quote"


def test_repeated_quote_goes_where_the_context_matches():
    old = "学习贯彻。要抓落实，更要抓学习贯彻。"
    start = old.rindex("学习贯彻")
    prefix, suffix = context_of(old, start, start + 4)
    new = "学习贯彻是前提。" + old
    anchor = find_anchor(new, old, "学习贯彻", start, start + 4, prefix, suffix)
    assert anchor.start == new.rindex("学习贯彻")


def test_changed_wording_is_matched_fuzzily():
    quote = "是在发展新质生产力上善作善成"
    start = TEXT.index(quote)
    new = TEXT.replace("发展", "加快发展")
    anchor = find_anchor(new, TEXT, quote, start, start + len(quote), "", "")
    assert anchor.how == "fuzzy"
    assert new[anchor.start : anchor.end] == "是在加快发展新质生产力上善作善成"


def test_deleted_passage_cannot_be_placed():
    quote = "是在发展新质生产力上善作善成"
    start = TEXT.index(quote)
    new = "学不厌精，探赜钩深。必须下好的先手棋。"
    assert find_anchor(new, TEXT, quote, start, start + len(quote), "", "") is None


def test_offsets_count_code_points_outside_the_bmp():
    old = "𠀀字是扩展B区的字，学习贯彻。"
    new = "𠀀𠀀两个扩展B区的字，学习贯彻。"
    start = old.index("学习贯彻")
    anchor = find_anchor(new, old, "学习贯彻", start, start + 4, "", "")
    assert new[anchor.start : anchor.end] == "学习贯彻"
