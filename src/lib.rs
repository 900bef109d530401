//! Test harness: starts Tandem servers in-process on ephemeral ports.
