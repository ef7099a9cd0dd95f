"""Staff accounts: users and their roles and scope, signing in, sessions and API tokens, a user's
language."""
