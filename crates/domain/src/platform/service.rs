use std::sync::Arc;

use derive_new::new;

use super::{
    parse_image_version, Platform, PlatformStorage, INVALID_PLATFORM, INVALID_PLATFORM_NAME,
};
use crate::app::{valid_name, AppStorage};
use crate::event::{Allowed, EventService, NewEvent, Target};
use crate::output::{Out, Output};
use crate::provision::{PlatformBuild, Provisioner};
use crate::{Call, Error, Identity, Result};

/// Platform use cases.
#[derive(new)]
pub struct PlatformService {
    storage: Arc<dyn PlatformStorage>,
    apps: Arc<dyn AppStorage>,
    /// Builds platform images.
    builder: Arc<dyn Provisioner>,
    events: Arc<EventService>,
}

fn platform_event(name: &str, kind: &str, call: &Call) -> NewEvent {
    let mut ev = NewEvent::new(
        Target::new("platform", name),
        kind,
        call,
        Allowed::new("platform.read.events", vec![]),
    );
    if kind != "platform.delete" {
        ev.cancelable = true;
        ev.allowed_cancel = Allowed::new("platform.update.events", vec![]);
    }
    ev
}

impl PlatformService {
    fn is_admin(identity: &Identity) -> bool {
        identity.can("platform.update", &[]) || identity.can("platform.create", &[])
    }

