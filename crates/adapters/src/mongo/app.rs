//! Apps, pools and their constraints, plans and platforms: tsuru's `apps`, `pool`,
//! `pool_constraints`, `plans`, `platforms` and `platform_images` collections.
use std::collections::BTreeMap;

use async_trait::async_trait;
use futures::TryStreamExt;
use mongodb::bson::{doc, oid::ObjectId, Bson, Document};
use mongodb::Collection;
use serde::{Deserialize, Serialize};
use tsuru_domain::app::{App, AppFilter, AppRouter, AppStorage, EnvVar, Metadata, MetadataItem};
use tsuru_domain::plan::{Plan, PlanOverride, PlanStorage};
use tsuru_domain::platform::{Platform, PlatformStorage, PlatformVersion};
use tsuru_domain::pool::{Constraint, Pool, PoolStorage, POOL_NOT_FOUND};
use tsuru_domain::{Error, Result};

use super::user::{null_as_default, QuotaDocument};
use super::{db_error, insertion_stamp, is_duplicate_key};

/// Collection names.
pub mod names {
    /// Apps (tsuru).
    pub const APPS: &str = "apps";
    /// Pools (tsuru).
    pub const POOLS: &str = "pool";
    /// Pool constraints (tsuru).
    pub const POOL_CONSTRAINTS: &str = "pool_constraints";
    /// Plans (tsuru).
    pub const PLANS: &str = "plans";
    /// Platforms (tsuru).
    pub const PLATFORMS: &str = "platforms";
    /// Platform image history (tsuru).
    pub const PLATFORM_IMAGES: &str = "platform_images";
}
use names::*;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct OverrideDocument {
    #[serde(default)]
    memory: Option<i64>,
    #[serde(default)]
    cpumilli: Option<i64>,
}

/// tsuru's plan (embedded in apps, and the `plans` documents with `_id` = name).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlanDocument {
    #[serde(rename = "_id", alias = "name")]
    name: String,
    #[serde(default)]
    memory: i64,
    #[serde(default)]
    cpumilli: i64,
    #[serde(default)]
    default: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    r#override: OverrideDocument,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tsurud_order: Option<ObjectId>,
}

impl From<&Plan> for PlanDocument {
    fn from(p: &Plan) -> Self {
        PlanDocument {
            name: p.name.clone(),
            memory: p.memory,
            cpumilli: p.cpumilli,
            default: p.default,
            r#override: OverrideDocument {
                memory: p.r#override.memory,
                cpumilli: p.r#override.cpumilli,
            },
            tsurud_order: None,
        }
    }
}

impl From<PlanDocument> for Plan {
    fn from(d: PlanDocument) -> Self {
        Plan {
            name: d.name,
            memory: d.memory,
            cpumilli: d.cpumilli,
            default: d.default,
            r#override: PlanOverride {
                memory: d.r#override.memory,
                cpumilli: d.r#override.cpumilli,
            },
        }
    }
}

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
struct MetadataDocument {
    #[serde(default, deserialize_with = "null_as_default")]
    labels: Vec<ItemDocument>,
    #[serde(default, deserialize_with = "null_as_default")]
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
    list.iter()
        .map(|i| ItemDocument {
            name: i.name.clone(),
            value: i.value.clone(),
        })
        .collect()
}

fn from_items(list: Vec<ItemDocument>) -> Vec<MetadataItem> {
    list.into_iter()
        .map(|i| MetadataItem {
            name: i.name,
            value: i.value,
        })
        .collect()
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
                r#override: OverrideDocument {
                    memory: a.plan.r#override.memory,
                    cpumilli: a.plan.r#override.cpumilli,
                },
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
                .map(|r| RouterDocument {
                    name: r.name.clone(),
                    opts: r.opts.clone(),
                })
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
                r#override: PlanOverride {
                    memory: d.plan.r#override.memory,
                    cpumilli: d.plan.r#override.cpumilli,
                },
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
                .map(|r| AppRouter {
                    name: r.name,
                    opts: r.opts,
                })
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

fn app_not_found(name: &str) -> Error {
    Error::not_found(format!("App {name} not found."))
}

