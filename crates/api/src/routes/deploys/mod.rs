//! `/deploys`: the deploys (and rollbacks) of the apps the caller may read deploys of.
pub(crate) mod wire;

use tsuru_domain::app::DeployQuery;
use tsuru_domain::Error;

use self::wire::{DeployListQuery, DeployResponse};
use super::{Family, Route};
use crate::extract::{Caller, Query};
use crate::reply::{List, Reply};

pub(crate) fn routes() -> Vec<Route> {
    Family("deploys").routes(vec![Route::get(
        "1.0",
        "/deploys",
        list,
        "Deploys of the apps the caller may read deploys of, newest first",
    )])
}

fn count(name: &str, v: Option<i64>) -> Result<usize, Error> {
    match v {
        None => Ok(0),
        Some(n) => usize::try_from(n)
            .map_err(|_| Error::bad_request(format!("invalid {name}: it must not be negative"))),
    }
}

/// 204 when there is none.
async fn list(
    Caller { id, state }: Caller,
    q: Query<DeployListQuery>,
) -> Reply<List<DeployResponse>> {
    let q = q.value;
    let query = DeployQuery {
        app: q.app.filter(|a| !a.is_empty()),
        skip: count("skip", q.skip)?,
        limit: count("limit", q.limit)?,
    };
    let deploys = state.apps.deploys(&id, query).await?;
    Ok(List(deploys.into_iter().map(DeployResponse::from).collect()))
}
