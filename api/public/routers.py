"""Every router of the public API, in the order the OpenAPI document lists them."""

from __future__ import annotations

from fastapi import APIRouter

ALL: list[APIRouter] = []
