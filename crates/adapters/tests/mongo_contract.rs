//! The MongoDB store obeys every port contract (`tsuru_domain::testing::contract`), each test
//! on a database of its own on the server at `TSURU_TEST_MONGODB_URL` (`make test` starts
//! FerretDB and sets it). Without the variable the tests return at once, unless `CI` is set:
//! then a missing server is a failure.
use std::sync::Arc;

use tsuru_adapters::mongo::MongoStore;

async fn fresh_store() -> Option<Arc<MongoStore>> {
    let Ok(url) = std::env::var("TSURU_TEST_MONGODB_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but TSURU_TEST_MONGODB_URL is not: the MongoDB tests need a server (`make test` starts FerretDB)"
        );
        eprintln!("skipped: TSURU_TEST_MONGODB_URL is not set (`make test` starts FerretDB)");
        return None;
    };
    let name = format!("tsurud_test_{}", uuid::Uuid::new_v4().simple());
    let store =
        MongoStore::connect(&url, &name).await.unwrap_or_else(|e| panic!("MongoDB at {url}: {e}"));
    Some(Arc::new(store))
}

tsuru_domain::contract_tests!(optional: fresh_store());
