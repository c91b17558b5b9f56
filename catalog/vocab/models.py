"""Tag vocabularies (CKAN's `vocabulary` table): named sets of tags that datasets may carry apart from free tags.

A tag belongs to a vocabulary through `tag.vocabulary_id` (catalog/dataset/models.py). There is no database
foreign key from it (adding one would rebuild the tag table on SQLite): the rules that check a dataset's tags
(catalog/dataset/rules.py) and vocabulary_delete, which removes the vocabulary's tags with it, keep them in step.
"""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from catalog.db import Base
from catalog.ids import new_id

NAME_MAX_LENGTH = 100  # CKAN's VOCABULARY_NAME_MAX_LENGTH


class Vocabulary(Base):
    __tablename__ = "vocabulary"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True)
