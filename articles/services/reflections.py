"""Handing in, editing and sharing reflections (学习心得); the checks on their files.

An uploaded file is believed only for what its bytes are: the name and the content
type the browser claims are ignored, except that the name's extension must agree
with the content. A .docx is read by the importer's streaming reader (bounded
inflation, so a zip bomb or a zip header that lies about sizes is refused within
bounded memory), a PDF by the importer's sandboxed extractor (child process under a
memory limit and a timeout). A file passes when that reader could open it; its text,
when it has one, is kept for the dossier.
"""

import os
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..importer.decode import ImportFailed
from ..importer.docx import read_docx_lines
from ..models import Attendance, GroupStudySettings, Reflection, StudySession
from ..models.reflections import reflection_deadline
from ..reading import cache as read_models
from .notifications import settle_reflection_reminder
from .sessions import complete_make_up

# Bytes one reflection's file may hold: a few pages of Word or PDF are far below.
MAX_REFLECTION_BYTES = 5 * 1024 * 1024
MAX_REFLECTION_CHARACTERS = 50_000
MAX_FILE_NAME = 100
# PDF failures that leave the file a sound PDF without text we can read: a scan or
# a PDF whose fonts hide their characters is still a reflection a keeper can open.
PDF_WITHOUT_TEXT = {"pdf_scanned", "pdf_no_text", "pdf_unmapped"}


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # Reflection.FileKind
    name: str  # the member's file name, cleaned, for the download
    text: str  # what we could read of it ("" for a scan)
    data: bytes


