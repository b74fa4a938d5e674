"""Demo study sessions for load_demo, for the demo group, through the same services
the secretary uses: one archived and one held (both in the past), one planned for
next week with a leave already known, and one whose time passed without a record
(待记录). Idempotent: a session whose topic already exists in the group is left
alone."""

from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Member, StudyGroup
from articles.models import Article, DiscussionNote, StudySession
from articles.services import (
    AttendanceEntry,
    add_plan_item,
    archive_session,
    create_session,
    record_attendance,
    save_discussion_note,
)


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


def load_demo_sessions(group: StudyGroup, usernames: list[str]) -> int:
    people = {m.username: m for m in Member.objects.filter(username__in=usernames)}
    leader, secretary = people["zhangwei"], people["liming"]
    articles = list(Article.objects.published().order_by("pk")[:4])
    if len(articles) < 3:
        return 0
    today = timezone.localdate()
    created = 0
    plans = [
        ("以党建引领基层治理创新", today - timedelta(days=40), "archived", articles[0]),
        ("加快发展新质生产力", today - timedelta(days=10), "held", articles[1]),
        ("推动文化传承发展", today + timedelta(days=7), "planned", articles[2]),
        ("深化全面从严治党", today - timedelta(days=3), "planned", articles[-1]),
    ]
    for topic, day, status, article in plans:
        if StudySession.objects.filter(group=group, topic=topic).exists():
            continue
        session = create_session(
            group,
            topic=topic,
            form=StudySession.Form.SEMINAR,
            starts_at=_at(day, 9),
            ends_at=_at(day, 12),
            place="区委常委会议室",
            host=leader,
            recorder=secretary,
            summary=(
                "会议集中学习了相关文章，围绕专题进行交流研讨。"
                "大家一致认为，要把学习成果转化为推动工作的实际成效。"
            ),
            materials=[article],
        )
        created += 1
        if status == "planned" and day > today:
            # Leave known in advance: prepared, the session stays planned.
            record_attendance(
                session,
                [
                    AttendanceEntry(
                        member=people["chenjing"],
                        status="on_leave",
                        leave_reason="参加市委党校中青班学习",
                    )
                ],
                author=secretary,
            )
        if status != "planned":
            entries = [
                AttendanceEntry(member=m, status="present")
                for u, m in people.items()
                if u != "chenjing"
            ]
            entries.append(
                AttendanceEntry(
                    member=people["chenjing"],
                    status="on_leave",
                    leave_reason="因公出差",
                )
            )
            record_attendance(
                session,
                entries,
                author=secretary,
                observers=[("孙晓", "区委宣传部理论科")],
            )
            cited = list(article.paragraphs.filter(kind="body")[:1])
            save_discussion_note(
                session,
                author=secretary,
                speaker=people["wangfang"],
                kind=DiscussionNote.Kind.KEYNOTE,
                content="结合分管工作谈学习体会：要在学深悟透上下功夫，在真抓实干上见成效。",
                cited_paragraphs=cited,
            )
            save_discussion_note(
                session,
                author=secretary,
                speaker=leader,
                kind=DiscussionNote.Kind.CLOSING,
                content="学习要与工作结合，各部门要把会议精神落实到具体工作中。",
            )
            if status == "archived":
                archive_session(session)
        add_plan_item(
            group, day.year, month=day.month, topic=topic, materials=[article]
        )
    return created
