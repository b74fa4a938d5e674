"""The page and type set-up of our Word documents: GB/T 9704-2012 as units apply it.

python-docx's default template names theme fonts, so Chinese text falls back to
MS Mincho and headings come out blue. Instead every document starts from styles
written here, in code (no binary template to keep in step):

- A4, margins top 37 mm, left 28 mm, right 26 mm, bottom 35 mm (a 156 × 225 mm
  text block: 22 lines of 28 characters of 3号 type).
- Title 2号 (22 pt) 方正小标宋简体; body 3号 (16 pt) 仿宋_GB2312 at a fixed 29 pt
  pitch (225 mm ÷ 22 lines); heading 一、 in 黑体, （一） in 楷体_GB2312; digits and
  Latin letters in Times New Roman.
- Page numbers "— 1 —" in 4号 宋体 under the text block, odd pages right and even
  pages left, one character in from the edge.

Every rFonts names ``w:eastAsia`` explicitly (Word and WPS use it for Chinese
text), and ``word/fontTable.xml`` lists fallbacks (``w:altName``) for machines
without the 方正/_GB2312 faces. Fixed line spacing also makes the page count
independent of the font a machine substitutes: a line is 29 pt whatever face
draws it, which is what lets the tests count pages with LibreOffice here.
"""

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]  # 156

LATIN = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"

# Names tried in turn where the first is missing (ECMA-376 §17.8.3.1 altName):
# the Windows names first, then the free faces LibreOffice finds on Linux.
FALLBACKS = {
    TITLE_FONT: ["小标宋", "华文中宋", "宋体", "Noto Serif CJK SC"],
    BODY_FONT: ["仿宋", "FangSong", "Noto Serif CJK SC"],
    HEADING_FONT: ["SimHei", "Noto Sans CJK SC"],
    SUBHEADING_FONT: ["楷体", "KaiTi", "Noto Serif CJK SC"],
    PAGE_NUMBER_FONT: ["SimSun", "Noto Serif CJK SC"],
}

BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
PAGE_NUMBER_PT = 14  # 4号
TABLE_PT = 14  # 4号: the record-book table
LINE_PT = 29  # fixed pitch of the body (225 mm / 22 lines ≈ 29 pt)
TABLE_LINE_PT = 22


def twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def _fonts(east_asia: str, latin: str = LATIN) -> str:
    return (
        f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" '
        f'w:cs="{latin}" w:hint="eastAsia"/>'
    )


def _run(east_asia: str, size_pt: float, *, latin: str = LATIN, bold=False) -> str:
    half_points = round(size_pt * 2)
    return (
        "<w:rPr>"
        + _fonts(east_asia, latin)
        + ("<w:b/><w:bCs/>" if bold else "")
        + '<w:color w:val="000000"/>'
        + f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
        + '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
        + "</w:rPr>"
    )


def _spacing(line_pt: float, before_pt: float = 0, after_pt: float = 0) -> str:
    return (
        f'<w:spacing w:before="{round(before_pt * 20)}"'
        f' w:after="{round(after_pt * 20)}"'
        f' w:line="{round(line_pt * 20)}" w:lineRule="exact"/>'
    )


def _paragraph_style(
    style_id: str,
    name: str,
    run: str,
    *,
    ppr: str = "",
    based_on: str = "Normal",
    default: bool = False,
) -> str:
    return (
        f'<w:style w:type="paragraph" w:styleId="{style_id}"'
        + (' w:default="1"' if default else "")
        + f'><w:name w:val="{name}"/>'
        + (f'<w:basedOn w:val="{based_on}"/>' if based_on else "")
        + '<w:qFormat/><w:pPr><w:snapToGrid w:val="0"/>'
        + ppr
        + "</w:pPr>"
        + run
        + "</w:style>"
    )


INDENT_2 = f'<w:ind w:firstLineChars="200" w:firstLine="{BODY_PT * 2 * 20}"/>'


