//! Session tokens as HS256 JWTs.
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use tsuru_domain::user::{SessionClaims, TokenIssuer};

/// Signs and verifies session JWTs with a shared secret.
pub struct JwtIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtIssuer { secret: <redacted> }")
    }
}

impl JwtIssuer {
    /// An issuer for `secret` (at least 16 bytes).
    ///
    /// # Errors
    /// When the secret is too short.
    pub fn new(secret: &[u8]) -> anyhow::Result<Self> {
        if secret.len() < 16 {
            anyhow::bail!("the JWT secret must be at least 16 bytes long");
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Ok(JwtIssuer {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        })
    }
}

impl TokenIssuer for JwtIssuer {
    fn issue(&self, claims: &SessionClaims) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)?)
    }

    fn verify(&self, token: &str) -> Option<SessionClaims> {
        jsonwebtoken::decode::<SessionClaims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|d| d.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> SessionClaims {
        SessionClaims { jti: "abc".into(), sub: "a@b.com".into(), iat: 0, exp }
    }

    #[test]
    fn round_trip_and_rejections() {
        let issuer = JwtIssuer::new(b"0123456789abcdef0123").unwrap();
        let future = chrono::Utc::now().timestamp() + 60;
        let t = issuer.issue(&claims(future)).unwrap();
        assert_eq!(issuer.verify(&t), Some(claims(future)));
        let other = JwtIssuer::new(b"another-secret-of-length").unwrap();
        assert_eq!(other.verify(&t), None, "a token signed with another secret");
        let expired = issuer.issue(&claims(1)).unwrap();
        assert_eq!(issuer.verify(&expired), None);
        assert_eq!(issuer.verify("garbage"), None);
        assert!(JwtIssuer::new(b"short").is_err());
    }
}