    /// Platforms: all for admins, enabled ones for everyone else.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn list(&self, identity: &Identity) -> Result<Vec<Platform>> {
        let admin = Self::is_admin(identity);
        Ok(self.storage.list().await?.into_iter().filter(|p| admin || !p.disabled).collect())
    }

    /// A platform an app may use: it exists, and is enabled unless the caller administers
    /// platforms.
    ///
    /// # Errors
    /// 400 `Invalid platform`.
    #[tracing::instrument(skip_all)]
    pub async fn usable(&self, identity: &Identity, name: &str) -> Result<Platform> {
        match self.storage.find(name).await? {
            Some(p) if !p.disabled || Self::is_admin(identity) => Ok(p),
            _ => Err(Error::bad_request(INVALID_PLATFORM)),
        }
    }

    /// Whether version `v` of the platform exists.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn has_version(&self, name: &str, v: i64) -> Result<bool> {
        Ok(self.storage.versions(name).await?.iter().any(|x| x.version == v))
    }

    /// A platform and every image of every version.
    ///
    /// # Errors
    /// 403 without `platform.update` or `platform.read`; 404 `Invalid platform`.
    #[tracing::instrument(skip_all)]
    pub async fn info(&self, identity: &Identity, name: &str) -> Result<(Platform, Vec<String>)> {
        if !identity.can("platform.update", &[]) && !identity.can("platform.read", &[]) {
            return Err(Error::forbidden());
        }
        let platform =
            self.storage.find(name).await?.ok_or_else(|| Error::not_found(INVALID_PLATFORM))?;
        let versions = self.storage.versions(name).await?;
        let images = if versions.is_empty() {
            vec![format!("tsuru/{name}:latest")]
        } else {
            versions.into_iter().flat_map(|v| v.images).collect()
        };
        Ok((platform, images))
    }

    async fn build(&self, name: &str, dockerfile: &str, out: &dyn Output) -> Result<()> {
        let next =
            self.storage.versions(name).await?.iter().map(|v| v.version).max().unwrap_or(0) + 1;
        let images = self
            .builder
            .build_platform(PlatformBuild { name, version: next, dockerfile }, out)
            .await?;
        self.storage
            .add_version(name, &crate::platform::PlatformVersion { version: next, images })
            .await
    }

    /// Adds a platform built from `dockerfile`, streaming the build.
    ///
    /// # Errors
    /// 400 for an empty file or a bad name; 403 without a global `platform.create`; 409
    /// `Duplicate platform`; build failures.
    #[tracing::instrument(skip_all)]
    pub async fn add(
        &self,
        call: &Call,
        name: &str,
        dockerfile: Result<&str>,
        out: Out,
    ) -> Result<()> {
        call.require("platform.create", &[])?;
        // The upload is checked after the permission, so that a caller without it learns
        // nothing from the shape of their request.
        let dockerfile = dockerfile?;
        if dockerfile.trim().is_empty() {
            return Err(Error::bad_request("Missing file content."));
        }
        let ev = platform_event(name, "platform.create", call);
        self.events
            .run_logged(ev, out, |progress| async move {
                if name.is_empty() {
                    return Err(Error::bad_request("Platform name is required."));
                }
                if !valid_name(name) {
                    return Err(Error::bad_request(INVALID_PLATFORM_NAME));
                }
                let platform = Platform { name: name.to_string(), disabled: false };
                self.storage.insert(&platform).await?;
                if let Err(e) = self.build(name, dockerfile, progress.as_ref()).await {
                    let _ = self.storage.delete(name).await;
                    return Err(e);
                }
                progress.write("Platform successfully added!\n");
                Ok(())
            })
            .await
    }

    /// Rebuilds from a new Dockerfile and/or enables or disables a platform.
    ///
    /// # Errors
    /// 403 without a global `platform.update`; 404 `Invalid platform`; 400 when neither is given.
    #[tracing::instrument(skip_all)]
    pub async fn update(
        &self,
        call: &Call,
        name: &str,
        disabled: Option<bool>,
        dockerfile: Option<&str>,
        out: Out,
    ) -> Result<()> {
        call.require("platform.update", &[])?;
        self.events
            .run_logged(platform_event(name, "platform.update", call), out, |progress| async move {
                let mut platform = self
                    .storage
                    .find(name)
                    .await?
                    .ok_or_else(|| Error::not_found(INVALID_PLATFORM))?;
                let dockerfile = dockerfile.filter(|d| !d.trim().is_empty());
                if disabled.is_none() && dockerfile.is_none() {
                    return Err(Error::bad_request(
                        "either disabled or dockerfile must be provided",
                    ));
                }
                if let Some(d) = dockerfile {
                    self.build(name, d, progress.as_ref()).await?;
                    self.apps.mark_platform_updated(name).await?;
                }
                if let Some(d) = disabled {
                    platform.disabled = d;
                    self.storage.update(&platform).await?;
                }
                progress.write("Platform successfully updated!\n");
                Ok(())
            })
            .await
    }

    /// Rebuilds a platform from one of its earlier images, as a new version.
    ///
    /// # Errors
    /// 400 without an image or for a bad version; 403; 404 for an unknown platform or version.
    #[tracing::instrument(skip_all)]
    pub async fn rollback(&self, call: &Call, name: &str, image: &str, out: Out) -> Result<()> {
        call.require("platform.update", &[])?;
        if image.is_empty() {
            return Err(Error::bad_request("you cannot rollback without an image name"));
        }
        let version = parse_image_version(image)?;
        self.events
            .run_logged(platform_event(name, "platform.update", call), out, |progress| async move {
                async {
                    self.storage
                        .find(name)
                        .await?
                        .ok_or_else(|| Error::not_found(INVALID_PLATFORM))?;
                    let versions = self.storage.versions(name).await?;
                    let source = versions
                        .iter()
                        .find(|v| v.version == version)
                        .and_then(|v| v.images.first().cloned())
                        .ok_or_else(|| {
                            Error::not_found(format!(
                                "platform {name} has no image version {version}"
                            ))
                        })?;
                    self.build(name, &format!("FROM {source}\n"), progress.as_ref()).await?;
                    self.apps.mark_platform_updated(name).await?;
                    progress.write("Platform successfully updated!\n");
                    Ok(())
                }
                .await
            })
            .await
    }

    /// Removes a platform no app uses.
    ///
    /// # Errors
    /// 403 without a global `platform.delete`; 400 while apps use it; 404 `Platform doesn't exist.`
    #[tracing::instrument(skip_all)]
    pub async fn remove(&self, call: &Call, name: &str) -> Result<()> {
        call.require("platform.delete", &[])?;
        let ev = platform_event(name, "platform.delete", call);
        self.events
            .run(ev, async {
                if self.apps.count_by_platform(name).await? > 0 {
                    return Err(Error::bad_request(
                        "Platform has apps. You must remove them before remove the platform.",
                    ));
                }
                self.storage.delete(name).await
            })
            .await
    }
}
