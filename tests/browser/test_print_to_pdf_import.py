"""PDF as office software writes it: embedded subsets of a CJK font with a ToUnicode
map, justified text, a running head and page numbers. Chromium's print engine
(Skia) writes such files, as Word's and WPS's exporters do; it also maps some
glyphs to their Kangxi-radical look-alikes (⽂ for 文), as those exporters do."""

import pytest

from articles.importer import parse_document
from tests.articles import seed_variants as seed

pytestmark = pytest.mark.browser


def _contents(articles):
    return [
        (a.title, a.author, a.source, [(p.kind, p.text) for p in a.paragraphs])
        for a in articles
    ]


@pytest.mark.parametrize(
    ("columns", "page_per_article"),
    [(1, True), (2, True), (2, False)],
    ids=["one-column", "two-columns", "two-balanced-columns-titles-mid-page"],
)
def test_printed_pdf_imports_like_the_seed(browser, columns, page_per_article):
    page = browser.new_page()
    try:
        page.set_content(seed.as_print_html(columns, page_per_article=page_per_article))
        data = page.pdf(
            format="A4",
            display_header_footer=True,
            header_template=(
                "<div style='font-size:8pt;width:100%;text-align:center'>"
                f"{seed.RUNNING_HEAD}</div>"
            ),
            footer_template=(
                "<div style='font-size:8pt;width:100%;text-align:center'>"
                "— <span class='pageNumber'></span> —</div>"
            ),
            margin={"top": "25mm", "bottom": "25mm", "left": "20mm", "right": "20mm"},
        )
    finally:
        page.close()

    parsed = parse_document(data, "column.pdf")

    assert _contents(parsed.articles) == _contents(seed.seed_articles())
