//! bcrypt password hashing, run off the async threads.
use async_trait::async_trait;
use tsuru_domain::user::PasswordHasher;

/// bcrypt with a fixed cost (tsuru `auth:hash-cost`, 4 to 31).
#[derive(Debug, Clone, Copy)]
pub struct BcryptHasher {
    cost: u32,
}

impl BcryptHasher {
    /// A hasher with `cost`.
    ///
    /// # Errors
    /// When `cost` is outside 4..=31 (tsuru's message).
    pub fn new(cost: u32) -> anyhow::Result<Self> {
        if !(4..=31).contains(&cost) {
            anyhow::bail!(
                "Invalid value for setting \"auth:hash-cost\": it must be between 4 and 31."
            );
        }
        Ok(BcryptHasher { cost })
    }
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let (pw, cost) = (password.to_string(), self.cost);
        Ok(tokio::task::spawn_blocking(move || bcrypt::hash(pw, cost)).await??)
    }

    async fn verify(&self, password: &str, hash: &str) -> bool {
        let (pw, hash) = (password.to_string(), hash.to_string());
        tokio::task::spawn_blocking(move || bcrypt::verify(pw, &hash).unwrap_or(false))
            .await
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_costs_are_bounded() {
        let h = BcryptHasher::new(4).unwrap();
        let hash = h.hash("secret123").await.unwrap();
        assert!(hash.starts_with("$2"));
        assert!(h.verify("secret123", &hash).await);
        assert!(!h.verify("wrong", &hash).await);
        assert!(!h.verify("secret123", "not a hash").await);
        assert!(BcryptHasher::new(3).is_err());
        assert!(BcryptHasher::new(32).is_err());
    }
}
