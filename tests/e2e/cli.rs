//! The `gradflow` binary as a user runs it.
