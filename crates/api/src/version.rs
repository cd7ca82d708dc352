//! API versions: a route registered at version V answers at `/V/...`, at every higher `1.x`
//! version and at the bare path; below V, and at any version that is not `1.x`, it is
//! `404 page not found`, as in tsuru.
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::guard::{Guard, GuardContext};
use actix_web::http::Uri;
use actix_web::HttpMessage;

/// The version prefix a request used, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion(pub u32, pub u32);

impl ApiVersion {
    /// Parses `1.18`; `1` is `1.0`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut it = s.split('.');
        let major = it.next()?.parse().ok()?;
        let minor = match it.next() {
            Some(m) => m.parse().ok()?,
            None => 0,
        };
        if it.next().is_some() {
            return None;
        }
        Some(ApiVersion(major, minor))
    }
}

/// Splits a `/<version>/rest` path into the version and `/rest`.
pub fn split_version(path: &str) -> Option<(ApiVersion, &str)> {
    let rest = path.strip_prefix('/')?;
    let end = rest.find('/').unwrap_or(rest.len());
    let first = &rest[..end];
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    Some((ApiVersion::parse(first)?, &rest[end..]))
}

/// Strips the version prefix before routing and records it in the request extensions.
pub fn strip_version<S, B>(mut req: ServiceRequest, srv: &S) -> S::Future
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let path = req.path().to_string();
    // Only tsuru's `1.x` versions are served: another prefix stays in the path, where no
    // route matches it.
    if let Some((version, rest)) = split_version(&path).filter(|(v, _)| v.0 == 1) {
        let rest = if rest.is_empty() { "/" } else { rest };
        let pq = match req.query_string() {
            "" => rest.to_string(),
            q => format!("{rest}?{q}"),
        };
        let mut parts = req.head().uri.clone().into_parts();
        if let Ok(pq) = pq.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
                req.extensions_mut().insert(version);
            }
        }
    }
    srv.call(req)
}

/// Passes bare paths and versions at or above the route's.
#[derive(Debug, Clone, Copy)]
pub struct MinVersion(pub ApiVersion);

impl Guard for MinVersion {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        ctx.req_data().get::<ApiVersion>().is_none_or(|v| *v >= self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_split() {
        assert_eq!(split_version("/1.6/tokens"), Some((ApiVersion(1, 6), "/tokens")));
        assert_eq!(split_version("/1.18/auth/schemes"), Some((ApiVersion(1, 18), "/auth/schemes")));
        assert_eq!(split_version("/tokens"), None);
        assert_eq!(split_version("/1.0"), Some((ApiVersion(1, 0), "")));
        assert!(ApiVersion(1, 18) > ApiVersion(1, 6));
    }
}