def check_reflection_file(data: bytes, filename: str) -> CheckedFile:
    """Return the checked file, or raise ValidationError with a Chinese message and
    a code: ``too_large``, ``empty``, ``wrong_type``, ``name_mismatch``, or the
    importer's code for a damaged or hostile file."""
    if len(data) > MAX_REFLECTION_BYTES:
        raise ValidationError(
            _("The file is larger than %(limit)s MB. Please attach a smaller one.")
            % {"limit": MAX_REFLECTION_BYTES // (1024 * 1024)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    name = clean_file_name(filename)
    extension = os.path.splitext(name)[1].lower()
    if data.startswith(b"PK\x03\x04"):
        kind = Reflection.FileKind.DOCX
    elif data.startswith(b"%PDF-"):
        kind = Reflection.FileKind.PDF
    else:
        raise ValidationError(
            _("Only a Word file (.docx) or a PDF can be attached."), code="wrong_type"
        )
    if extension != f".{kind}":
        raise ValidationError(
            _(
                "The file's name ends in “%(extension)s” but its content is a "
                "%(kind)s. Please attach the file as it was saved."
            )
            % {"extension": extension or "—", "kind": kind.label},
            code="name_mismatch",
        )
    try:
        if kind == Reflection.FileKind.DOCX:
            text = "\n".join(line.text for line in read_docx_lines(data))
        else:
            text = _pdf_text(data)
    except ImportFailed as failure:
        raise ValidationError(failure.message, code=failure.code) from None
    return CheckedFile(kind=kind, name=name, text=text.strip(), data=data)


def _pdf_text(data: bytes) -> str:
    from ..importer.pdf import read_pdf_units  # pdfminer is only loaded for PDFs

    try:
        return "\n".join(unit.text for unit in read_pdf_units(data))
    except ImportFailed as failure:
        if failure.code in PDF_WITHOUT_TEXT:
            return ""
        raise


def clean_file_name(filename: str) -> str:
    """The base name, without control or format characters, at most 100 long."""
    name = os.path.basename((filename or "").replace("\\", "/"))
    name = "".join(
        char
        for char in unicodedata.normalize("NFC", name)
        if not unicodedata.category(char).startswith("C")
    ).strip()
    stem, extension = os.path.splitext(name)
    return (stem[: MAX_FILE_NAME - len(extension)] + extension) or "file"


def reflection_settings(session: StudySession) -> GroupStudySettings:
    return GroupStudySettings.for_group(session.group)


def deadline_of(session: StudySession, rules: GroupStudySettings) -> datetime | None:
    """When the reflection is due, or None when the group expects none."""
    if not rules.reflections_expected:
        return None
    return reflection_deadline(session, rules.reflection_days)


def expected_attendance(session: StudySession, member) -> Attendance | None:
    """The member's attendance row when they may hand in a reflection for the
    session: it took place and they were expected at it."""
    if session.is_planned or not member.is_authenticated:
        return None
    return (
        Attendance.objects.filter(session=session, member=member)
        .select_related("make_up")
        .first()
    )


def can_edit_reflection(
    reflection: Reflection | None, rules: GroupStudySettings, now=None
) -> bool:
    """A new reflection may always be handed in (late if past the deadline); one
    handed in is edited until the deadline, or, where none is expected, until the
    session is archived."""
    if reflection is None:
        return True
    now = now or timezone.now()
    deadline = deadline_of(reflection.session, rules)
    if deadline is None:
        return not reflection.session.is_archived
    return now <= deadline


@transaction.atomic
def hand_in_reflection(
    session: StudySession,
    author,
    *,
    text: str,
    upload: CheckedFile | None = None,
    remove_file: bool = False,
    shared: bool = False,
    for_make_up: bool = False,
) -> Reflection:
    """Hand in or edit ``author``'s reflection on ``session``.

    Raises ValidationError (code ``not_expected``, ``closed``, ``empty``,
    ``too_long``). With ``for_make_up`` and an open make-up item of the author's for
    the session, the make-up is completed by this reflection (补学体会). A replaced
    file is deleted from storage once the transaction commits.
    """
    attendance = expected_attendance(session, author)
    if attendance is None:
        raise ValidationError(
            _(
                "Only the members expected at a session that took place hand in a "
                "reflection on it."
            ),
            code="not_expected",
        )
    rules = reflection_settings(session)
    reflection = (
        Reflection.objects.select_for_update()
        .filter(session=session, author=author)
        .first()
    )
    if not can_edit_reflection(reflection, rules):
        raise ValidationError(
            _("The reflection can no longer be changed: the deadline has passed."),
            code="closed",
        )
    text = text.strip()
    if len(text) > MAX_REFLECTION_CHARACTERS:
        raise ValidationError(
            _("A reflection has at most %(limit)s characters.")
            % {"limit": f"{MAX_REFLECTION_CHARACTERS:,}"},
            code="too_long",
        )
    if reflection is None:
        reflection = Reflection(session=session, author=author)
    old_file = reflection.file.name if reflection.file else ""
    keeps_file = bool(old_file) and not remove_file and upload is None
    if not text and upload is None and not keeps_file:
        raise ValidationError(
            _("Write your reflection, or attach it as a Word file or a PDF."),
            code="empty",
        )
    reflection.text = text
    reflection.shared = shared
    reflection.for_make_up = for_make_up or reflection.for_make_up
    if upload is not None:
        reflection.file_kind = upload.kind
        reflection.file_name = upload.name
        reflection.file_size = len(upload.data)
        reflection.file_text = upload.text
        reflection.file.save(upload.name, ContentFile(upload.data), save=False)
    elif remove_file:
        reflection.file = ""
        reflection.file_kind = reflection.file_name = reflection.file_text = ""
        reflection.file_size = 0
    reflection.save()
    settle_reflection_reminder(session, author)
    if old_file and old_file != reflection.file.name:
        storage = reflection.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    make_up = getattr(attendance, "make_up", None)
    if for_make_up and make_up is not None and not make_up.is_done:
        complete_make_up(make_up, note=_make_up_note(reflection))
    read_models.bump_records(session.group_id)
    return reflection


def _make_up_note(reflection: Reflection) -> str:
    if reflection.text:
        return reflection.text
    return _("Reflection handed in as the file “%(name)s”.") % {
        "name": reflection.file_name
    }


def share_reflection(reflection: Reflection, *, shared: bool) -> Reflection:
    """Share with the group or take back; the author may do so at any time (it
    changes who reads it, not what was handed in)."""
    reflection.shared = shared
    reflection.save(update_fields=["shared", "updated_at"])
    read_models.bump_records(reflection.session.group_id)
    return reflection
