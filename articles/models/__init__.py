from .annotations import Annotation, ReadingProgress, Reply, visible_themes
from .jobs import Job
from .materials import Article, Paragraph
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
    "MakeUpStudy",
    "Observer",
    "Paragraph",
    "PlanItem",
    "ReadingProgress",
    # Reflections
    "Reflection",
    "Reply",
    "SearchDocument",
    "SessionMaterial",
    "StudyPlan",
    "StudySession",
    "visible_themes",
]
