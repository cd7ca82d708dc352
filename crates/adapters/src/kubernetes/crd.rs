//! tsuru's `App` custom resource (`apps.tsuru.io/v1`): where an app's namespace and objects
//! are recorded. The CRD is hand-written with tsuru's open schema so that tsuru and this server
//! can share a cluster.
use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, CustomResourceDefinitionNames, CustomResourceDefinitionSpec,
    CustomResourceDefinitionVersion, CustomResourceValidation, JSONSchemaProps,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, PostParams};
use kube::CustomResource;
use serde::{Deserialize, Serialize};

/// Name of the CRD.
pub const CRD_NAME: &str = "apps.tsuru.io";

/// The spec of tsuru's `App` resource.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[kube(
    group = "tsuru.io",
    version = "v1",
    kind = "App",
    plural = "apps",
    namespaced,
    schema = "disabled"
)]
#[serde(rename_all = "camelCase")]
pub struct AppSpec {
    /// Namespace of the app's objects.
    #[serde(default)]
    pub namespace_name: String,
    /// The app's service account.
    #[serde(default)]
    pub service_account_name: String,
    /// Deployment names by process.
    #[serde(default)]
    pub deployments: BTreeMap<String, Vec<String>>,
    /// Service names by process.
    #[serde(default)]
    pub services: BTreeMap<String, Vec<String>>,
    /// PodDisruptionBudget names by process.
    #[serde(default)]
    pub pod_disruption_budgets: BTreeMap<String, Vec<String>>,
    /// The `kubernetes:` section of the version's tsuru.yaml (none here).
    #[serde(default)]
    pub configs: Option<serde_json::Value>,
}

/// The CRD as tsuru installs it.
pub fn definition() -> CustomResourceDefinition {
    CustomResourceDefinition {
        metadata: ObjectMeta { name: Some(CRD_NAME.into()), ..ObjectMeta::default() },
        spec: CustomResourceDefinitionSpec {
            group: "tsuru.io".into(),
            scope: "Namespaced".into(),
            names: CustomResourceDefinitionNames {
                plural: "apps".into(),
                singular: Some("app".into()),
                kind: "App".into(),
                list_kind: Some("AppList".into()),
                ..CustomResourceDefinitionNames::default()
            },
            versions: vec![CustomResourceDefinitionVersion {
                name: "v1".into(),
                served: true,
                storage: true,
                schema: Some(CustomResourceValidation {
                    open_api_v3_schema: Some(JSONSchemaProps {
                        type_: Some("object".into()),
                        x_kubernetes_preserve_unknown_fields: Some(true),
                        ..JSONSchemaProps::default()
                    }),
                }),
                ..CustomResourceDefinitionVersion::default()
            }],
            ..CustomResourceDefinitionSpec::default()
        },
        ..CustomResourceDefinition::default()
    }
}

fn established(crd: &CustomResourceDefinition) -> bool {
    crd.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Established" && c.status == "True"))
}

/// Creates the CRD unless present, then waits (polling every 250 ms, up to `wait`) until it is
/// `Established`.
///
/// # Errors
/// API failures; `timeout waiting for custom resource definition creation`.
pub async fn ensure(client: &kube::Client, wait: Duration) -> Result<(), anyhow::Error> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let current = match api.get_opt(CRD_NAME).await? {
        Some(c) => c,
        None => match api.create(&PostParams::default(), &definition()).await {
            Ok(c) => c,
            Err(kube::Error::Api(s)) if s.code == 409 => api.get(CRD_NAME).await?,
            Err(e) => return Err(e.into()),
        },
    };
    if established(&current) {
        return Ok(());
    }
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if established(&api.get(CRD_NAME).await?) {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            anyhow::bail!("timeout waiting for custom resource definition creation");
        }
    }
}
