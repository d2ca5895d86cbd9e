"""The neighbourhood feed: posts, comments, reactions, pins."""
