"""The approval queue: posts and threads the posting gate (`moderation.gate`) held, which
moderators publish or reject with a reason."""
