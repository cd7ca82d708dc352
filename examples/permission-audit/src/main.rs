//! `permission-audit [--mongodb URL --database NAME | --demo] PERMISSION [TYPE:VALUE ...]`
//!
//! Prints every user and team token that can do PERMISSION on the given contexts (for an app:
//! its teams, `app:NAME` and `pool:NAME`), and the role instance that grants it. With
//! `--mongodb` it reads a tsuru database (nothing is written); with `--demo` it audits a small
//! in-memory organisation.
use std::sync::Arc;

use anyhow::{bail, Context as _};
use permission_audit::{audit, parse_context, seed_demo, table};
use tsuru_adapters::memory::MemoryStore;
use tsuru_adapters::mongo::MongoStore;

const USAGE: &str =
    "usage: permission-audit [--mongodb URL --database NAME | --demo] PERMISSION [TYPE:VALUE ...]";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    let mut mongodb = None;
    let mut database = "tsuru".to_string();
    let mut demo = false;
    while let Some(flag) = args.peek().filter(|a| a.starts_with("--")).cloned() {
        args.next();
        match flag.as_str() {
            "--mongodb" => mongodb = Some(args.next().context(USAGE)?),
            "--database" => database = args.next().context(USAGE)?,
            "--demo" => demo = true,
            _ => bail!("unknown flag {flag}\n{USAGE}"),
        }
    }
    let scheme = args.next().context(USAGE)?;
    let contexts = args
        .map(|c| parse_context(&c).map_err(|e| anyhow::anyhow!("{c}: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let rows = match (mongodb, demo) {
        (Some(url), false) => {
            let store = MongoStore::connect(&url, &database).await?;
            audit(&store, &store, &store, &scheme, &contexts).await?
        }
        (None, true) => {
            let store = Arc::new(MemoryStore::new());
            seed_demo(&*store).await?;
            audit(&*store, &*store, &*store, &scheme, &contexts).await?
        }
        _ => bail!("{USAGE}"),
    };
    print!("{}", table(&rows));
    Ok(())
}
