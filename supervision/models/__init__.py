"""Kernel models. Each concern in its own module; imported here for Django."""
from .accounts import Role, RoleAssignment, User  # noqa: F401
from .attachments import Attachment  # noqa: F401
from .audit import ChainedHistoryModel, IntegrityCheck, ReadAccess, WorkflowRecord, audited_history  # noqa: F401
from .calendar import CalendarDay, CalendarYear, DeadlineBasis, Festival, RecordHandler  # noqa: F401
from .documents import DocumentCounter, DocumentLog, IssuedDocument  # noqa: F401
from .notifications import Notification, NotificationCounter  # noqa: F401
from .org import Person, PersonMark, Region, Unit, VillageIncome  # noqa: F401
from .submissions import SubmissionKey  # noqa: F401
from .sweep import SweepJob, SweepMark  # noqa: F401
