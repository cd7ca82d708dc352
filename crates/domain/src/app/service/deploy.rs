//! Image deploys, rollbacks and the deploy list. Each deploy makes version `N` of the app (its
//! image and processes, stored through [`AppVersionStorage`](crate::app::AppVersionStorage))
//! and hands it to the provisioner; a rollback hands an earlier successful version back. Both
//! are `app.deploy` events, which the deploy list reads.
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::{app_event, AppService};
use crate::app::{
    invalid_version, parse_procfile, App, AppFilter, AppVersion, AppVisibility,
    BUILDS_NOT_SUPPORTED, DEPLOY_NEEDS_IMAGE, NEW_VERSION_NOT_SUPPORTED,
};
use crate::event::{Event, EventFilter};
use crate::output::{Out, Output, Progress};
use crate::permission::{contexts_for, ContextType};
use crate::{Call, Error, Identity, Result};

/// Event kind of deploys and rollbacks.
pub const DEPLOY_KIND: &str = "app.deploy";
/// Most deploys one list answers.
const MAX_DEPLOYS: usize = 100;

/// A deploy as asked for.
#[derive(Debug, Clone, Default)]
pub struct NewDeploy {
    /// Image to run.
    pub image: String,
    /// The build the request asked for instead (`file`, `archive-url`, `dockerfile`), refused.
    pub build: Option<String>,
    /// Where the deploy comes from (`image`, `app-deploy`, `git`...), as the client says.
    pub origin: String,
    /// What the deploy is about.
    pub message: String,
    /// Commit deployed, when a git hook deploys.
    pub commit: String,
    /// Processes as a Procfile (`name: command` lines); empty: one `web` process running the
    /// image's own command on port 8888.
    pub procfile: String,
    /// Whether the version should run beside the current ones (refused).
    pub new_version: bool,
}

/// Which deploys to list.
#[derive(Debug, Clone, Default)]
pub struct DeployQuery {
    /// Only this app's.
    pub app: Option<String>,
    /// Skip this many (newest first).
    pub skip: usize,
    /// At most this many (0: the most one list answers, 100).
    pub limit: usize,
}

/// One deploy or rollback, as `app deploy list` shows it (tsuru `DeployData`).
#[derive(Debug, Clone, PartialEq)]
pub struct DeployData {
    /// Event id.
    pub id: String,
    /// App.
    pub app: String,
    /// Start.
    pub timestamp: DateTime<Utc>,
    /// How long it took (so far, while running).
    pub duration: Duration,
    /// Commit, for git deploys.
    pub commit: String,
    /// Why it failed; empty on success.
    pub error: String,
    /// Image deployed.
    pub image: String,
    /// Who deployed.
    pub user: String,
    /// Where it came from (`image`, `rollback`...).
    pub origin: String,
    /// Whether `app deploy rollback` can bring this image back.
    pub can_rollback: bool,
    /// The deploy's message.
    pub message: String,
}

enum Target {
    Image { image: String, processes: BTreeMap<String, Vec<String>> },
    Rollback(String),
}

fn data_str(data: Option<&Value>, key: &str) -> String {
    data.and_then(|d| d.get(key)).and_then(Value::as_str).unwrap_or_default().to_string()
}

impl AppService {
    /// Deploys an image as the app's next version, streaming the provisioner's progress. A
    /// first deploy runs one unit per process; later deploys keep the unit counts.
    ///
    /// # Errors
    /// 404; 400 [`BUILDS_NOT_SUPPORTED`], [`NEW_VERSION_NOT_SUPPORTED`], [`DEPLOY_NEEDS_IMAGE`]
    /// or a bad Procfile; 403
    /// without `app.deploy.image` on the app; 409 while another operation holds the app;
    /// provisioner failures (the version is then kept, marked failed, and the deploy count is
    /// unchanged).
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn deploy(&self, call: &Call, name: &str, new: NewDeploy, out: Out) -> Result<()> {
        let app = self.find(name).await?;
        if new.build.is_some() {
            return Err(Error::bad_request(BUILDS_NOT_SUPPORTED));
        }
        if new.new_version {
            return Err(Error::bad_request(NEW_VERSION_NOT_SUPPORTED));
        }
        let image = new.image.trim().to_string();
        if image.is_empty() {
            return Err(Error::bad_request(DEPLOY_NEEDS_IMAGE));
        }
        if image.contains(char::is_whitespace) {
            return Err(Error::bad_request(format!(
                "invalid image name {image:?}: it must not contain spaces"
            )));
        }
        let processes = parse_procfile(&new.procfile)?;
        call.require("app.deploy.image", &app.contexts())?;
        let origin_name =
            if new.origin.is_empty() { "image".to_string() } else { new.origin.clone() };
        let data = json!({
            "app": app.name,
            "image": image,
            "origin": origin_name,
            "message": new.message,
            "commit": new.commit,
            "user": call.email,
            "kind": "image",
            "rollback": false,
        });
        self.run_deploy(call, app, data, Target::Image { image, processes }, out).await
    }