/// The part of an [`AppFilter`] the database can answer with indexes-friendly equality; the
/// rest (regex, tags, platform versions) is checked with [`AppFilter::matches`] afterwards, so
/// both stores agree exactly.
fn app_query(f: &AppFilter) -> Document {
    let mut q = Document::new();
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

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PoolDocument {
    #[serde(rename = "_id")]
    name: String,
    #[serde(default)]
    default: bool,
    #[serde(default)]
    provisioner: String,
    #[serde(default, deserialize_with = "null_as_default")]
    labels: BTreeMap<String, String>,
    #[serde(default = "insertion_stamp")]
    tsurud_order: ObjectId,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ConstraintDocument {
    poolexpr: String,
    field: String,
    #[serde(default, deserialize_with = "null_as_default")]
    values: Vec<String>,
    #[serde(default)]
    blacklist: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlatformDocument {
    #[serde(rename = "_id")]
    name: String,
    #[serde(default)]
    disabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VersionDocument {
    version: i64,
    #[serde(default, deserialize_with = "null_as_default")]
    images: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PlatformImagesDocument {
    #[serde(rename = "_id")]
    name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    versions: Vec<VersionDocument>,
    #[serde(default)]
    count: i64,
}

impl super::MongoStore {
    fn apps(&self) -> Collection<AppDocument> {
        self.coll(APPS)
    }

    fn pools(&self) -> Collection<PoolDocument> {
        self.coll(POOLS)
    }

    fn pool_constraints(&self) -> Collection<ConstraintDocument> {
        self.coll(POOL_CONSTRAINTS)
    }

    fn plans(&self) -> Collection<PlanDocument> {
        self.coll(PLANS)
    }

    fn platforms(&self) -> Collection<PlatformDocument> {
        self.coll(PLATFORMS)
    }

    fn platform_images(&self) -> Collection<PlatformImagesDocument> {
        self.coll(PLATFORM_IMAGES)
    }

    async fn all<T>(&self, coll: Collection<T>, filter: Document, sort: Document) -> Result<Vec<T>>
    where
        T: Send + Sync + for<'de> Deserialize<'de>,
    {
        coll.find(filter)
            .sort(sort)
            .await
            .map_err(db_error)?
            .try_collect()
            .await
            .map_err(db_error)
    }
}

#[async_trait]
impl AppStorage for super::MongoStore {
    async fn insert(&self, app: &App) -> Result<()> {
        match self
            .apps()
            .insert_one(AppDocument::new(app, insertion_stamp()))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => Err(Error::conflict(format!(
                "tsuru failed to create the app {:?}: there is already an app with this name",
                app.name
            ))),
            Err(e) => Err(db_error(e)),
        }
    }

    async fn find(&self, name: &str) -> Result<Option<App>> {
        Ok(self
            .apps()
            .find_one(doc! {"name": name})
            .await
            .map_err(db_error)?
            .map(App::from))
    }

    async fn list(&self, filter: &AppFilter) -> Result<Vec<App>> {
        let docs = self
            .all(
                self.apps(),
                app_query(filter),
                doc! {"tsurud_order": 1, "name": 1},
            )
            .await?;
        Ok(docs
            .into_iter()
            .map(App::from)
            .filter(|a| filter.matches(a))
            .collect())
    }

    async fn update(&self, app: &App) -> Result<()> {
        self.exclusive(format!("{APPS}/{}", app.name), || async {
            let current = self
                .apps()
                .find_one(doc! {"name": &app.name})
                .await
                .map_err(db_error)?
                .ok_or_else(|| app_not_found(&app.name))?;
            let replacement = AppDocument::new(app, current.tsurud_order);
            self.apps()
                .replace_one(doc! {"name": &app.name}, replacement)
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn delete(&self, name: &str) -> Result<()> {
        let r = self
            .apps()
            .delete_one(doc! {"name": name})
            .await
            .map_err(db_error)?;
        if r.deleted_count == 0 {
            return Err(app_not_found(name));
        }
        Ok(())
    }

    async fn count_in_pool(&self, pool: &str) -> Result<usize> {
        let n = self
            .apps()
            .count_documents(doc! {"pool": pool})
            .await
            .map_err(db_error)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn names_by_team(&self, team: &str) -> Result<Vec<String>> {
        let docs = self
            .all(self.apps(), doc! {"teams": team}, doc! {"tsurud_order": 1})
            .await?;
        Ok(docs.into_iter().map(|d| d.name).collect())
    }

    async fn count_by_platform(&self, platform: &str) -> Result<usize> {
        let n = self
            .apps()
            .count_documents(doc! {"framework": platform})
            .await
            .map_err(db_error)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    async fn mark_platform_updated(&self, platform: &str) -> Result<()> {
        for d in self
            .all(
                self.apps(),
                doc! {"framework": platform},
                doc! {"tsurud_order": 1},
            )
            .await?
        {
            self.exclusive(format!("{APPS}/{}", d.name), || async {
                self.apps()
                    .update_one(
                        doc! {"name": &d.name},
                        doc! {"$set": {"updateplatform": true}},
                    )
                    .await
                    .map_err(db_error)
            })
            .await?;
        }
        Ok(())
    }

    async fn rename_team(&self, old: &str, new: &str) -> Result<()> {
        let filter = doc! {"$or": [{"teamowner": old}, {"teams": old}]};
        for d in self
            .all(self.apps(), filter, doc! {"tsurud_order": 1})
            .await?
        {
            self.exclusive(format!("{APPS}/{}", d.name), || async {
                let Some(mut cur) = self
                    .apps()
                    .find_one(doc! {"name": &d.name})
                    .await
                    .map_err(db_error)?
                else {
                    return Ok(());
                };
                if cur.teamowner == old {
                    cur.teamowner = new.to_string();
                }
                for t in cur.teams.iter_mut().filter(|t| *t == old) {
                    *t = new.to_string();
                }
                self.apps()
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

#[async_trait]
impl PoolStorage for super::MongoStore {
    async fn insert(&self, pool: &Pool) -> Result<()> {
        let d = PoolDocument {
            name: pool.name.clone(),
            default: pool.default,
            provisioner: pool.provisioner.clone(),
            labels: pool.labels.clone(),
            tsurud_order: insertion_stamp(),
        };
        match self.pools().insert_one(d).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => Err(Error::conflict("Pool already exists.")),
            Err(e) => Err(db_error(e)),
        }
    }

    async fn find(&self, name: &str) -> Result<Option<Pool>> {
        let d = self
            .pools()
            .find_one(doc! {"_id": name})
            .await
            .map_err(db_error)?;
        Ok(d.map(|d| Pool {
            name: d.name,
            default: d.default,
            provisioner: d.provisioner,
            labels: d.labels,
        }))
    }

    async fn list(&self) -> Result<Vec<Pool>> {
        let docs = self
            .all(self.pools(), doc! {}, doc! {"tsurud_order": 1, "_id": 1})
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| Pool {
                name: d.name,
                default: d.default,
                provisioner: d.provisioner,
                labels: d.labels,
            })
            .collect())
    }

    async fn update(&self, pool: &Pool) -> Result<()> {
        let labels: Document = pool
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), Bson::String(v.clone())))
            .collect();
        let r = self
            .pools()
            .update_one(
                doc! {"_id": &pool.name},
                doc! {"$set": {"default": pool.default, "provisioner": &pool.provisioner, "labels": labels}},
            )
            .await
            .map_err(db_error)?;
        if r.matched_count == 0 {
            return Err(Error::not_found(POOL_NOT_FOUND));
        }
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        let r = self
            .pools()
            .delete_one(doc! {"_id": name})
            .await
            .map_err(db_error)?;
        if r.deleted_count == 0 {
            return Err(Error::not_found(POOL_NOT_FOUND));
        }
        Ok(())
    }

    async fn constraints(&self) -> Result<Vec<Constraint>> {
        let docs = self
            .all(
                self.pool_constraints(),
                doc! {},
                doc! {"poolexpr": 1, "field": 1},
            )
            .await?;
        Ok(docs
            .into_iter()
            .map(|d| Constraint {
                pool_expr: d.poolexpr,
                field: d.field,
                values: d.values,
                blacklist: d.blacklist,
            })
            .collect())
    }

    async fn set_constraint(&self, c: &Constraint) -> Result<()> {
        let key = format!("{POOL_CONSTRAINTS}/{}/{}", c.pool_expr, c.field);
        self.exclusive(key, || async {
            let d = ConstraintDocument {
                poolexpr: c.pool_expr.clone(),
                field: c.field.clone(),
                values: c.values.clone(),
                blacklist: c.blacklist,
            };
            self.pool_constraints()
                .replace_one(doc! {"poolexpr": &c.pool_expr, "field": &c.field}, d)
                .upsert(true)
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn delete_constraint(&self, pool_expr: &str, field: &str) -> Result<()> {
        let key = format!("{POOL_CONSTRAINTS}/{pool_expr}/{field}");
        self.exclusive(key, || async {
            self.pool_constraints()
                .delete_many(doc! {"poolexpr": pool_expr, "field": field})
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl PlanStorage for super::MongoStore {
    async fn insert(&self, plan: &Plan) -> Result<()> {
        let mut d = PlanDocument::from(plan);
        d.tsurud_order = Some(insertion_stamp());
        match self.plans().insert_one(d).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => Err(Error::conflict("plan already exists")),
            Err(e) => Err(db_error(e)),
        }
    }

    async fn list(&self) -> Result<Vec<Plan>> {
        let docs = self
            .all(self.plans(), doc! {}, doc! {"tsurud_order": 1, "_id": 1})
            .await?;
        Ok(docs.into_iter().map(Plan::from).collect())
    }

    async fn find(&self, name: &str) -> Result<Option<Plan>> {
        Ok(self
            .plans()
            .find_one(doc! {"_id": name})
            .await
            .map_err(db_error)?
            .map(Plan::from))
    }

    async fn clear_default(&self) -> Result<()> {
        self.plans()
            .update_many(doc! {"default": true}, doc! {"$set": {"default": false}})
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        let r = self
            .plans()
            .delete_one(doc! {"_id": name})
            .await
            .map_err(db_error)?;
        if r.deleted_count == 0 {
            return Err(Error::not_found("plan not found"));
        }
        Ok(())
    }
}

fn platform_not_found() -> Error {
    Error::not_found("Platform doesn't exist.")
}

#[async_trait]
impl PlatformStorage for super::MongoStore {
    async fn insert(&self, platform: &Platform) -> Result<()> {
        let d = PlatformDocument {
            name: platform.name.clone(),
            disabled: platform.disabled,
        };
        match self.platforms().insert_one(d).await {
            Ok(_) => Ok(()),
            Err(e) if is_duplicate_key(&e) => Err(Error::conflict("Duplicate platform")),
            Err(e) => Err(db_error(e)),
        }
    }

    async fn find(&self, name: &str) -> Result<Option<Platform>> {
        let d = self
            .platforms()
            .find_one(doc! {"_id": name})
            .await
            .map_err(db_error)?;
        Ok(d.map(|d| Platform {
            name: d.name,
            disabled: d.disabled,
        }))
    }

    async fn list(&self) -> Result<Vec<Platform>> {
        let docs = self.all(self.platforms(), doc! {}, doc! {"_id": 1}).await?;
        Ok(docs
            .into_iter()
            .map(|d| Platform {
                name: d.name,
                disabled: d.disabled,
            })
            .collect())
    }

    async fn update(&self, platform: &Platform) -> Result<()> {
        let r = self
            .platforms()
            .update_one(
                doc! {"_id": &platform.name},
                doc! {"$set": {"disabled": platform.disabled}},
            )
            .await
            .map_err(db_error)?;
        if r.matched_count == 0 {
            return Err(platform_not_found());
        }
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<()> {
        self.exclusive(format!("{PLATFORM_IMAGES}/{name}"), || async {
            let r = self
                .platforms()
                .delete_one(doc! {"_id": name})
                .await
                .map_err(db_error)?;
            if r.deleted_count == 0 {
                return Err(platform_not_found());
            }
            self.platform_images()
                .delete_one(doc! {"_id": name})
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn versions(&self, name: &str) -> Result<Vec<PlatformVersion>> {
        let d = self
            .platform_images()
            .find_one(doc! {"_id": name})
            .await
            .map_err(db_error)?;
        let mut versions: Vec<PlatformVersion> = d
            .map(|d| {
                d.versions
                    .into_iter()
                    .map(|v| PlatformVersion {
                        version: v.version,
                        images: v.images,
                    })
                    .collect()
            })
            .unwrap_or_default();
        versions.sort_by_key(|v| v.version);
        Ok(versions)
    }

    async fn add_version(&self, name: &str, version: &PlatformVersion) -> Result<()> {
        self.exclusive(format!("{PLATFORM_IMAGES}/{name}"), || async {
            let mut d = self
                .platform_images()
                .find_one(doc! {"_id": name})
                .await
                .map_err(db_error)?
                .unwrap_or(PlatformImagesDocument {
                    name: name.to_string(),
                    versions: Vec::new(),
                    count: 0,
                });
            d.versions.push(VersionDocument {
                version: version.version,
                images: version.images.clone(),
            });
            d.count = d.count.max(version.version);
            self.platform_images()
                .replace_one(doc! {"_id": name}, d)
                .upsert(true)
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }
}
