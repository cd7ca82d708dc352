//! Apps: tsuru's `apps` collection.
use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::bson::{doc, oid::ObjectId, Document};
use serde::{Deserialize, Serialize};
use tsuru_domain::app::{
    app_already_exists, app_not_found, App, AppFilter, AppRouter, AppStorage, EnvVar, Metadata,
    MetadataItem,
};
use tsuru_domain::plan::{Plan, PlanOverride};
use tsuru_domain::Result;

use super::collections::APPS;
use super::plan::OverrideDocument;
use super::user::QuotaDocument;
use super::write_lock::Write;
use super::{db_error, insertion_stamp, null_as_default};

/// A plan embedded in an app: tsuru stores it with `name` (no `_id`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AppPlanDocument {
    #[serde(default)]
    name: String,
    #[serde(default)]
    memory: i64,
    #[serde(default)]
    cpumilli: i64,
    #[serde(default, deserialize_with = "null_as_default")]
    r#override: OverrideDocument,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct EnvDocument {
    name: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    alias: String,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    managedby: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RouterDocument {
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    opts: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ItemDocument {
    name: String,
    #[serde(default)]
    value: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct MetadataDocument {
    #[serde(deserialize_with = "null_as_default")]
    labels: Vec<ItemDocument>,
    #[serde(deserialize_with = "null_as_default")]
    annotations: Vec<ItemDocument>,
}

/// tsuru's app document (the platform is stored as `framework`, as tsuru does).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct AppDocument {
    name: String,
    #[serde(default)]
    framework: String,
    #[serde(default)]
    platformversion: String,
    #[serde(default, deserialize_with = "null_as_default")]
    teams: Vec<String>,
    #[serde(default)]
    teamowner: String,
    #[serde(default)]
    owner: String,
    plan: AppPlanDocument,
    #[serde(default)]
    pool: String,
    #[serde(default)]
    description: String,
    #[serde(default, deserialize_with = "null_as_default")]
    tags: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    metadata: MetadataDocument,
    #[serde(default, deserialize_with = "null_as_default")]
    routers: Vec<RouterDocument>,
    #[serde(default, deserialize_with = "null_as_default")]
    cname: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    env: BTreeMap<String, EnvDocument>,
    #[serde(default)]
    deploys: i64,
    #[serde(default)]
    updateplatform: bool,
    #[serde(default)]
    quota: QuotaDocument,
    #[serde(default = "insertion_stamp")]
    tsurud_order: ObjectId,
}

fn items(list: &[MetadataItem]) -> Vec<ItemDocument> {
    list.iter().map(|i| ItemDocument { name: i.name.clone(), value: i.value.clone() }).collect()
}

fn from_items(list: Vec<ItemDocument>) -> Vec<MetadataItem> {
    list.into_iter().map(|i| MetadataItem { name: i.name, value: i.value }).collect()
}

impl AppDocument {
    fn new(a: &App, order: ObjectId) -> Self {
        AppDocument {
            name: a.name.clone(),
            framework: a.platform.clone(),
            platformversion: a.platform_version.clone(),
            teams: a.teams.clone(),
            teamowner: a.team_owner.clone(),
            owner: a.owner.clone(),
            plan: AppPlanDocument {
                name: a.plan.name.clone(),
                memory: a.plan.memory,
                cpumilli: a.plan.cpumilli,
                r#override: OverrideDocument::from(&a.plan.r#override),
            },
            pool: a.pool.clone(),
            description: a.description.clone(),
            tags: a.tags.clone(),
            metadata: MetadataDocument {
                labels: items(&a.metadata.labels),
                annotations: items(&a.metadata.annotations),
            },
            routers: a
                .routers
                .iter()
                .map(|r| RouterDocument { name: r.name.clone(), opts: r.opts.clone() })
                .collect(),
            cname: a.cname.clone(),
            env: a
                .env
                .iter()
                .map(|(k, e)| {
                    let doc = EnvDocument {
                        name: e.name.clone(),
                        value: e.value.clone(),
                        alias: e.alias.clone(),
                        public: e.public,
                        managedby: e.managed_by.clone(),
                    };
                    (k.clone(), doc)
                })
                .collect(),
            deploys: a.deploys,
            updateplatform: a.update_platform,
            quota: a.quota.into(),
            tsurud_order: order,
        }
    }
}

impl From<AppDocument> for App {
    fn from(d: AppDocument) -> Self {
        App {
            name: d.name,
            platform: d.framework,
            platform_version: d.platformversion,
            teams: d.teams,
            team_owner: d.teamowner,
            owner: d.owner,
            plan: Plan {
                name: d.plan.name,
                memory: d.plan.memory,
                cpumilli: d.plan.cpumilli,
                default: false,
                r#override: PlanOverride::from(d.plan.r#override),
            },
            pool: d.pool,
            description: d.description,
            tags: d.tags,
            metadata: Metadata {
                labels: from_items(d.metadata.labels),
                annotations: from_items(d.metadata.annotations),
            },
            routers: d
                .routers
                .into_iter()
                .map(|r| AppRouter { name: r.name, opts: r.opts })
                .collect(),
            cname: d.cname,
            env: d
                .env
                .into_values()
                .map(|e| {
                    let var = EnvVar {
                        name: e.name.clone(),
                        value: e.value,
                        alias: e.alias,
                        public: e.public,
                        managed_by: e.managedby,
                    };
                    (e.name, var)
                })
                .collect(),
            deploys: d.deploys,
            update_platform: d.updateplatform,
            quota: d.quota.into(),
        }
    }
}

/// The part of an [`AppFilter`] the database can answer with indexes-friendly equality; the
/// rest (regex, tags, platform versions) is checked with [`AppFilter::matches`] afterwards, so
/// both stores agree exactly.
/// The store answers every filter from an index (`name`, `teamowner`, `owner`, `pool`,
/// `framework`, `teams`, `tags`); the platform version and the exact regular-expression
/// semantics are checked again on what it returns.
fn app_query(f: &AppFilter) -> Document {
    let mut q = Document::new();
    if let Some(re) = &f.name {
        q.insert("name", doc! {"$regex": re.as_str()});
    }
    if !f.tags.is_empty() {
        q.insert("tags", doc! {"$all": &f.tags});
    }
    if let Some(t) = &f.team_owner {
        q.insert("teamowner", t);
    }
    if let Some(o) = &f.owner {
        q.insert("owner", o);
    }
    if let Some(p) = &f.pool {
        q.insert("pool", p);
    }
    if let Some((name, _)) = &f.platform {
        q.insert("framework", name);
    }
    if let Some(v) = &f.visibility {
        q.insert(
            "$or",
            vec![
                doc! {"teams": {"$in": &v.teams}},
                doc! {"name": {"$in": &v.names}},
                doc! {"pool": {"$in": &v.pools}},
            ],
        );
    }
    q
}

#[async_trait]
impl AppStorage for super::MongoStore {
    async fn insert(&self, app: &App) -> Result<()> {
        self.insert_or::<AppDocument>(AppDocument::new(app, insertion_stamp()), || {
            app_already_exists(&app.name)
        })
        .await
    }

    async fn find(&self, name: &str) -> Result<Option<App>> {
        self.find_as::<AppDocument, _>(doc! {"name": name}).await
    }

    async fn list(&self, filter: &AppFilter) -> Result<Vec<App>> {
        let docs =
            self.all::<AppDocument>(app_query(filter), doc! {"tsurud_order": 1, "name": 1}).await?;
        Ok(docs.into_iter().map(App::from).filter(|a| filter.matches(a)).collect())
    }

    async fn update(&self, app: &App) -> Result<()> {
        self.lock_read::<AppDocument, _>(
            &app.name,
            doc! {"name": &app.name},
            || app_not_found(&app.name),
            |current| Ok(Write::Replace(AppDocument::new(app, current.tsurud_order))),
        )
        .await
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.delete_or::<AppDocument>(doc! {"name": name}, || app_not_found(name)).await
    }

    async fn count_in_pool(&self, pool: &str) -> Result<usize> {
        self.count::<AppDocument>(doc! {"pool": pool}).await
    }

    async fn names_by_team(&self, team: &str) -> Result<Vec<String>> {
        let docs = self.all::<AppDocument>(doc! {"teams": team}, doc! {"tsurud_order": 1}).await?;
        Ok(docs.into_iter().map(|d| d.name).collect())
    }

    async fn count_by_platform(&self, platform: &str) -> Result<usize> {
        self.count::<AppDocument>(doc! {"framework": platform}).await
    }

    async fn mark_platform_updated(&self, platform: &str) -> Result<()> {
        for d in
            self.all::<AppDocument>(doc! {"framework": platform}, doc! {"tsurud_order": 1}).await?
        {
            self.exclusive(format!("{APPS}/{}", d.name), || async {
                self.docs::<AppDocument>()
                    .update_one(doc! {"name": &d.name}, doc! {"$set": {"updateplatform": true}})
                    .await
                    .map_err(db_error)
            })
            .await?;
        }
        Ok(())
    }

    async fn rename_team(&self, old: &str, new: &str) -> Result<()> {
        let filter = doc! {"$or": [{"teamowner": old}, {"teams": old}]};
        for d in self.all::<AppDocument>(filter, doc! {"tsurud_order": 1}).await? {
            self.exclusive(format!("{APPS}/{}", d.name), || async {
                let Some(mut cur) = self.one::<AppDocument>(doc! {"name": &d.name}).await? else {
                    return Ok(());
                };
                if cur.teamowner == old {
                    cur.teamowner = new.to_string();
                }
                for t in cur.teams.iter_mut().filter(|t| *t == old) {
                    *t = new.to_string();
                }
                self.docs::<AppDocument>()
                    .update_one(
                        doc! {"name": &d.name},
                        doc! {"$set": {"teamowner": &cur.teamowner, "teams": &cur.teams}},
                    )
                    .await
                    .map_err(db_error)?;
                Ok(())
            })
            .await?;
        }
        Ok(())
    }
}

super::doctor::stored! {
    AppDocument => APPS, label "name";
}
