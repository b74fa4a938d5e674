from .annotations import (
    annotation_create,
    annotation_delete,
    annotation_detail,
    annotation_edit,
    article_studied,
    my_annotations,
    reply_create,
    reply_delete,
    reply_edit,
)
from .exports import (
    article_annotations_jsonld,
    article_annotations_markdown,
    article_handout,
)
from .materials import ArticleListView, article_detail, theme_detail

__all__ = [
    "ArticleListView",
    "annotation_create",
    "annotation_delete",
    "annotation_detail",
    "annotation_edit",
    "article_annotations_jsonld",
    "article_annotations_markdown",
    "article_detail",
    "article_handout",
    "article_studied",
    "my_annotations",
    "reply_create",
    "reply_delete",
    "reply_edit",
    "theme_detail",
]
