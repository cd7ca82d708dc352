//! Event webhooks (`/1.6/events/webhooks`) and their deliveries.
pub(crate) mod wire;

use std::collections::BTreeMap;

use tsuru_domain::webhook::Webhook;
use tsuru_domain::{Call, Identity};

use self::wire::{DeliveriesQuery, DeliveryResponse, WebhookRequest, WebhookResponse};
use super::{Family, Route};
use crate::error::ApiError;
use crate::extract::mask::Mask;
use crate::extract::{Caller, Form, Input, Named, Query};
use crate::reply::{Done, Json, List, Reply, DONE};

pub(crate) fn routes() -> Vec<Route> {
    Family("webhooks").routes(vec![
        Route::get("1.6", "/events/webhooks", list, "Webhooks the caller may read").plain(),
        Route::post("1.6", "/events/webhooks", create, "Create a webhook")
            .links("name", "$request.body#/name"),
        Route::get("1.6", "/events/webhooks/{name}", info, "A webhook").linked(),
        Route::put(
            "1.6",
            "/events/webhooks/{name}",
            update,
            "Replace a webhook (the secret stays unless sent)",
        )
        .linked(),
        Route::delete(
            "1.6",
            "/events/webhooks/{name}",
            remove,
            "Remove a webhook and its deliveries",
        )
        .linked(),
        Route::get(
            "1.6",
            "/events/webhooks/{name}/deliveries",
            deliveries,
            "A webhook's latest deliveries, newest first",
        )
        .linked(),
    ])
}

/// Header names and values: JSON `{"Name": ["v", ...]}` (or `"v"`), form `headers.Name.0=v`,
/// `headers.Name._=v` or `headers.Name=v`.
fn headers(input: &Input) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
    let sub = input.sub("headers");
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for key in sub.keys() {
        let name = match key.rsplit_once('.') {
            Some((n, idx)) if idx == "_" || idx.parse::<usize>().is_ok() => n.to_string(),
            _ => key.clone(),
        };
        if out.keys().any(|k| k.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let values = sub.list(&name).map_err(|_| {
            ApiError::bad_request(format!(
                "invalid value for \"headers.{name}\": expected a list of strings"
            ))
        })?;
        if !values.is_empty() {
            out.insert(name, values);
        }
    }
    Ok(out)
}

/// The call `id` makes with a create or update body, its webhook, and the secret if one was
/// sent.
fn parse(
    id: Identity,
    form: Form<WebhookRequest>,
) -> Result<(Call, Webhook, Option<String>), ApiError> {
    let headers = headers(&form.input)?;
    let call = call(id, &form.input);
    let b = form.value;
    let hook = Webhook {
        name: b.name,
        description: b.description,
        team_owner: b.team_owner,
        filter: b.event_filter.unwrap_or_default().into(),
        url: b.url,
        proxy_url: b.proxy_url,
        headers,
        method: b.method,
        body: b.body,
        insecure: b.insecure,
        secret: b.secret.clone().unwrap_or_default(),
    };
    Ok((call, hook, b.secret))
}

/// The call `id` makes with `input`, whose events never record the header values.
fn call(id: Identity, input: &Input) -> Call {
    Call::new(id, input.origin_masked(&[Mask::Headers]))
}

/// Webhooks of the teams the caller may read.
async fn list(Caller { id, state }: Caller) -> Reply<List<WebhookResponse>> {
    let hooks = state.webhooks.list(&id).await?;
    Ok(List(hooks.into_iter().map(WebhookResponse::from).collect()))
}

async fn info(Named { id, state, name }: Named) -> Reply<Json<WebhookResponse>> {
    Ok(Json(state.webhooks.find(&id, &name).await?.into()))
}

/// 200 with an empty body, as tsuru.
async fn create(Caller { id, state }: Caller, form: Form<WebhookRequest>) -> Reply<Done> {
    let (call, hook, _) = parse(id, form)?;
    state.webhooks.create(&call, hook).await?;
    Ok(DONE)
}

/// Replaces the webhook (the secret stays unless sent).
async fn update(Named { id, state, name }: Named, form: Form<WebhookRequest>) -> Reply<Done> {
    let (call, hook, secret) = parse(id, form)?;
    state.webhooks.update(&call, &name, hook, secret).await?;
    Ok(DONE)
}

async fn remove(Named { id, state, name }: Named, input: Input) -> Reply<Done> {
    state.webhooks.remove(&call(id, &input), &name).await?;
    Ok(DONE)
}

/// Newest first (at most 100).
async fn deliveries(
    Named { id, state, name }: Named,
    q: Query<DeliveriesQuery>,
) -> Reply<List<DeliveryResponse>> {
    let limit = match q.value.limit {
        None => 0,
        Some(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX),
        Some(_) => return Err(ApiError::bad_request("limit must be a positive integer")),
    };
    let list = state.webhooks.deliveries(&id, &name, limit).await?;
    Ok(List(list.into_iter().map(DeliveryResponse::from).collect()))
}
