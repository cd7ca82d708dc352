//! IaaS providers behind the domain's [`tsuru_domain::iaas::Iaas`] port.
mod ec2;

pub use ec2::{Ec2Iaas, Ec2Settings};
