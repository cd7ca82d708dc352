//! The simulated provisioner obeys the provisioner contract
//! (`tsuru_domain::testing::contract::provisioner`).
use std::sync::Arc;

use tsuru_adapters::simulated::SimulatedProvisioner;
use tsuru_adapters::system::SystemClock;

tsuru_domain::provisioner_contract_tests!(async {
    Arc::new(SimulatedProvisioner::new(Arc::new(SystemClock), "tsuru.localhost"))
});
