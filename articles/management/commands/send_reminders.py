"""Remind members of tomorrow's sessions whose materials they have not studied,
and of reflections they owe that fall due today or tomorrow.

Run it from a systemd timer or cron, hourly or daily (README "Notifications"):
it is idempotent, a member is reminded of a session once however often it runs,
and the notifications it writes are the record of what was sent.
"""

from django.core.management.base import BaseCommand

from articles.services.notifications import (
    REMINDER_AHEAD,
    send_reflection_reminders,
    send_session_reminders,
)


class Command(BaseCommand):
    help = (
        "Remind the members of sessions starting within the next "
        f"{int(REMINDER_AHEAD.total_seconds() // 3600)} hours who have not studied "
        "all their materials, and the members who owe a reflection due today or "
        "tomorrow (once per member and session)."
    )

    def handle(self, *args, **options):
        reminded = send_session_reminders()
        self.stdout.write(f"Reminded {reminded} member(s).")
        owing = send_reflection_reminders()
        self.stdout.write(f"Reminded {owing} member(s) of a reflection due.")
