"""Retention tools: what change would free how much space, and how soon.

Each module contains the plain logic of one tool. ``loading`` turns stored rows into the
engine's inputs, and the views and API only call these functions.
"""
