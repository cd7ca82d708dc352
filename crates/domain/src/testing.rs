//! Port contract suites, run by every storage adapter.
