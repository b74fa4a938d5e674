"""Demo content for `make run`: the four bundled articles and a demo study group.

Idempotent: running it again changes nothing but resetting the demo passwords to the
ones it prints.
"""

from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Member, Membership, StudyGroup
from accounts.services import set_member_order
from articles.models import Article
from articles.services import import_document

from ._demo_annotations import load_demo_annotations
from ._demo_sessions import load_demo_sessions

SEED = Path(__file__).resolve().parents[2] / "demo" / "tianjin_column.txt"
DEMO_PASSWORD = "studyhub-demo"

GROUPS = {
    "nankai": "中共天津市南开区委理论学习中心组",
    "xiqing": "中共天津市西青区委理论学习中心组",
}
# username, display name, position, group, role; in each group's position order
# (按职务排序): the secretary who keeps the record comes after the members.
PEOPLE = [
    ("zhangwei", "张伟", "区委书记", "nankai", Membership.Role.LEADER),
    ("zhaoqiang", "赵强", "区长", "nankai", Membership.Role.DEPUTY),
    ("chenjing", "陈静", "区委组织部部长", "nankai", Membership.Role.MEMBER),
    ("wangfang", "王芳", "区委宣传部部长", "nankai", Membership.Role.MEMBER),
    ("liming", "李明", "区委办公室副主任", "nankai", Membership.Role.SECRETARY),
    ("liuyang", "刘洋", "区委书记", "xiqing", Membership.Role.LEADER),
]
EDITOR_PERMISSIONS = ["article", "paragraph", "tag", "taggeditem", "dictionaryterm"]
# Themes for the demo articles, by a word of their title; set only on first import.
DEMO_THEMES = {
    "基层治理": ["党建引领", "基层治理", "枫桥经验"],
    "新质生产力": ["新质生产力", "京津冀协同发展"],
    "文化传承": ["文化传承发展", "以文化人"],
    "人民幸福": ["人民至上", "善作善成"],
}


class Command(BaseCommand):
    help = "Import the bundled study materials and create the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-annotations",
            action="store_true",
            help="Skip the demo members' annotations (materials, accounts and "
            "sessions only).",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        result = import_document(
            SEED.read_bytes(), SEED.name, status=Article.Status.PUBLISHED
        )
        for article in result.created:
            for word, themes in DEMO_THEMES.items():
                if word in article.title:
                    article.tags.add(*themes)
        groups = {
            key: StudyGroup.objects.get_or_create(
                name=name,
                defaults={"organisation": name.removesuffix("理论学习中心组")},
            )[0]
            for key, name in GROUPS.items()
        }
        accounts = []
        in_order = {key: [] for key in groups}
        for username, name, position, group_key, role in PEOPLE:
            member = self._account(username, name, position)
            membership, _created = Membership.objects.get_or_create(
                group=groups[group_key], member=member, defaults={"role": role}
            )
            in_order[group_key].append(member)
            accounts.append(
                (username, name, membership.get_role_display(), groups[group_key].name)
            )
        for key, members in in_order.items():
            set_member_order(groups[key], members)
        editor = self._account("editor", "内容编辑", "宣传部干部", is_staff=True)
        editors, _created = Group.objects.get_or_create(name="内容编辑")
        editors.permissions.set(
            Permission.objects.filter(content_type__model__in=EDITOR_PERMISSIONS)
        )
        editor.groups.add(editors)
        accounts.append(("editor", "内容编辑", "后台管理（staff）", "—"))

        nankai = [p[0] for p in PEOPLE if p[3] == "nankai"]
        sessions = load_demo_sessions(groups["nankai"], nankai)
        annotations = 0
        if not options["no_annotations"]:
            annotations = load_demo_annotations(groups["nankai"], nankai)
        self.stdout.write(
            f"Study materials: {len(result.created)} imported, "
            f"{len(result.skipped)} already present."
        )
        self.stdout.write(f"Study sessions: {sessions} created.")
        self.stdout.write(f"Annotations: {annotations} created.")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, name, role, group in accounts:
            self.stdout.write(f"  {username:<10} {name:<6} {role:<12} {group}")

    def _account(self, username, name, position, is_staff=False) -> Member:
        member, _created = Member.objects.get_or_create(
            username=username,
            defaults={"display_name": name, "position": position, "is_staff": is_staff},
        )
        member.set_password(DEMO_PASSWORD)
        member.save(update_fields=["password"])
        return member
