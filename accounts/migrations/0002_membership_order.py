"""Memberships get an explicit place in their group's lists (按职务排序).

Existing rows are numbered per group: the leader, the deputies, then everyone else
by login name (the order the lists had until now).
"""

from django.db import migrations, models

import accounts.models

ROLE_RANK = {"leader": 0, "deputy": 1}


def number_memberships(apps, schema_editor):
    Membership = apps.get_model("accounts", "Membership")
    rows = list(
        Membership.objects.select_related("member").order_by(
            "group_id", "member__username"
        )
    )
    by_group: dict[int, list] = {}
    for row in rows:
        by_group.setdefault(row.group_id, []).append(row)
    for members in by_group.values():
        members.sort(key=lambda m: ROLE_RANK.get(m.role, 2))
        for place, membership in enumerate(members, start=1):
            membership.sort_order = place
    Membership.objects.bulk_update(rows, ["sort_order"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelManagers(
            name="member",
            managers=[
                ("objects", accounts.models.MemberManager()),
            ],
        ),
        migrations.AddField(
            model_name="membership",
            name="sort_order",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Lists of the group go by this number: the group leader "
                "first, then the deputies, then the members in the order the unit "
                "sets. Leave empty to put a new member last.",
                null=True,
                verbose_name="order in the group",
            ),
        ),
        migrations.RunPython(number_memberships, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="membership",
            options={
                "ordering": [
                    "group",
                    models.OrderBy(models.F("sort_order"), nulls_last=True),
                    "member__username",
                ],
                "verbose_name": "membership",
                "verbose_name_plural": "memberships",
            },
        ),
    ]
