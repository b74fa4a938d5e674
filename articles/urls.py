from django.urls import path

from studyhub import params  # noqa: F401  (registers the id and year converters)

from . import views

app_name = "articles"

urlpatterns = [
    path("articles/", views.ArticleListView.as_view(), name="list"),
    path("jobs/<id:pk>/progress/", views.job_progress, name="job_progress"),
    path("articles/<id:pk>/", views.article_detail, name="detail"),
    path("themes/<label:slug>/", views.theme_detail, name="theme"),
    # Annotations, replies, reading progress and exports (issue 3)
    path("articles/<id:pk>/studied/", views.article_studied, name="article_studied"),
    path(
        "articles/<id:pk>/annotations.jsonld",
        views.article_annotations_jsonld,
        name="annotations_jsonld",
    ),
    path(
        "articles/<id:pk>/annotations.md",
        views.article_annotations_markdown,
        name="annotations_markdown",
    ),
    path("articles/<id:pk>/handout/", views.article_handout, name="handout"),
    path(
        "paragraphs/<id:pk>/annotate/",
        views.annotation_create,
        name="annotation_create",
    ),
    path("annotations/", views.my_annotations, name="my_annotations"),
    path("annotations/<id:pk>/", views.annotation_detail, name="annotation"),
    path("annotations/<id:pk>/edit/", views.annotation_edit, name="annotation_edit"),
    path(
        "annotations/<id:pk>/delete/",
        views.annotation_delete,
        name="annotation_delete",
    ),
    path("annotations/<id:pk>/replies/", views.reply_create, name="reply_create"),
    path("replies/<id:pk>/edit/", views.reply_edit, name="reply_edit"),
    path("replies/<id:pk>/delete/", views.reply_delete, name="reply_delete"),
    # Study sessions (issue 4)
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/<id:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<id:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<id:pk>/status/", views.session_status, name="session_status"),
    path(
        "sessions/<id:pk>/attendance/",
        views.session_attendance,
        name="session_attendance",
    ),
    path(
        "sessions/<id:pk>/materials/<id:article_pk>/",
        views.material_paragraphs,
        name="material_paragraphs",
    ),
    path("sessions/<id:pk>/sign-in/", views.sign_in_sheet, name="sign_in_sheet"),
    path("sessions/<id:pk>/sign-in.docx", views.sign_in_docx, name="sign_in_docx"),
    path("sessions/<id:pk>/record.docx", views.session_docx, name="session_docx"),
    path("sessions/<id:pk>/speeches/new/", views.note_create, name="note_create"),
    path("speeches/<id:pk>/", views.note_in_record, name="note_in_record"),
    path("speeches/<id:pk>/edit/", views.note_edit, name="note_edit"),
    path("speeches/<id:pk>/delete/", views.note_delete, name="note_delete"),
    path("speeches/<id:pk>/move/", views.note_move, name="note_move"),
    # Sign-in at the meeting by the room's QR code (issue 15)
    path("sessions/<id:pk>/check-in/", views.signin_scan, name="signin_scan"),
    path(
        "sessions/<id:pk>/check-in/observer/",
        views.signin_observer,
        name="signin_observer",
    ),
    path(
        "sessions/<id:pk>/check-in/screen/", views.signin_screen, name="signin_screen"
    ),
    path("sessions/<id:pk>/check-in/code/", views.signin_code, name="signin_code"),
    path("sessions/<id:pk>/check-in/board/", views.signin_board, name="signin_board"),
    path(
        "sessions/<id:pk>/check-in/observers/<id:entry_pk>/",
        views.signin_observer_decide,
        name="signin_observer_decide",
    ),
    path("make-up/", views.make_up_list, name="make_up_list"),
    path("make-up/<id:pk>/", views.make_up_detail, name="make_up_detail"),
    path(
        "groups/<id:group_pk>/sessions/new/",
        views.session_create,
        name="session_create",
    ),
    path("groups/<id:pk>/statistics/", views.group_statistics, name="group_statistics"),
    path("groups/<id:pk>/plan/", views.group_plan, name="group_plan"),
    path(
        "groups/<id:pk>/members/", views.group_member_order, name="group_member_order"
    ),
    path(
        "groups/<id:pk>/members/<id:membership_pk>/move/",
        views.group_member_move,
        name="group_member_move",
    ),
    path(
        "groups/<id:pk>/plan/items/<id:item_pk>/edit/",
        views.plan_item_edit,
        name="plan_item_edit",
    ),
    path(
        "groups/<id:pk>/plan/items/<id:item_pk>/delete/",
        views.plan_item_delete,
        name="plan_item_delete",
    ),
    path(
        "groups/<id:pk>/attendance-<year:year>.xlsx",
        views.group_attendance_xlsx,
        name="group_attendance_xlsx",
    ),
    path(
        "groups/<id:pk>/dossier-<year:year>.docx",
        views.group_dossier_docx,
        name="group_dossier_docx",
    ),
    # Leave before the meeting (issue 15)
    path("leave/", views.leave_list, name="leave_list"),
    path("leave/<id:pk>/", views.leave_detail, name="leave_detail"),
    path("leave/<id:pk>/decide/", views.leave_decide, name="leave_decide"),
    path("leave/<id:pk>/withdraw/", views.leave_withdraw, name="leave_withdraw"),
    path("sessions/<id:pk>/leave/", views.leave_create, name="leave_create"),
    path("archive/", views.member_archive, name="my_archive"),
    path("archive/<id:pk>/", views.member_archive, name="member_archive"),
    path("search/", views.search_results, name="search"),
    # Notifications (issue 15)
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<id:pk>/", views.notification_open, name="notification_open"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    # Reflections (issue 15)
    path("reflections/", views.my_reflections, name="my_reflections"),
    path(
        "sessions/<id:pk>/reflections/",
        views.session_reflections,
        name="session_reflections",
    ),
    path(
        "sessions/<id:pk>/reflections/mine/",
        views.reflection_hand_in,
        name="reflection_hand_in",
    ),
    path("reflections/<id:pk>/", views.reflection_detail, name="reflection_detail"),
    path("reflections/<id:pk>/file/", views.reflection_file, name="reflection_file"),
    path("reflections/<id:pk>/share/", views.reflection_share, name="reflection_share"),
]
