"""URLs of the moderation abuse (filled in by their feature)."""

urlpatterns: list = []
