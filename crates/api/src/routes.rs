//! The route table, in one place, and the handlers by URL family.
// Machine access and notifications.
pub(crate) mod tokens;
pub(crate) mod webhooks;

mod app_views;
mod apps;
mod auth;
mod events;
mod info;
mod plans;
mod platforms;
mod pools;
mod roles;
mod teams;
mod users;
pub(crate) mod views;

use actix_web::http::StatusCode;
use actix_web::{guard, web, HttpResponse};

use crate::error::text;
use crate::version::{ApiVersion, MinVersion};

/// `404 page not found`, for unknown paths, methods and versions below a route's.
pub async fn not_found() -> HttpResponse {
    text(StatusCode::NOT_FOUND, "404 page not found")
}

macro_rules! route_table {
    ($( $method:ident $version:literal $path:literal => $handler:path ; )*) => {
        /// Every route: method, minimum version, path.
        pub const ROUTES: &[(&str, &str, &str)] = &[
            $( (stringify!($method), $version, $path), )*
        ];

        /// Registers every route. Order matters where templates overlap: the first match wins.
        pub fn configure(cfg: &mut web::ServiceConfig) {
            cfg.route("/openapi.json", web::get().to(crate::openapi::serve));
            $(
                cfg.service(
                    web::resource($path)
                        .guard(guard::$method())
                        .guard(MinVersion(ApiVersion::parse($version).unwrap_or(ApiVersion(1, 0))))
                        .to($handler),
                );
            )*
        }
    };
}

route_table! {
    Get "1.0" "/healthcheck" => info::healthcheck;
    Get "1.0" "/healthcheck/" => info::healthcheck;
    Get "1.0" "/info" => info::info;
    Get "1.0" "/auth/scheme" => auth::scheme;
    Get "1.18" "/auth/schemes" => auth::schemes;
    Post "1.0" "/auth/login" => auth::login;
    Post "1.0" "/users" => users::create;
    Get "1.0" "/users" => users::list;
    Delete "1.0" "/users" => users::remove;
    Get "1.0" "/users/info" => users::info;
    Delete "1.0" "/users/tokens" => auth::logout;
    Put "1.0" "/users/password" => auth::change_password;
    Get "1.0" "/users/api-key" => users::api_key;
    Post "1.0" "/users/api-key" => users::regenerate_api_key;
    Get "1.0" "/users/keys" => users::list_keys;
    Post "1.0" "/users/keys" => users::add_key;
    Delete "1.0" "/users/keys/{key}" => users::remove_key;
    Post "1.0" "/users/{email}/tokens" => auth::login_path;
    Post "1.0" "/users/{email}/password" => auth::reset_password;
    Get "1.0" "/users/{email}/quota" => users::quota;
    Put "1.0" "/users/{email}/quota" => users::set_quota;
    Get "1.0" "/teams" => teams::list;
    Post "1.0" "/teams" => teams::create;
    Delete "1.0" "/teams/{name}" => teams::remove;
    Get "1.4" "/teams/{name}" => teams::info;
    Put "1.6" "/teams/{name}" => teams::update;
    Post "1.4" "/teams/{name}" => teams::update;
    Get "1.12" "/teams/{name}/quota" => teams::quota;
    Put "1.12" "/teams/{name}/quota" => teams::set_quota;
    Get "1.0" "/roles" => roles::list;
    Post "1.0" "/roles" => roles::create;
    Put "1.4" "/roles" => roles::update;
    Get "1.0" "/roles/{name}" => roles::info;
    Delete "1.0" "/roles/{name}" => roles::remove;
    Post "1.0" "/roles/{name}/permissions" => roles::add_permissions;
    Delete "1.0" "/roles/{name}/permissions/{permission}" => roles::remove_permission;
    Post "1.0" "/roles/{name}/user" => roles::assign_user;
    Delete "1.0" "/roles/{name}/user/{email}" => roles::dissociate_user;
    Post "1.6" "/roles/{name}/token" => tokens::assign_role;
    Delete "1.6" "/roles/{name}/token/{token_id}" => tokens::dissociate_role;
    Get "1.0" "/role/default" => roles::list_defaults;
    Post "1.0" "/role/default" => roles::add_default;
    Delete "1.0" "/role/default" => roles::remove_default;
    Get "1.0" "/permissions" => roles::permissions;
    Get "1.0" "/apps" => apps::list;
    Post "1.0" "/apps" => apps::create;
    Get "1.0" "/apps/{app}" => apps::info;
    Put "1.0" "/apps/{app}" => apps::update;
    Delete "1.0" "/apps/{app}" => apps::remove;
    Get "1.0" "/apps/{app}/env" => apps::get_env;
    Post "1.0" "/apps/{app}/env" => apps::set_env;
    Delete "1.0" "/apps/{app}/env" => apps::unset_env;
    Get "1.0" "/apps/{app}/quota" => apps::quota;
    Put "1.0" "/apps/{app}/quota" => apps::set_quota;
    Post "1.0" "/apps/{app}/restart" => apps::restart;
    Get "1.0" "/plans" => plans::list;
    Post "1.0" "/plans" => plans::create;
    Delete "1.0" "/plans/{plan}" => plans::remove;
    Get "1.0" "/pools" => pools::list;
    Post "1.0" "/pools" => pools::create;
    Get "1.8" "/pools/{pool}" => pools::info;
    Put "1.0" "/pools/{pool}" => pools::update;
    Delete "1.0" "/pools/{pool}" => pools::remove;
    Post "1.0" "/pools/{pool}/team" => pools::add_teams;
    Delete "1.0" "/pools/{pool}/team" => pools::remove_teams;
    Get "1.3" "/constraints" => pools::constraints;
    Put "1.3" "/constraints" => pools::set_constraint;
    Get "1.0" "/platforms" => platforms::list;
    Post "1.0" "/platforms" => platforms::create;
    Put "1.0" "/platforms/{platform}" => platforms::update;
    Delete "1.0" "/platforms/{platform}" => platforms::remove;
    Get "1.6" "/platforms/{platform}" => platforms::info;
    Post "1.6" "/platforms/{platform}/rollback" => platforms::rollback;
    Get "1.1" "/events" => events::list;
    Get "1.1" "/events/kinds" => events::kinds;
    Get "1.6" "/events/webhooks" => webhooks::list;
    Post "1.6" "/events/webhooks" => webhooks::create;
    Get "1.6" "/events/webhooks/{name}" => webhooks::info;
    Put "1.6" "/events/webhooks/{name}" => webhooks::update;
    Delete "1.6" "/events/webhooks/{name}" => webhooks::remove;
    Get "1.6" "/events/webhooks/{name}/deliveries" => webhooks::deliveries;
    Get "1.1" "/events/{id}" => events::info;
    Post "1.1" "/events/{id}/cancel" => events::cancel;
    Get "1.6" "/tokens" => tokens::list;
    Post "1.6" "/tokens" => tokens::create;
    Put "1.6" "/tokens/{token_id}" => tokens::update;
    Delete "1.6" "/tokens/{token_id}" => tokens::remove;
    Get "1.7" "/tokens/{token_id}" => tokens::info;
}
