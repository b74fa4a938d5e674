"""Read models of the reading pages: what the reader, the theme page, a member's
own annotations and the exports show of an article's annotations.

Shared by several views, so it lives here rather than in ``views/`` (a view module
is never imported by another as a library)."""
