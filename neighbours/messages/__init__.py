"""Direct messages, group conversations and each meal's conversation."""
