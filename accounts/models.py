"""Who: members, study groups (中心组) and their roles.

This is the base layer: it knows nothing of articles, sessions or annotations.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _


def position_order(member: str, group) -> list:
    """``order_by()`` terms listing rows by their member's place in ``group``.

    Chinese official lists go by position (按职务排序), never by name: the group's
    ``Membership.sort_order`` (组长, 副组长, then the order the unit sets), ties and
    people not numbered yet (bulk-created) or no longer in the group after, by
    login name. This is the one rule;
    ``Member.objects.in_group_order`` and the attendance lists of articles use it.
    ``member`` is the lookup from the rows to the member ("pk" for members,
    "member" for a row pointing at one); ``group`` a group or an expression such as
    ``OuterRef("session__group")`` when each row has its own.
    """
    place = Subquery(
        Membership.objects.filter(group=group, member=OuterRef(member)).values(
            "sort_order"
        )[:1]
    )
    username = "username" if member == "pk" else f"{member}__username"
    return [place.asc(nulls_last=True), username]


class MemberQuerySet(models.QuerySet):
    def in_group_order(self, group) -> "MemberQuerySet":
        """These members in ``group``'s position order (see ``position_order``)."""
        return self.order_by(*position_order("pk", group))

    def of_group(self, group) -> "MemberQuerySet":
        """The members of ``group``, as the group lists them."""
        return self.filter(memberships__group=group).in_group_order(group)


class MemberManager(UserManager.from_queryset(MemberQuerySet)):
    pass


class Member(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    # The member's choice, kept with the address it is about; what is mailed is
    # the study domain's business (articles' notifications).
    email_notifications = models.BooleanField(
        _("notify me by e-mail"),
        default=True,
        help_text=_("Notifications are always in the inbox on the site."),
    )

    objects = MemberManager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name people see: display name, else full name, else the login name."""
        return self.display_name or self.get_full_name() or self.username


class StudyGroupQuerySet(models.QuerySet):
    def of_member(self, member) -> "StudyGroupQuerySet":
        if not member.is_authenticated:
            return self.none()
        return self.filter(memberships__member=member)

    def shared_by(self, viewer, person) -> "StudyGroupQuerySet":
        """The groups ``viewer`` and ``person`` both belong to (all of one's own
        groups when they are the same person): what a viewer may see of another
        person's activity happened in these groups and nowhere else."""
        if not viewer.is_authenticated:
            return self.none()
        # Two filter() calls on the multi-valued relation: two joins, so a group
        # must have a membership of each of them (not one row matching both).
        return self.filter(memberships__member=viewer).filter(
            memberships__member=person
        )


class StudyGroup(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = StudyGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("study group")
        verbose_name_plural = _("study groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Rows not numbered yet (bulk-created; ``save`` numbers the others) go last.
PLACE = F("sort_order").asc(nulls_last=True)


class MembershipQuerySet(models.QuerySet):
    def in_position_order(self) -> "MembershipQuerySet":
        return self.order_by("group", PLACE, "member__username")


class Membership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("group leader")
        DEPUTY = "deputy", _("deputy leader")
        SECRETARY = "secretary", _("study secretary")
        MEMBER = "member", _("member")

    group = models.ForeignKey(
        StudyGroup,
        verbose_name=_("study group"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.MEMBER
    )
    # The place in the group's lists (按职务排序); blank on creation means last.
    sort_order = models.PositiveIntegerField(
        _("order in the group"),
        null=True,
        blank=True,
        help_text=_(
            "Lists of the group go by this number: the group leader first, then "
            "the deputies, then the members in the order the unit sets. Leave "
            "empty to put a new member last."
        ),
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["group", PLACE, "member__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "member"], name="membership_once_per_group"
            ),
            # A group has one leader (组长); deputies and secretaries may be several.
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(role="leader"),
                name="membership_one_leader_per_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.group} · {self.get_role_display()}"

    def save(self, *args, **kwargs):
        if self.sort_order is None:
            # New members go last. Two joining at once may share a number; the
            # lists then order those two by name, and the next move renumbers.
            last = Membership.objects.filter(group_id=self.group_id).aggregate(
                models.Max("sort_order")
            )["sort_order__max"]
            self.sort_order = (last or 0) + 1
        super().save(*args, **kwargs)

    @property
    def leads(self) -> bool:
        """Leaders, deputies and the secretary keep the group's record."""
        return self.role in {self.Role.LEADER, self.Role.DEPUTY, self.Role.SECRETARY}
