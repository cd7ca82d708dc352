//! `/iaas/machines` and `/iaas/templates`: machines created through an IaaS, and named
//! creation parameters.
pub(crate) mod wire;

use tsuru_domain::iaas::{Template, TemplateUpdate};

use self::wire::{
    data, CreateTemplateRequest, DestroyMachineQuery, MachineResponse, TemplateResponse,
    UpdateTemplateRequest,
};
use super::{Family, Route};
use crate::extract::{Acting, ActingOn, Caller, Form, OnName, OptionalForm, Query};
use crate::reply::{Done, Json, Made, Reply, DONE, MADE};

pub(crate) fn routes() -> Vec<Route> {
    Family("iaas").routes(vec![
        Route::get(
            "1.0",
            "/iaas/machines",
            list_machines,
            "Machines of the IaaSes the caller may read (`null` when none)",
        )
        .plain(),
        Route::delete(
            "1.0",
            "/iaas/machines/{machine_id}",
            destroy_machine,
            "Destroy a machine in its IaaS and forget it",
        ),
        Route::get(
            "1.0",
            "/iaas/templates",
            list_templates,
            "Machine templates of the IaaSes the caller may read (`null` when none)",
        )
        .plain(),
        Route::post("1.0", "/iaas/templates", create_template, "Create a machine template")
            .links("template_name", "$request.body#/Name"),
        Route::put(
            "1.0",
            "/iaas/templates/{template_name}",
            update_template,
            "Change a machine template (an empty value removes a parameter)",
        )
        .linked(),
        Route::delete(
            "1.0",
            "/iaas/templates/{template_name}",
            remove_template,
            "Remove a machine template",
        )
        .linked(),
    ])
}

/// Always 200: an array, or `null` when there is none (tsuru's encoding).
async fn list_machines(Caller { id, state }: Caller) -> Reply<Json<Option<Vec<MachineResponse>>>> {
    let list = state.iaas.list_machines(&id).await?;
    Ok(Json((!list.is_empty()).then(|| list.into_iter().map(MachineResponse::from).collect())))
}

async fn destroy_machine(
    ActingOn { call, state, name, body }: ActingOn<Query<DestroyMachineQuery>>,
) -> Reply<Done> {
    state.iaas.destroy_machine(&call, &name, body.force).await?;
    Ok(DONE)
}

/// Always 200: an array, or `null` when there is none.
async fn list_templates(
    Caller { id, state }: Caller,
) -> Reply<Json<Option<Vec<TemplateResponse>>>> {
    let list = state.iaas.list_templates(&id).await?;
    Ok(Json((!list.is_empty()).then(|| list.into_iter().map(TemplateResponse::from).collect())))
}

async fn create_template(
    Acting { call, state, body: b }: Acting<Form<CreateTemplateRequest>>,
) -> Reply<Made> {
    let template = Template { name: b.name, iaas_name: b.iaas_name, data: data(b.data) };
    state.iaas.create_template(&call, template).await?;
    Ok(MADE)
}

async fn update_template(
    ActingOn { call, state, name, body: b }: ActingOn<OptionalForm<UpdateTemplateRequest>>,
) -> Reply<Done> {
    let update = TemplateUpdate { iaas_name: b.iaas_name, data: data(b.data) };
    state.iaas.update_template(&call, &name, update).await?;
    Ok(DONE)
}

async fn remove_template(on: OnName) -> Reply<Done> {
    on.state.iaas.delete_template(&on.call, &on.name).await?;
    Ok(DONE)
}
