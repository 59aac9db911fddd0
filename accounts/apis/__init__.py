"""HTTP endpoints of the accounts app: /api/auth/* (auth.py) and /api/user/* (user.py)."""