    /// Deploys an earlier successful version again, named by its image, `v<N>` or `<N>`.
    ///
    /// # Errors
    /// 404; 403 without `app.deploy.rollback` on the app; 400 `Invalid version: <image>` when
    /// no successful version matches; 409 while another operation holds the app; provisioner
    /// failures.
    #[tracing::instrument(skip_all, fields(app = %name))]
    pub async fn rollback(
        &self,
        call: &Call,
        name: &str,
        image: &str,
        message: &str,
        out: Out,
    ) -> Result<()> {
        let app = self.find(name).await?;
        call.require("app.deploy.rollback", &app.contexts())?;
        if image.trim().is_empty() {
            return Err(Error::bad_request(DEPLOY_NEEDS_IMAGE));
        }
        let data = json!({
            "app": app.name,
            "image": image.trim(),
            "origin": "rollback",
            "message": message,
            "commit": "",
            "user": call.email,
            "kind": "rollback",
            "rollback": true,
        });
        let target = Target::Rollback(image.trim().to_string());
        self.run_deploy(call, app, data, target, out).await
    }

    async fn run_deploy(
        &self,
        call: &Call,
        app: App,
        data: Value,
        target: Target,
        out: Out,
    ) -> Result<()> {
        let mut ev = app_event(&app, DEPLOY_KIND, call, false);
        ev.data = Some(data);
        let event = self.events.start(ev).await?;
        let progress = Arc::new(Progress::new(out, self.events.clock()));
        let outcome = self.deploy_version(&app, &event.id, target, progress.as_ref()).await;
        let end = outcome.as_ref().ok().map(|img| json!({ "image": img }));
        self.events.done_with_log(event, &outcome, end, progress.take_log()).await;
        outcome.map(|_| ())
    }

    /// The deploy itself, inside its event; answers the image deployed.
    async fn deploy_version(
        &self,
        app: &App,
        event_id: &str,
        target: Target,
        out: &Progress,
    ) -> Result<String> {
        let versions = self.versions.list(&app.name).await?;
        let provisioner = self.provisioner_of(app).await?;
        let (mut version, is_new) = match target {
            Target::Image { image, processes } => {
                let next = versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
                let version = AppVersion {
                    app: app.name.clone(),
                    version: next,
                    image,
                    processes,
                    exposed_ports: vec!["8888/tcp".to_string()],
                    deploy_successful: false,
                    deploy_failed: false,
                    past_units: BTreeMap::new(),
                    event_id: event_id.to_string(),
                    created_at: self.events.clock().now(),
                };
                self.versions.insert(&version).await?;
                out.write(&format!(
                    "---- Deploying image {} as version {} ----\n",
                    version.image, version.version
                ));
                (version, true)
            }
            Target::Rollback(reference) => {
                let version = versions
                    .iter()
                    .rev()
                    .find(|v| v.deploy_successful && v.is_named(&reference))
                    .cloned()
                    .ok_or_else(|| invalid_version(&reference))?;
                out.write(&format!(
                    "---- Rolling back to version {} (image {}) ----\n",
                    version.version, version.image
                ));
                (version, false)
            }
        };
        if let Err(e) = provisioner.deploy(app, &version, out).await {
            if is_new {
                version.deploy_failed = true;
                if let Err(store) = self.versions.update(&version).await {
                    tracing::error!(error = %store, app = %app.name, "could not mark the version failed");
                }
            }
            return Err(e);
        }
        if is_new {
            version.deploy_successful = true;
            self.versions.update(&version).await?;
        }
        let mut stored = self.find(&app.name).await?;
        stored.deploys += 1;
        self.apps.update(&stored).await?;
        Ok(version.image)
    }

