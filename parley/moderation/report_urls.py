"""URLs of the moderation report (filled in by their feature)."""

urlpatterns: list = []
