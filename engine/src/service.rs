//! Running commands: load, decide, commit.
