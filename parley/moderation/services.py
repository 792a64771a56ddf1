"""Moderation writes live in one module per feature; this name is kept for the callers that
import reporting from here."""

from __future__ import annotations

from parley.moderation.reports import report_post

__all__ = ["report_post"]
