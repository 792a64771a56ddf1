"""Post edit history: every version of a post with who edited it, when and why, and a line
diff against the version before. `services.keep_revision` writes a revision when
`forums.services.edit_post` replaces a post's text (through the forum layer's revision hook,
in the edit's transaction); the rest of this package reads and shows them, to moderators."""
