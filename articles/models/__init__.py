from .annotations import Annotation, ReadingProgress, Reply
from .materials import Article, Paragraph
from .sessions import (
    Attendance,
    Correction,
    DiscussionNote,
    GroupStudySettings,
    MakeUpStudy,
    Observer,
    PlanItem,
    SessionMaterial,
    StudyPlan,
    StudySession,
)

__all__ = ["Annotation", "Article", "Paragraph", "ReadingProgress", "Reply"]
__all__ = [
    "Article",
    "Attendance",
    "Correction",
    "DiscussionNote",
    "GroupStudySettings",
    "MakeUpStudy",
    "Observer",
    "Paragraph",
    "PlanItem",
    "SessionMaterial",
    "StudyPlan",
    "StudySession",
]
