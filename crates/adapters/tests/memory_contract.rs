//! The in-memory store obeys every port contract (`tsuru_domain::testing::contract`).
use std::sync::Arc;

use tsuru_adapters::memory::MemoryStore;

tsuru_domain::contract_tests!(async { Arc::new(MemoryStore::new()) });

// Ports that not every adapter implements yet are run by name.
mod by_name {
    use super::*;

    tsuru_domain::contract_tests!(
        team_token_storage => async { Arc::new(MemoryStore::new()) },
        webhook_storage => async { Arc::new(MemoryStore::new()) },
        delivery_storage => async { Arc::new(MemoryStore::new()) },
    );
}
