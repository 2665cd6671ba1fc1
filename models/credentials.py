"""Stored credentials (already encrypted by the credentials service) and their sharing with projects.

Model modules do not use `from __future__ import annotations` (stack-notes §6.1).
"""

from sqlalchemy import Text
from sqlmodel import Field

from models.types import Timestamps, new_id

SHARE_ROLES = ('owner', 'user')


class Credential(Timestamps, table=True):
    """A credential owned by one project; `data` is ciphertext, never plain secrets."""

    __tablename__ = 'credential'

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    project_id: str = Field(foreign_key='project.id', ondelete='CASCADE', max_length=36, index=True)
    name: str = Field(max_length=128)
    type: str = Field(max_length=128)
    data: str = Field(sa_type=Text)


class SharedCredential(Timestamps, table=True):
    """A project's access to a credential: one 'owner' row, any number of 'user' rows."""

    __tablename__ = 'shared_credential'

    credential_id: str = Field(foreign_key='credential.id', ondelete='CASCADE', primary_key=True,
                               max_length=36)
    # Indexed for "credentials usable in this project" and for the cascade when a project is deleted.
    project_id: str = Field(foreign_key='project.id', ondelete='CASCADE', primary_key=True, max_length=36,
                            index=True)
    role: str = Field(max_length=20)  # one of SHARE_ROLES
