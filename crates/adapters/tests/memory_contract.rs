//! The in-memory store obeys every port contract (`tsuru_domain::testing::contract`).
use std::sync::Arc;

use tsuru_adapters::memory::MemoryStore;

tsuru_domain::contract_tests!(async { Arc::new(MemoryStore::new()) });
