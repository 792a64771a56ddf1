"""URLs of the moderation action (filled in by their feature)."""

urlpatterns: list = []