def _styles_xml() -> str:
    border = '<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    borders = "".join(
        border.format(side=side)
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    styles = [
        _paragraph_style(
            "Normal",
            "Normal",
            _run(BODY_FONT, BODY_PT),
            ppr=_spacing(LINE_PT) + '<w:jc w:val="both"/>',
            based_on="",
            default=True,
        ),
        _paragraph_style(
            "Body",
            "Body Text",
            _run(BODY_FONT, BODY_PT),
            ppr=INDENT_2,
        ),
        _paragraph_style(
            "Title",
            "Title",
            _run(TITLE_FONT, TITLE_PT),
            ppr='<w:keepNext/><w:jc w:val="center"/>' + _spacing(36),
        ),
        _paragraph_style(
            "Heading1",
            "heading 1",
            _run(HEADING_FONT, BODY_PT),
            ppr="<w:keepNext/><w:keepLines/>"
            + INDENT_2
            + _spacing(LINE_PT)
            + '<w:outlineLvl w:val="0"/>',
        ),
        _paragraph_style(
            "Heading2",
            "heading 2",
            _run(SUBHEADING_FONT, BODY_PT),
            ppr="<w:keepNext/><w:keepLines/>"
            + INDENT_2
            + _spacing(LINE_PT)
            + '<w:outlineLvl w:val="1"/>',
        ),
        _paragraph_style(
            "TableText",
            "Table Text",
            _run(BODY_FONT, TABLE_PT),
            ppr=_spacing(TABLE_LINE_PT) + '<w:jc w:val="left"/>',
        ),
        _paragraph_style(
            "TableCompact",
            "Table Compact",
            _run(BODY_FONT, 12),
            ppr=_spacing(16) + '<w:jc w:val="center"/>',
        ),
        _paragraph_style(
            "TableSmall",
            "Table Small",
            _run(BODY_FONT, 10.5),
            ppr=_spacing(13) + '<w:jc w:val="center"/>',
        ),
        _paragraph_style(
            "TableLabelSmall",
            "Table Label Small",
            _run(HEADING_FONT, 10.5),
            ppr=_spacing(13) + '<w:jc w:val="center"/>',
        ),
        _paragraph_style(
            "TableMini",
            "Table Mini",
            _run(BODY_FONT, 9),
            ppr=_spacing(11) + '<w:jc w:val="center"/>',
        ),
        _paragraph_style(
            "TableLabel",
            "Table Label",
            _run(HEADING_FONT, TABLE_PT),
            ppr=_spacing(TABLE_LINE_PT) + '<w:jc w:val="center"/>',
        ),
        _paragraph_style(
            "Header",
            "header",
            _run(HEADING_FONT, TABLE_PT),
            ppr='<w:jc w:val="center"/>' + _spacing(TABLE_LINE_PT),
        ),
        _paragraph_style(
            "Footer",
            "footer",
            _run(PAGE_NUMBER_FONT, PAGE_NUMBER_PT, latin=PAGE_NUMBER_FONT),
            ppr=_spacing(TABLE_LINE_PT),
        ),
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/>'
        "<w:semiHidden/></w:style>",
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal">'
        '<w:name w:val="Normal Table"/><w:semiHidden/><w:tblPr>'
        '<w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
        '<w:top w:w="0" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr></w:style>",
        '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/>'
        '<w:basedOn w:val="TableNormal"/><w:pPr>'
        + _spacing(TABLE_LINE_PT)
        + "</w:pPr>"
        + _run(BODY_FONT, TABLE_PT)
        + f"<w:tblPr><w:tblBorders>{borders}</w:tblBorders></w:tblPr></w:style>",
        '<w:style w:type="numbering" w:default="1" w:styleId="NoList">'
        '<w:name w:val="No List"/><w:semiHidden/></w:style>',
    ]
    return (
        f"<w:styles {nsdecls('w')}><w:docDefaults><w:rPrDefault>"
        + _run(BODY_FONT, BODY_PT)
        + "</w:rPrDefault><w:pPrDefault><w:pPr>"
        + _spacing(LINE_PT)
        + "</w:pPr></w:pPrDefault></w:docDefaults>"
        + "".join(styles)
        + "</w:styles>"
    )


def _font_table_xml() -> str:
    fonts = [
        f'<w:font w:name="{LATIN}"><w:charset w:val="00"/>'
        '<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>'
    ]
    for name, alternatives in FALLBACKS.items():
        family = "swiss" if name == HEADING_FONT else "modern"
        fonts.append(
            f'<w:font w:name="{name}"><w:altName w:val="{",".join(alternatives)}"/>'
            f'<w:charset w:val="86"/><w:family w:val="{family}"/>'
            '<w:pitch w:val="fixed"/></w:font>'
        )
    return f"<w:fonts {nsdecls('w')}>" + "".join(fonts) + "</w:fonts>"


def _replace_children(element, new_root) -> None:
    for child in list(element):
        element.remove(child)
    for child in list(new_root):
        element.append(child)


def _font_table_part(document):
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    for rel in document.part.rels.values():
        if rel.reltype == RT.FONT_TABLE:
            return rel.target_part
    return None


def new_document(*, planned: bool = False) -> Document:
    """An empty A4 document with our styles, page numbers and, for a session
    that has not been held, 未举行 in the header of every page."""
    document = Document()
    _replace_children(document.styles.element, parse_xml(_styles_xml()))
    font_part = _font_table_part(document)
    if font_part is not None:
        # The part is kept as raw XML by python-docx: replace its bytes.
        font_part._blob = _font_table_xml().encode()
    section = document.sections[0]
    set_page(section)
    document.settings.odd_and_even_pages_header_footer = True
    add_page_numbers(section)
    if planned:
        mark_planned(section)
    return document


