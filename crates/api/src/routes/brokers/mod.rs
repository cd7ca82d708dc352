//! `/brokers`: Open Service Brokers, whose services join the catalog as `<broker>::<service>`.
pub(crate) mod wire;

use actix_web::body::BoxBody;
use actix_web::{HttpRequest, HttpResponse, Responder};
use tsuru_domain::service::NewBroker;

use self::wire::{BrokerBody, BrokerListResponse};
use super::{Family, Route};
use crate::extract::{Acting, ActingOn, Caller, Form, OnName};
use crate::openapi::{DescribeReply, Op};
use crate::reply::{Done, Json, Made, NoContent, Reply, DONE, MADE, NO_CONTENT};

pub(crate) fn routes() -> Vec<Route> {
    Family("brokers").routes(vec![
        Route::get("1.7", "/brokers", list, "Service brokers (credentials left out)"),
        Route::post("1.7", "/brokers", create, "Add a service broker")
            .text(400, "unable to parse broker")
            .text(409, "Broker already exists."),
        Route::put(
            "1.7",
            "/brokers/{broker}",
            update,
            "Replace a service broker (the body may rename it)",
        )
        .text(400, "unable to parse broker"),
        Route::delete("1.7", "/brokers/{broker}", remove, "Remove a service broker"),
    ])
}

/// `{"brokers": [...]}`, or 204 without a body when there is none.
pub struct Brokers(Option<BrokerListResponse>);

impl Responder for Brokers {
    type Body = BoxBody;
    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        match self.0 {
            Some(list) => Json(list).respond_to(req),
            None => NO_CONTENT.respond_to(req),
        }
    }
}

impl DescribeReply for Brokers {
    fn describe_reply(op: &mut Op) {
        Json::<BrokerListResponse>::describe_reply(op);
        NoContent::describe_reply(op);
    }
}

async fn list(Caller { id, state }: Caller) -> Reply<Brokers> {
    let brokers = state.services.list_brokers(&id).await?;
    Ok(Brokers((!brokers.is_empty()).then(|| BrokerListResponse {
        brokers: brokers.into_iter().map(BrokerBody::from).collect(),
    })))
}

async fn create(Acting { call, state, body }: Acting<Form<BrokerBody>>) -> Reply<Made> {
    let new = NewBroker { broker: body.into() };
    state.services.create_broker(&call, new).await?;
    Ok(MADE)
}

async fn update(ActingOn { call, state, name, body }: ActingOn<Form<BrokerBody>>) -> Reply<Done> {
    let new = NewBroker { broker: body.into() };
    state.services.update_broker(&call, &name, new).await?;
    Ok(DONE)
}

async fn remove(on: OnName) -> Reply<Done> {
    on.state.services.delete_broker(&on.call, &on.name).await?;
    Ok(DONE)
}