    /// Deploys (and rollbacks) of the apps the caller may read deploys of (`app.read.deploy`),
    /// newest first.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn deploys(
        &self,
        identity: &Identity,
        query: DeployQuery,
    ) -> Result<Vec<DeployData>> {
        let limit =
            if query.limit == 0 || query.limit > MAX_DEPLOYS { MAX_DEPLOYS } else { query.limit };
        let ctxs = contexts_for(&identity.permissions, "app.read.deploy", &[]);
        if ctxs.is_empty() {
            return Ok(Vec::new());
        }
        // `None`: every app.
        let names: Option<Vec<String>> = match &query.app {
            Some(name) => match self.apps.find(name).await? {
                Some(app) if identity.can("app.read.deploy", &app.contexts()) => {
                    Some(vec![app.name])
                }
                _ => return Ok(Vec::new()),
            },
            None if crate::permission::any_global(&ctxs) => None,
            None => {
                let of = |t: ContextType| {
                    ctxs.iter().filter(|c| c.ctype == t).map(|c| c.value.clone()).collect()
                };
                let filter = AppFilter {
                    visibility: Some(AppVisibility {
                        teams: of(ContextType::Team),
                        names: of(ContextType::App),
                        pools: of(ContextType::Pool),
                    }),
                    ..AppFilter::default()
                };
                let apps = self.apps.list(&filter).await?;
                Some(apps.into_iter().map(|a| a.name).collect())
            }
        };
        let events = self.deploy_events(names.as_deref(), query.skip, limit).await?;
        let mut versions: BTreeMap<String, Vec<AppVersion>> = BTreeMap::new();
        let mut out = Vec::with_capacity(events.len());
        for ev in events {
            let app = ev.target.value.clone();
            if !versions.contains_key(&app) {
                let list = self.versions.list(&app).await?;
                versions.insert(app.clone(), list);
            }
            let known = versions.get(&app).map(Vec::as_slice).unwrap_or_default();
            out.push(deploy_data(ev, known));
        }
        Ok(out)
    }

    /// `app.deploy` events of `names` (all apps when `None`), newest first, paged.
    async fn deploy_events(
        &self,
        names: Option<&[String]>,
        skip: usize,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let base = EventFilter {
            target_type: Some("app".into()),
            kind_names: vec![DEPLOY_KIND.into()],
            sort: Some("-starttime".into()),
            ..EventFilter::default()
        };
        match names {
            Some([]) => Ok(Vec::new()),
            None => self.events.list_unchecked(&EventFilter { skip, limit, ..base }).await,
            Some([one]) => {
                self.events
                    .list_unchecked(&EventFilter {
                        target_value: Some(one.clone()),
                        skip,
                        limit,
                        ..base
                    })
                    .await
            }
            Some(many) => {
                // Several apps: page through every app's deploys, keeping the caller's.
                let mut kept = Vec::new();
                let mut offset = 0;
                loop {
                    let page = self
                        .events
                        .list_unchecked(&EventFilter {
                            skip: offset,
                            limit: MAX_DEPLOYS,
                            ..base.clone()
                        })
                        .await?;
                    let done = page.len() < MAX_DEPLOYS;
                    offset += page.len();
                    kept.extend(page.into_iter().filter(|e| many.contains(&e.target.value)));
                    if done || kept.len() >= skip + limit {
                        break;
                    }
                }
                Ok(kept.into_iter().skip(skip).take(limit).collect())
            }
        }
    }
}

fn deploy_data(ev: Event, versions: &[AppVersion]) -> DeployData {
    let start = ev.start_custom_data.as_ref();
    let ended_image = data_str(ev.end_custom_data.as_ref(), "image");
    let image = if ended_image.is_empty() { data_str(start, "image") } else { ended_image };
    let finished = !ev.running && ev.error.is_empty();
    let can_rollback = finished && versions.iter().any(|v| v.deploy_successful && v.image == image);
    DeployData {
        duration: ev.end_time.map(|end| end - ev.start_time).unwrap_or_default(),
        id: ev.id,
        app: ev.target.value,
        timestamp: ev.start_time,
        commit: data_str(start, "commit"),
        error: ev.error,
        image,
        user: ev.owner.name,
        origin: data_str(start, "origin"),
        can_rollback,
        message: data_str(start, "message"),
    }
}
