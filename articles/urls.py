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
    # Study sessions (issue 4)
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/status/", views.session_status, name="session_status"),
    path(
        "sessions/<int:pk>/attendance/",
        views.session_attendance,
        name="session_attendance",
    ),
    path(
        "sessions/<int:pk>/materials/<int:article_pk>/",
        views.material_paragraphs,
        name="material_paragraphs",
    ),
    path("sessions/<int:pk>/sign-in/", views.sign_in_sheet, name="sign_in_sheet"),
    path("sessions/<int:pk>/sign-in.docx", views.sign_in_docx, name="sign_in_docx"),
    path("sessions/<int:pk>/record.docx", views.session_docx, name="session_docx"),
    path("sessions/<int:pk>/speeches/new/", views.note_create, name="note_create"),
    path("speeches/<int:pk>/", views.note_in_record, name="note_in_record"),
    path("speeches/<int:pk>/edit/", views.note_edit, name="note_edit"),
    path("speeches/<int:pk>/delete/", views.note_delete, name="note_delete"),
    path("speeches/<int:pk>/move/", views.note_move, name="note_move"),
    path("make-up/", views.make_up_list, name="make_up_list"),
    path("make-up/<int:pk>/", views.make_up_detail, name="make_up_detail"),
    path(
        "groups/<int:group_pk>/sessions/new/",
        views.session_create,
        name="session_create",
    ),
    path(
        "groups/<int:pk>/statistics/", views.group_statistics, name="group_statistics"
    ),
    path("groups/<int:pk>/plan/", views.group_plan, name="group_plan"),
    path(
        "groups/<int:pk>/plan/items/<int:item_pk>/edit/",
        views.plan_item_edit,
        name="plan_item_edit",
    ),
    path(
        "groups/<int:pk>/plan/items/<int:item_pk>/delete/",
        views.plan_item_delete,
        name="plan_item_delete",
    ),
    path(
        "groups/<int:pk>/attendance-<int:year>.xlsx",
        views.group_attendance_xlsx,
        name="group_attendance_xlsx",
    ),
    path(
        "groups/<int:pk>/dossier-<int:year>.docx",
        views.group_dossier_docx,
        name="group_dossier_docx",
    ),
    path("archive/", views.member_archive, name="my_archive"),
    path("archive/<int:pk>/", views.member_archive, name="member_archive"),
    path("search/", views.search_results, name="search"),
]
