//! `tsurud` on MongoDB (FerretDB in `make test`): an existing tsuru database served as it is,
//! the database going down and coming back under a running server, and three servers sharing
//! one database. Without a server (`TSURU_TEST_MONGODB_URL`, and the FerretDB binary for the
//! fault test) the tests return at once, unless `CI` is set: then that is a failure.
mod budgets;
mod doctor;
mod faults;
mod replicas;
mod support;
mod tsuru_database;
