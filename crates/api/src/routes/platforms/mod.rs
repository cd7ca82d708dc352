//! `/platforms`: build images from Dockerfiles, enable, disable, roll back.
use serde::{Deserialize, Serialize};
use tsuru_domain::platform::Platform;
use tsuru_domain::Call;
use tsuru_domain::Error;
use utoipa::ToSchema;

use super::{Family, Route};
use crate::extract::{ActingOn, Caller, Form, Input, Named, OnName, Upload};
use crate::reply::{Done, Json, List, Reply, DONE};
use crate::stream::{stream, Streamed};

const FILE: &str = "dockerfile_content";

pub(crate) fn routes() -> Vec<Route> {
    Family("platforms").routes(vec![
        Route::get("1.0", "/platforms", list, "List platforms").plain(),
        Route::post("1.0", "/platforms", create, "Add a platform from a Dockerfile")
            .links("platform", "$request.body#/name"),
        Route::put(
            "1.0",
            "/platforms/{platform}",
            update,
            "Enable or disable a platform, or rebuild it from a new Dockerfile",
        )
        .linked(),
        Route::delete("1.0", "/platforms/{platform}", remove, "Remove a platform").linked(),
        Route::get("1.6", "/platforms/{platform}", info, "A platform and its images").linked(),
        Route::post(
            "1.6",
            "/platforms/{platform}/rollback",
            rollback,
            "Roll a platform back to an earlier image",
        )
        .linked(),
    ])
}

/// `name` and the Dockerfile, a file part named `dockerfile_content`.
#[derive(Deserialize, ToSchema)]
pub struct CreatePlatformRequest {
    #[serde(default, deserialize_with = "crate::extract::lenient_string")]
    #[schema(pattern = r"^[a-z][a-z0-9-]{0,39}$", required = true)]
    pub name: String,
    #[serde(default)]
    #[schema(value_type = String, format = Binary, required = true)]
    #[expect(dead_code, reason = "documented here, read from the raw input")]
    pub dockerfile_content: serde::de::IgnoredAny,
}

/// `disabled` and/or a new Dockerfile (a file part named `dockerfile_content`).
#[derive(Deserialize, ToSchema)]
pub struct UpdatePlatformRequest {
    pub disabled: Option<bool>,
    #[serde(default)]
    #[schema(value_type = String, format = Binary)]
    #[expect(dead_code, reason = "documented here, read from the raw input")]
    pub dockerfile_content: serde::de::IgnoredAny,
}

/// `image`: a version (`v2`, `2`) or `<platform image>:v2`.
#[derive(Deserialize, ToSchema)]
pub struct RollbackRequest {
    #[serde(default, deserialize_with = "crate::extract::lenient_string")]
    #[schema(min_length = 1, required = true)]
    pub image: String,
}

/// A platform.
#[derive(Serialize, ToSchema)]
pub struct PlatformResponse {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Disabled")]
    disabled: bool,
}

impl From<Platform> for PlatformResponse {
    fn from(p: Platform) -> Self {
        PlatformResponse { name: p.name, disabled: p.disabled }
    }
}

/// The platform and its image versions, oldest first.
#[derive(Serialize, ToSchema)]
pub struct PlatformInfoResponse {
    images: Vec<String>,
    platform: PlatformResponse,
}

fn dockerfile(input: &Input) -> Option<String> {
    input.file(FILE).map(|b| String::from_utf8_lossy(b).into_owned())
}

/// Enabled ones, or all for platform admins.
async fn list(Caller { id, state }: Caller) -> Reply<List<PlatformResponse>> {
    let list = state.platforms.list(&id).await?;
    Ok(List(list.into_iter().map(PlatformResponse::from).collect()))
}

async fn info(Named { id, state, name }: Named) -> Reply<Json<PlatformInfoResponse>> {
    let (platform, images) = state.platforms.info(&id, &name).await?;
    Ok(Json(PlatformInfoResponse { images, platform: platform.into() }))
}

/// Multipart `name` and file `dockerfile_content`, streamed.
async fn create(
    Caller { id, state }: Caller,
    form: Upload<CreatePlatformRequest>,
) -> Reply<Streamed> {
    let file = if form.input.is_multipart() {
        dockerfile(&form.input).ok_or_else(|| Error::bad_request("http: no such file"))
    } else {
        Err(Error::bad_request("request Content-Type isn't multipart/form-data"))
    };
    let call = Call::new(id, form.input.origin());
    let name = form.value.name;
    Ok(stream(move |out| async move {
        let file = file.as_deref().map_err(|e| Error::bad_request(e.to_string()));
        state.platforms.add(&call, &name, file, out).await
    })
    .await)
}

/// Multipart `disabled` and optional `dockerfile_content`.
async fn update(
    Named { id, state, name }: Named,
    form: Upload<UpdatePlatformRequest>,
) -> Reply<Streamed> {
    let disabled = form.value.disabled;
    let file = dockerfile(&form.input);
    let call = Call::new(id, form.input.origin());
    Ok(stream(move |out| async move {
        state.platforms.update(&call, &name, disabled, file.as_deref(), out).await
    })
    .await)
}

async fn remove(on: OnName) -> Reply<Done> {
    on.state.platforms.remove(&on.call, &on.name).await?;
    Ok(DONE)
}

async fn rollback(
    ActingOn { call, state, name, body }: ActingOn<Form<RollbackRequest>>,
) -> Reply<Streamed> {
    let image = body.image;
    Ok(stream(move |out| async move { state.platforms.rollback(&call, &name, &image, out).await })
        .await)
}
