"""XenForo-compatible URL shapes: `<slug>.<id>/` where the slug is optional and cosmetic.
Regex groups reach views as strings: views convert ids and page numbers themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import URLPattern, re_path

SLUG_ID = r"(?:(?P<slug>[\w-]*)\.)?(?P<{key}>[0-9]+)"  # ASCII digits: \d takes "٣" too


def slug_id_path(
    prefix: str, key: str, suffix: str, view: Callable[..., Any], name: str
) -> URLPattern:
    """`prefix/<slug>.<id>/suffix`, e.g. ("threads", "thread_id", "page-(?P<page>[0-9]+)")."""
    pattern = rf"^{prefix}/{SLUG_ID.format(key=key)}/{suffix}$"
    return re_path(pattern, view, name=name)