def set_page(section) -> None:
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    # The page number's dash line sits 7 mm under the text block (GB/T 9704 §7.5).
    section.footer_distance = Mm(MARGINS_MM["bottom"] - 7 - 5)
    section.header_distance = Mm(15)


def add_field(paragraph, instruction: str, cached: str = "1"):
    """A Word field (PAGE, PAGEREF …) with ``cached`` as the text shown until the
    application updates it."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None)):
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
    shown = paragraph.add_run(cached)
    end = paragraph.add_run()
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), "end")
    end._r.append(element)
    return shown


def _page_number(footer, align) -> None:
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.text = ""
    paragraph.style = "Footer"
    paragraph.alignment = align
    indent = Pt(PAGE_NUMBER_PT)  # 空一字
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = indent
    else:
        paragraph.paragraph_format.left_indent = indent
    paragraph.add_run("— ")
    add_field(paragraph, "PAGE")
    paragraph.add_run(" —")


def add_page_numbers(section, *, restart: bool = False) -> None:
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)
    if restart:
        number = OxmlElement("w:pgNumType")
        number.set(qn("w:start"), "1")
        section._sectPr.append(number)


def no_page_numbers(section) -> None:
    """A cover or contents section: empty footers (not inherited)."""
    for footer in (section.footer, section.even_page_footer):
        footer.is_linked_to_previous = False
        footer.paragraphs[0].text = ""


PLANNED_MARK = "未举行（计划）"


def mark_planned(section, text: str | None = None) -> None:
    """未举行 at the top of every page: the document describes a session that has
    not taken place and must not pass for its record."""
    from django.utils.translation import gettext as _

    label = text or _("Not held (planned): this is not a study record")
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph.text = ""
        paragraph.style = "Header"
        paragraph.add_run(label)


def spacer(document, height_pt: float):
    """An empty paragraph of an exact height, between tables."""
    paragraph = document.add_paragraph(style="Table Small")
    paragraph.paragraph_format.line_spacing = Pt(height_pt)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    return paragraph


def fixed_table(container, widths_mm: list[float], style: str = "Table Grid"):
    """A table whose column widths every application reads the same way: fixed
    layout, tblW, tblGrid/gridCol and each cell's tcW all in twips. Rows are added
    with ``add_row`` (below), which repeats the widths on every cell."""
    table = container.add_table(rows=0, cols=len(widths_mm))
    table.style = style
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    widths = [twips(w) for w in widths_mm]
    for tag in ("w:tblW", "w:tblLayout", "w:jc"):
        for old in tbl_pr.findall(qn(tag)):
            tbl_pr.remove(old)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(sum(widths)))
    width.set(qn("w:type"), "dxa")
    tbl_pr.append(width)
    justify = OxmlElement("w:jc")
    justify.set(qn("w:val"), "center")
    tbl_pr.append(justify)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    grid = table._tbl.tblGrid
    for col in list(grid):
        grid.remove(col)
    for value in widths:
        col = OxmlElement("w:gridCol")
        col.set(qn("w:w"), str(value))
        grid.append(col)
    table.widths_twips = widths
    return table


def add_row(
    table,
    values: list[str],
    *,
    styles: list[str] | None = None,
    header: bool = False,
    cant_split: bool = True,
    height_pt: float | None = None,
    keep_with_next: bool = True,
    valign: str = "center",
):
    """One row of ``fixed_table``; a value with line breaks becomes paragraphs."""
    row = table.add_row()
    tr_pr = row._tr.get_or_add_trPr()
    if cant_split:
        tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))
    if height_pt:
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(round(height_pt * 20)))
        height.set(qn("w:hRule"), "atLeast")
        tr_pr.append(height)
    for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
        tc_pr = cell._tc.get_or_add_tcPr()
        for old in tc_pr.findall(qn("w:tcW")):
            tc_pr.remove(old)
        width = OxmlElement("w:tcW")
        width.set(qn("w:w"), str(table.widths_twips[index]))
        width.set(qn("w:type"), "dxa")
        tc_pr.insert(0, width)
        align = OxmlElement("w:vAlign")
        align.set(qn("w:val"), valign)
        tc_pr.append(align)
        style = (styles[index] if styles else None) or "Table Text"
        lines = str(value).split("\n")
        first = cell.paragraphs[0]
        first.style = style
        first.add_run(lines[0])
        for line in lines[1:]:
            cell.add_paragraph(line, style=style)
        if keep_with_next:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True
    return row
