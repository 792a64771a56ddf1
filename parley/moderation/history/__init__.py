"""Post edit history: every version of a post with who edited it, when and why, and a line
diff against the version before. The revisions themselves are written by
`forums.services.edit_post`; this package only reads and shows them, to moderators."""
