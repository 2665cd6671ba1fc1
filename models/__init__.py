"""Persistence: SQLModel tables, the Database (engine, sessions, upgrades), migrations and repositories.

Importing the package registers every table on SQLModel.metadata, which Alembic compares against.
engine/ never imports this package.
"""

from models.auth import AuditEvent, AuthSession, Invitation
from models.credentials import Credential, SharedCredential
from models.db import Database, database_url
from models.executions import Execution, ExecutionData
from models.misc import ApiKey, ProcessedData, Variable, WebhookRegistration
from models.users import Project, ProjectMember, User
from models.workflows import SharedWorkflow, Tag, Workflow, WorkflowTag, WorkflowVersion

__all__ = [
    'ApiKey',
    'AuditEvent',
    'AuthSession',
    'Invitation',
    'Credential',
    'Database',
    'Execution',
    'ExecutionData',
    'ProcessedData',
    'Project',
    'ProjectMember',
    'SharedCredential',
    'SharedWorkflow',
    'Tag',
    'User',
    'Variable',
    'WebhookRegistration',
    'Workflow',
    'WorkflowTag',
    'WorkflowVersion',
    'database_url',
]
