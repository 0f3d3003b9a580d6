"""What the API answers: each shape described once, for the OpenAPI document and for
rendering (api/rendering.py). The modules group them by concept; routes use them as
`responses.<Shape>`."""

from api.responses.base import (
    DUPLICATE_CANDIDATE,
    Body,
    Columns,
    Created,
    DuplicateCandidate,
    Error,
    Readiness,
    Skip,
    Status,
    page,
)
from api.responses.candidates import (
    AtsEventAccepted,
    AtsEventDuplicate,
    AtsQueued,
    Candidate,
    CandidateAnonymized,
    CandidatePage,
    CandidateProfile,
    FileAttached,
    FileInfo,
    History,
    HistoryEvent,
    Opportunity,
    OpportunityListed,
    OpportunityPage,
    OpportunitySummary,
)
from api.responses.crm import (
    Campaign,
    CampaignPage,
    CampaignSent,
    Erasure,
    ErasurePage,
    Form,
    FormPage,
    ImportStatus,
    MemberRemoved,
    MembersAdded,
    Notification,
    NotificationPage,
    Pool,
    PoolMember,
    PoolMemberPage,
    PoolPage,
    PutForwardResult,
    Reminder,
    ReminderPage,
    Rule,
    RulePage,
)
from api.responses.docs import (
    BINARY,
    POSITION,
    answers,
    command,
    documents,
    null_or_nested,
    read,
)
from api.responses.people import (
    Posting,
    PostingPage,
    TokenIssued,
    TokenRevoked,
    User,
    UserCreated,
    UserPage,
)

__all__ = [
    "BINARY", "DUPLICATE_CANDIDATE", "POSITION", "AtsEventAccepted", "AtsEventDuplicate",
    "AtsQueued", "Body", "Campaign", "CampaignPage", "CampaignSent", "Candidate",
    "CandidateAnonymized", "CandidatePage", "CandidateProfile", "Columns", "Created",
    "DuplicateCandidate", "Erasure", "ErasurePage", "Error", "FileAttached", "FileInfo", "Form",
    "FormPage", "History", "HistoryEvent", "ImportStatus", "MemberRemoved", "MembersAdded",
    "Notification", "NotificationPage", "Opportunity", "OpportunityListed", "OpportunityPage",
    "OpportunitySummary", "Pool", "PoolMember", "PoolMemberPage", "PoolPage", "Posting",
    "PostingPage", "PutForwardResult", "Readiness", "Reminder", "ReminderPage", "Rule", "RulePage",
    "Skip", "Status", "TokenIssued", "TokenRevoked", "User", "UserCreated", "UserPage", "answers",
    "command", "documents", "null_or_nested", "page", "read",
]
