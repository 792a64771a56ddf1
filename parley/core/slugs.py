"""URL slugs. The slug is cosmetic (the id after the dot is what counts), so it only has to be
readable; a wrong or old slug is redirected to the canonical one by the views."""

from django.utils.text import slugify

SLUG_MAX_LENGTH = 80


def make_slug(title: str) -> str:
    slug = slugify(title, allow_unicode=False)[:SLUG_MAX_LENGTH].strip("-")
    return slug or "untitled"
