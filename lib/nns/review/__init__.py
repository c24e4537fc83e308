"""Review: the audit against the published report, and the diff between two rendered versions."""
