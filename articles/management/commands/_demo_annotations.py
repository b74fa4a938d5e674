"""Demo annotations for load_demo: what a group's members might have marked in the
bundled column before their sessions, so a first visit shows highlights, threads
and themes. Written through the members' own services (search index included).
Idempotent: a note whose author already annotated that passage is left alone."""

from accounts.models import Member, StudyGroup
from articles.models import Annotation, Article, Paragraph
from articles.services import annotate_paragraph, reply_to_annotation

# (author, passage as printed, note, themes, shared with the group?, replies)
DEMO_NOTES = [
    (
        "zhangwei",
        "坚持和发展新时代“枫桥经验”，完善社会矛盾纠纷多元预防调处化解综合机制",
        "结合我区“街乡吹哨、部门报到”，把矛盾纠纷化解在基层、化解在萌芽状态。",
        ["枫桥经验", "基层治理"],
        True,
        [
            ("liming", "建议下次学习请区综治中心的同志介绍几个调处化解的案例。"),
            ("wangfang", "赞同，可以结合街道网格化管理一起交流。"),
        ],
    ),
    (
        "liming",
        "运用好“四下基层”经验",
        "“四下基层”是密切联系群众的好方法：调研要带着问题下去、带着办法回来。",
        ["四下基层"],
        True,
        [],
    ),
    (
        "wangfang",
        "因地制宜发展新质生产力",
        "要结合本区产业基础，先立后破、因地制宜，不能一哄而上。",
        ["新质生产力"],
        True,
        [("zhaoqiang", "说得好，先把区内重点企业的创新需求摸清楚。")],
    ),
    (
        "wangfang",
        "以文化人、以文惠民、以文润城、以文兴业",
        "个人笔记：这四句话可作为下次交流发言的提纲。",
        ["文化传承发展"],
        False,
        [],
    ),
    (
        "zhaoqiang",
        "坚持人民至上",
        "一切工作都要以群众满意不满意作为衡量标准。",
        ["人民至上"],
        True,
        [],
    ),
]


def load_demo_annotations(group: StudyGroup, usernames: list[str]) -> int:
    people = {m.username: m for m in Member.objects.filter(username__in=usernames)}
    published = Article.objects.published()
    created = 0
    for username, passage, note, themes, shared, replies in DEMO_NOTES:
        author = people.get(username)
        paragraph = (
            Paragraph.objects.filter(article__in=published, text__contains=passage)
            .order_by("article_id", "position")
            .first()
        )
        if author is None or paragraph is None:
            continue  # the materials were edited: nothing to anchor to
        if Annotation.objects.filter(
            author=author, paragraph=paragraph, quote=passage
        ).exists():
            continue
        start = paragraph.text.index(passage)
        annotation = annotate_paragraph(
            author=author,
            paragraph=paragraph,
            start=start,
            end=start + len(passage),
            quote=passage,
            note=note,
            themes=themes,
            group=group if shared else None,
        )
        for replier, text in replies:
            reply_to_annotation(annotation, author=people[replier], text=text)
        created += 1
    return created
