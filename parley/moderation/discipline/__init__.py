"""Discipline: warnings (points that expire), bans (enforced by permissions) and the spam
cleaner (remove everything a member posted and ban them)."""
