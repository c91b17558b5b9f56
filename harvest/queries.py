"""Lookups shared by the harvest actions and their auth functions; a missing object is CKAN's NotFound."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog.errors import NotFound
from harvest.models import HarvestJob, HarvestObject, HarvestSource


def find_source(session: Session, id_or_name: Any) -> HarvestSource:
    """By id or name (ckanext-harvest accepts either wherever a source is named)."""
    if not isinstance(id_or_name, str) or not id_or_name:
        raise NotFound("Harvest source not found")
    source = session.scalars(
        select(HarvestSource).where(or_(HarvestSource.id == id_or_name, HarvestSource.name == id_or_name))
    ).first()
    if source is None:
        raise NotFound("Harvest source not found")
    return source


def find_job(session: Session, job_id: Any) -> HarvestJob:
    job = session.get(HarvestJob, job_id) if job_id else None
    if job is None:
        raise NotFound("Harvest job not found")
    return job


def find_object(session: Session, object_id: Any) -> HarvestObject:
    obj = session.get(HarvestObject, object_id) if object_id else None
    if obj is None:
        raise NotFound("Harvest object not found")
    return obj
