from .annotations import Annotation, ReadingProgress, Reply, visible_themes
from .jobs import Job
from .leave import LeaveRequest
from .materials import Article, Paragraph
from .notifications import Notification
from .reflections import Reflection
from .search import ArticleKeyword, DictionaryTerm, SearchDocument
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
from .signin import ObserverEntry, SignIn

__all__ = [
    "Annotation",
    "Article",
    "ArticleKeyword",
    "Attendance",
    "Correction",
    "DictionaryTerm",
    "DiscussionNote",
    "GroupStudySettings",
    "Job",
    "LeaveRequest",
    "MakeUpStudy",
    "Notification",
    "Observer",
    "ObserverEntry",
    "Paragraph",
    "PlanItem",
    "ReadingProgress",
    # Reflections
    "Reflection",
    "Reply",
    "SearchDocument",
    "SessionMaterial",
    "SignIn",
    "StudyPlan",
    "StudySession",
    "visible_themes",
]
