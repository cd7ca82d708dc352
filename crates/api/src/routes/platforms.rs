use actix_web::{web, HttpResponse};
use serde_json::json;

use super::app_views::platform_json;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Input};
use crate::json;
use crate::state::AppState;
use crate::stream::stream;

const FILE: &str = "dockerfile_content";

/// `GET /1.0/platforms`: enabled ones, or all for platform admins; 204 when none.
pub async fn list(Auth(id): Auth, state: web::Data<AppState>) -> ApiResult {
    let list = state.platforms.list(&id).await?;
    if list.is_empty() {
        return Ok(HttpResponse::NoContent().finish());
    }
    json::ok(&list.iter().map(platform_json).collect::<Vec<_>>())
}

/// `GET /1.6/platforms/{platform}`: `{"images":[..],"platform":{..}}`.
pub async fn info(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult {
    let (platform, images) = state.platforms.info(&id, &path).await?;
    json::ok(&json!({"images": images, "platform": platform_json(&platform)}))
}

fn dockerfile(input: &Input) -> Result<Option<String>, ApiError> {
    Ok(input
        .file(FILE)
        .map(|b| String::from_utf8_lossy(b).into_owned()))
}

/// `POST /1.0/platforms`: multipart `name` and file `dockerfile_content`, streamed.
pub async fn create(Auth(id): Auth, state: web::Data<AppState>, input: Input) -> ApiResult {
    if !input.is_multipart() {
        return Err(ApiError::bad_request(
            "request Content-Type isn't multipart/form-data",
        ));
    }
    let file = dockerfile(&input)?.ok_or_else(|| ApiError::bad_request("http: no such file"))?;
    let name = input.value("name");
    let origin = input.origin();
    Ok(
        stream(
            move |out| async move { state.platforms.add(&id, &origin, &name, &file, out).await },
        )
        .await,
    )
}

/// `PUT /1.0/platforms/{platform}`: multipart `disabled` and optional `dockerfile_content`.
pub async fn update(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let disabled = input.bool("disabled")?;
    let file = dockerfile(&input)?;
    let origin = input.origin();
    let name = path.into_inner();
    Ok(stream(move |out| async move {
        state
            .platforms
            .update(&id, &origin, &name, disabled, file.as_deref(), out)
            .await
    })
    .await)
}

/// `DELETE /1.0/platforms/{platform}`.
pub async fn remove(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    state.platforms.remove(&id, &input.origin(), &path).await?;
    Ok(HttpResponse::Ok().finish())
}

/// `POST /1.6/platforms/{platform}/rollback` with `image`, streamed.
pub async fn rollback(
    Auth(id): Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    input: Input,
) -> ApiResult {
    let image = input.value("image");
    let origin = input.origin();
    let name = path.into_inner();
    Ok(stream(move |out| async move {
        state
            .platforms
            .rollback(&id, &origin, &name, &image, out)
            .await
    })
    .await)
}
