"""Editorial review before publication (issue 16): held writes, revisions, the review actions."""
