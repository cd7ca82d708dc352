//! Team info: the team, its members, its apps and the pools it may use, in one use case.
use std::sync::Arc;

use super::{Team, TeamService};
use crate::app::{AppFilter, AppInfo, AppService};
use crate::pool::{Pool, PoolService};
use crate::user::UserView;
use crate::{Identity, Result};

/// What `GET /1.4/teams/{name}` shows.
#[derive(Debug, Clone)]
pub struct TeamOverview {
    /// The team.
    pub team: Team,
    /// Members (filled for callers with a global `team` grant).
    pub users: Vec<UserView>,
    /// Apps the team owns and has access to, among those the caller may read.
    pub apps: Vec<AppInfo>,
    /// Pools the team may use.
    pub pools: Vec<Pool>,
}

/// The team-info use case: it gathers from the team, app and pool use cases, with the
/// caller's identity checked by each.
pub struct TeamOverviewService {
    teams: Arc<TeamService>,
    apps: Arc<AppService>,
    pools: Arc<PoolService>,
}

impl TeamOverviewService {
    /// Builds the use case.
    pub fn new(teams: Arc<TeamService>, apps: Arc<AppService>, pools: Arc<PoolService>) -> Self {
        TeamOverviewService { teams, apps, pools }
    }

    /// The team with its members, its apps (those the caller may read) and its pools.
    ///
    /// # Errors
    /// 404 `team not found`; 403 without a global `team.read`.
    #[tracing::instrument(skip_all, fields(team = %name))]
    pub async fn info(&self, identity: &Identity, name: &str) -> Result<TeamOverview> {
        let info = self.teams.info(identity, name).await?;
        let filter = AppFilter { team_owner: Some(info.team.name.clone()), ..AppFilter::default() };
        let apps = self
            .apps
            .list(identity, filter, false)
            .await?
            .into_iter()
            .filter(|a| a.app.teams.contains(&info.team.name))
            .collect();
        let pools = self.pools.for_team(&info.team.name).await?;
        Ok(TeamOverview { team: info.team, users: info.users, apps, pools })
    }
}
