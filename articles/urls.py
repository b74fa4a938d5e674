from django.urls import path

from . import views

app_name = "articles"

urlpatterns = [
    path("articles/", views.ArticleListView.as_view(), name="list"),
    path("articles/<int:pk>/", views.article_detail, name="detail"),
    path("themes/<str:slug>/", views.theme_detail, name="theme"),
    # Annotations, replies, reading progress and exports (issue 3)
    path("articles/<int:pk>/studied/", views.article_studied, name="article_studied"),
    path(
        "articles/<int:pk>/annotations.jsonld",
        views.article_annotations_jsonld,
        name="annotations_jsonld",
    ),
    path(
        "articles/<int:pk>/annotations.md",
        views.article_annotations_markdown,
        name="annotations_markdown",
    ),
    path("articles/<int:pk>/handout/", views.article_handout, name="handout"),
    path(
        "paragraphs/<int:pk>/annotate/",
        views.annotation_create,
        name="annotation_create",
    ),
    path("annotations/", views.my_annotations, name="my_annotations"),
    path("annotations/<int:pk>/", views.annotation_detail, name="annotation"),
    path("annotations/<int:pk>/edit/", views.annotation_edit, name="annotation_edit"),
    path(
        "annotations/<int:pk>/delete/",
        views.annotation_delete,
        name="annotation_delete",
    ),
    path("annotations/<int:pk>/replies/", views.reply_create, name="reply_create"),
    path("replies/<int:pk>/edit/", views.reply_edit, name="reply_edit"),
    path("replies/<int:pk>/delete/", views.reply_delete, name="reply_delete"),
]
