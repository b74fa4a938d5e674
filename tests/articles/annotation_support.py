"""Shared set-up for the annotation tests: a note on a paragraph's first four
characters, written through the service the reader uses."""

from articles.services import annotate_paragraph


def annotate_opening(author, paragraph, note, group=None, **extra):
    """``author``'s note on the first four characters of ``paragraph``, private
    or shared with ``group``; ``extra`` goes to the service (themes, ...)."""
    return annotate_paragraph(
        author=author,
        paragraph=paragraph,
        start=0,
        end=4,
        quote=paragraph.text[:4],
        note=note,
        group=group,
        **extra,
    )
