//! Command documentation for COMMAND DOCS (summary, since, complexity, arguments).
