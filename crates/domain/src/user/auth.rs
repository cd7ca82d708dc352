use std::sync::Arc;

use chrono::Duration;

use super::{
    validate_email, validate_password, CredentialUses, LoginThrottle, PasswordHasher,
    PasswordToken, PasswordTokenStorage, Session, SessionClaims, SessionStorage, TokenIssuer,
    UsedCredential, User, UserStorage,
};
use crate::clock::{sha256_hex, Clock, IdGenerator};
use crate::event::{Allowed, EventService, NewEvent, Owner, Target};
use crate::identity::Credential;
use crate::mail::{Mail, Mailer};
use crate::permission::{Context, Permission, RoleService, RoleStorage};
use crate::quota::Quota;
use crate::token::{TeamToken, TeamTokenStorage};
use crate::{Call, Error, Identity, Origin, Result};

/// Settings of the native auth scheme.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Session lifetime in days.
    pub token_expire_days: i64,
    /// Whether anyone may create a user (`auth:user-registration`).
    pub user_registration: bool,
    /// Failed logins of one e-mail allowed per window before 429.
    pub max_failed_logins: u32,
    /// Throttling window in seconds.
    pub failed_login_window_secs: i64,
    /// Password-reset mails one e-mail may be sent per reset window before 429.
    pub max_password_resets: u32,
    /// That window in seconds.
    pub password_reset_window_secs: i64,
    /// Default app quota of new users (`quota:apps-per-user`).
    pub apps_per_user: Option<i64>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            token_expire_days: 7,
            user_registration: false,
            max_failed_logins: 5,
            failed_login_window_secs: 300,
            max_password_resets: 3,
            password_reset_window_secs: 3600,
            apps_per_user: None,
        }
    }
}

/// One entry of `GET /auth/schemes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeInfo {
    /// Scheme name.
    pub name: String,
    /// Whether it is the default.
    pub default: bool,
}

/// Ports the auth use cases need.
pub struct AuthService {
    /// Users.
    pub users: Arc<dyn UserStorage>,
    /// Sessions.
    pub sessions: Arc<dyn SessionStorage>,
    /// Reset tokens.
    pub password_tokens: Arc<dyn PasswordTokenStorage>,
    /// Failed-login counters.
    pub throttle: Arc<dyn LoginThrottle>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Session tokens.
    pub issuer: Arc<dyn TokenIssuer>,
    /// Roles (for permissions).
    pub roles: Arc<dyn RoleStorage>,
    /// Team tokens, the third token engine.
    pub team_tokens: Arc<dyn TeamTokenStorage>,
    /// Role use cases (default roles on user creation).
    pub role_service: Arc<RoleService>,
    /// Events.
    pub events: Arc<EventService>,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Randomness.
    pub ids: Arc<dyn IdGenerator>,
    /// Mail for password resets.
    pub mailer: Arc<dyn Mailer>,
    /// Settings.
    pub config: AuthConfig,
    /// Credential uses noted by `authenticate`, written by [`AuthService::record_uses`].
    pub uses: Arc<CredentialUses>,
}

const RESET_TOKEN_LIFETIME: Duration = Duration::hours(24);
const PASSWORD_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz1234567890_@#$%^&*()~[]{}?=-+,.<>:;`";

impl AuthService {
    /// The schemes this server offers.
    pub fn schemes(&self) -> Vec<SchemeInfo> {
        vec![SchemeInfo { name: "native".into(), default: true }]
    }

    /// Logs in with e-mail and password and returns a session token.
    ///
    /// An unknown e-mail gets the answer of a wrong password (and costs as much, and counts
    /// towards the throttle alike), so login does not tell which e-mails have accounts (tsuru
    /// answered 404 `user not found`).
    ///
    /// # Errors
    /// 400 `invalid email`, `you must provide a password to login` or a bad password length;
    /// 429 after too many failures; 401 `Authentication failed, wrong password.`
    #[tracing::instrument(skip_all)]
    pub async fn login(&self, email: &str, password: Option<&str>) -> Result<String> {
        validate_email(email)?;
        let password =
            password.ok_or_else(|| Error::bad_request("you must provide a password to login"))?;
        if validate_password(password).is_err() {
            return Err(Error::bad_request(
                "Password length should be least 6 characters and at most 50 characters.",
            ));
        }
        let now = self.clock.now();
        let window = self.config.failed_login_window_secs;
        let key = format!("login:{email}");
        if self.throttle.failures(&key, now, window).await? >= self.config.max_failed_logins {
            return Err(Error::TooManyRequests(format!(
                "too many failed login attempts for {email}; try again in {window} seconds"
            )));
        }
        let user = self.users.find(email).await?;
        let verified = match &user {
            Some(u) => self.hasher.verify(password, &u.password).await,
            None => {
                // As slow as a real check.
                let _ = self.hasher.verify(password, &self.decoy_hash().await?).await;
                false
            }
        };
        let Some(user) = user.filter(|_| verified) else {
            self.throttle.record_failure(&key, now, window).await?;
            return Err(Error::Unauthorized("Authentication failed, wrong password.".into()));
        };
        self.throttle.reset(&key).await?;
        self.new_session(&user.email).await
    }

    /// A hash no password matches, checked for unknown e-mails so that they take as long as
    /// known ones.
    async fn decoy_hash(&self) -> Result<String> {
        static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        if let Some(h) = DECOY.get() {
            return Ok(h.clone());
        }
        let h = self.hasher.hash(&hex::encode(self.ids.random_bytes(16))).await?;
        Ok(DECOY.get_or_init(|| h).clone())
    }

    /// Issues a session token for `email` (after a successful login, or for bootstrap).
    ///
    /// # Errors
    /// Storage or signing failures.
    #[tracing::instrument(skip_all)]
    pub async fn new_session(&self, email: &str) -> Result<String> {
        let now = self.clock.now();
        let expires = now + Duration::days(self.config.token_expire_days.max(1));
        let session = Session {
            jti: hex::encode(self.ids.random_bytes(16)),
            user_email: email.to_string(),
            created_at: now,
            expires_at: expires,
        };
        self.sessions.insert(&session).await?;
        let claims = SessionClaims {
            jti: session.jti,
            sub: email.to_string(),
            iat: now.timestamp(),
            exp: expires.timestamp(),
        };
        Ok(self.issuer.issue(&claims)?)
    }

    /// Resolves a bearer token: a session JWT, then a user API key, then a team token (tsuru's
    /// engine order). `Ok(None)` when none accepts it; an expired team token is not accepted.
    ///
    /// # Errors
    /// Storage failures only.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate(&self, token: &str) -> Result<Option<Identity>> {
        if let Some(claims) = self.issuer.verify(token) {
            let Some(session) = self.sessions.find(&claims.jti).await? else {
                return Ok(None);
            };
            if session.user_email != claims.sub || session.expires_at <= self.clock.now() {
                return Ok(None);
            }
            return match self.users.find(&claims.sub).await? {
                Some(user) => Ok(Some(
                    self.identity_for(&user, Credential::Session { jti: claims.jti }).await?,
                )),
                None => Ok(None),
            };
        }
        if token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()) {
            if let Some(user) = self.users.find_by_api_key(token).await? {
                self.uses.note(UsedCredential::ApiKey(user.email.clone()), self.clock.now());
                return Ok(Some(self.identity_for(&user, Credential::ApiKey).await?));
            }
            if let Some(token) = self.team_tokens.find_by_value(token).await? {
                let now = self.clock.now();
                if token.is_expired(now) {
                    return Ok(None);
                }
                self.uses.note(UsedCredential::TeamToken(token.token_id.clone()), now);
                return Ok(Some(self.token_identity(&token).await?));
            }
        }
        Ok(None)
    }

    /// Writes the credential uses noted since the last call that are due (every one when
    /// `everything`, at shutdown); returns how many credentials were written.
    ///
    /// # Errors
    /// Storage failures (the uses are kept for the next call).
    pub async fn record_uses(&self, everything: bool) -> Result<usize> {
        self.uses.flush(&*self.users, &*self.team_tokens, self.clock.now(), everything).await
    }

    /// The identity of a team token: only the permissions of the roles bound to it (no
    /// implicit `user` permission), acting as `<token_id>@tsuru-team-token`.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn token_identity(&self, token: &TeamToken) -> Result<Identity> {
        Ok(Identity {
            email: token.email(),
            credential: Credential::TeamToken { token_id: token.token_id.clone() },
            roles: token.roles.clone(),
            permissions: self.expand_roles(&token.roles).await?,
        })
    }

    /// The identity of a user: the implicit `user` permission on themselves plus their roles.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn identity_for(&self, user: &User, credential: Credential) -> Result<Identity> {
        let mut permissions =
            vec![Permission { scheme: "user".into(), context: Context::user(&user.email) }];
        permissions.extend(self.expand_roles(&user.roles).await?);
        Ok(Identity {
            email: user.email.clone(),
            credential,
            roles: user.roles.clone(),
            permissions,
        })
    }

    /// The permissions granted by role instances (instances of deleted roles grant nothing).
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn expand_roles(
        &self,
        instances: &[crate::permission::RoleInstance],
    ) -> Result<Vec<Permission>> {
        let names: Vec<String> = instances.iter().map(|r| r.name.clone()).collect();
        let roles = self.roles.find_many(&names).await?;
        let mut out = Vec::new();
        for inst in instances {
            if let Some(role) = roles.iter().find(|r| r.name == inst.name) {
                out.extend(role.expand(&inst.context_value));
            }
        }
        Ok(out)
    }

    /// Revokes the caller's session (API keys and team tokens are unaffected).
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(skip_all)]
    pub async fn logout(&self, identity: &Identity) -> Result<()> {
        if let Credential::Session { jti } = &identity.credential {
            self.sessions.delete(jti).await?;
        }
        Ok(())
    }

    /// Creates a user. With registration closed the caller must be logged in with a session and
    /// hold a global `user.create`.
    ///
    /// # Errors
    /// 401 `User registration is disabled for non-admin users.`; 400 `invalid email` or a bad
    /// password length; 409 `this email is already registered`.
    #[tracing::instrument(skip_all)]
    pub async fn create_user(
        &self,
        caller: Option<&Identity>,
        origin: &Origin,
        email: &str,
        password: &str,
    ) -> Result<()> {
        if !self.config.user_registration {
            let allowed = caller.is_some_and(|c| {
                matches!(c.credential, Credential::Session { .. }) && c.can("user.create", &[])
            });
            if !allowed {
                return Err(Error::Unauthorized(
                    "User registration is disabled for non-admin users.".into(),
                ));
            }
        }
        let ev = user_event(email, "user.create", Owner::user(email), origin);
        self.events.run(ev, self.insert_user(email, password)).await?;
        self.role_service.apply_role_event("user-create", email, "").await;
        Ok(())
    }

    /// Stores a new user without any permission check (bootstrap).
    ///
    /// # Errors
    /// As [`AuthService::create_user`].
    #[tracing::instrument(skip_all)]
    pub async fn insert_user(&self, email: &str, password: &str) -> Result<()> {
        validate_email(email)?;
        validate_password(password)?;
        if self.users.find(email).await?.is_some() {
            return Err(Error::conflict(super::EMAIL_ALREADY_REGISTERED));
        }
        let hash = self.hasher.hash(password).await?;
        self.users
            .insert(&User::new(email, hash, Quota::from_config(self.config.apps_per_user)))
            .await
    }

    /// Changes the caller's password; the caller's other sessions are revoked.
    ///
    /// # Errors
    /// 400 when a field is missing, confirmation differs or the new length is wrong; 403
    /// `the given password didn't match the user's current password`.
    #[tracing::instrument(skip_all)]
    pub async fn change_password(
        &self,
        call: &Call,
        old: &str,
        new: &str,
        confirm: &str,
    ) -> Result<()> {
        let email = call.email.clone();
        // The passwords are not recorded: the event keeps only the request's address.
        let origin =
            Origin { source_ip: call.origin.source_ip.clone(), data: serde_json::Value::Null };
        let ev = user_event(&email, "user.update.password", call.owner(), &origin);
        self.events
            .run(ev, async {
                if old.is_empty() || new.is_empty() {
                    return Err(Error::bad_request(
                        "Both the old and the new passwords are required.",
                    ));
                }
                if new != confirm {
                    return Err(Error::bad_request(
                        "New password and password confirmation didn't match.",
                    ));
                }
                let user = self
                    .users
                    .find(&email)
                    .await?
                    .ok_or_else(|| Error::not_found(super::USER_NOT_FOUND))?;
                if validate_password(old).is_err() || !self.hasher.verify(old, &user.password).await
                {
                    return Err(Error::Forbidden(
                        "the given password didn't match the user's current password".into(),
                    ));
                }
                validate_password(new)?;
                let hash = self.hasher.hash(new).await?;
                self.users.set_password(&email, &hash).await?;
                self.revoke_sessions(&email, &call.credential).await
            })
            .await
    }

    /// Password reset: without `token`, issues a reset token and mails it; with it, sets a new
    /// random password, mails it and revokes every session of the user.
    ///
    /// # Errors
    /// 400 `invalid email` or `Invalid token`; 404 `user not found`.
    #[tracing::instrument(skip_all)]
    pub async fn reset_password(
        &self,
        origin: &Origin,
        email: &str,
        token: Option<&str>,
    ) -> Result<()> {
        let ev = user_event(email, "user.update.reset", Owner::user(email), origin);
        self.events
            .run(ev, async {
                validate_email(email)?;
                let user = self
                    .users
                    .find(email)
                    .await?
                    .ok_or_else(|| Error::not_found(super::USER_NOT_FOUND))?;
                match token.filter(|t| !t.is_empty()) {
                    None => self.start_reset(&user).await,
                    Some(t) => self.finish_reset(&user, t).await,
                }
            })
            .await
    }

    async fn start_reset(&self, user: &User) -> Result<()> {
        let now = self.clock.now();
        // Counted in storage, like failed logins, so replicas share the count.
        let key = format!("password-reset:{}", user.email);
        let window = self.config.password_reset_window_secs;
        if self.throttle.failures(&key, now, window).await? >= self.config.max_password_resets {
            return Err(Error::TooManyRequests(format!(
                "too many password reset requests for {}; try again in {window} seconds",
                user.email
            )));
        }
        self.throttle.record_failure(&key, now, window).await?;
        let token = sha256_hex(&[
            user.email.as_bytes(),
            &self.ids.random_bytes(32),
            now.to_rfc3339().as_bytes(),
        ]);
        self.password_tokens
            .insert(&PasswordToken {
                token: token.clone(),
                user_email: user.email.clone(),
                creation: now,
                used: false,
            })
            .await?;
        let body = format!(
            "Someone asked to reset the password of {email} on tsuru.\n\n\
             To choose to go on, run:\n\n    tsuru reset-password {email} -t {token}\n\n\
             If you did not ask for it, ignore this message: your password stays as it is.\n",
            email = user.email
        );
        self.mail(&user.email, "[tsuru] Password reset process", body).await;
        Ok(())
    }

    async fn finish_reset(&self, user: &User, token: &str) -> Result<()> {
        let invalid = || Error::bad_request("Invalid token");
        let stored = self.password_tokens.find(token).await?.ok_or_else(invalid)?;
        let age = self.clock.now() - stored.creation;
        if stored.used
            || stored.user_email != user.email
            || age > RESET_TOKEN_LIFETIME - Duration::minutes(1)
        {
            return Err(invalid());
        }
        if !self.password_tokens.consume(token).await? {
            return Err(invalid());
        }
        let password: String = self
            .ids
            .random_bytes(12)
            .into_iter()
            .map(|b| PASSWORD_ALPHABET[usize::from(b) % PASSWORD_ALPHABET.len()] as char)
            .collect();
        let hash = self.hasher.hash(&password).await?;
        self.users.set_password(&user.email, &hash).await?;
        self.sessions.delete_by_user(&user.email).await?;
        let body = format!(
            "The password of {} on tsuru was reset.\n\nYour new password is: {password}\n\n\
             Log in with it and change it with `tsuru change-password`.\n",
            user.email
        );
        self.mail(&user.email, "[tsuru] Password successfully reset", body).await;
        Ok(())
    }

    async fn mail(&self, to: &str, subject: &str, body: String) {
        let mail = Mail { to: to.to_string(), subject: subject.to_string(), body };
        if let Err(e) = self.mailer.send(mail).await {
            tracing::error!(error = %e, to, "could not send mail");
        }
    }

    /// Deletes every session of `email` except the one `keep` is (if it is a session).
    async fn revoke_sessions(&self, email: &str, keep: &Credential) -> Result<()> {
        match keep {
            Credential::Session { jti } => {
                let current = self.sessions.find(jti).await?;
                self.sessions.delete_by_user(email).await?;
                if let Some(s) = current {
                    self.sessions.insert(&s).await?;
                }
                Ok(())
            }
            _ => self.sessions.delete_by_user(email).await.map(|_| ()),
        }
    }
}

/// An event of `kind` on user `email`, readable with `user.read.events` on that user.
fn user_event(email: &str, kind: &str, owner: Owner, origin: &Origin) -> NewEvent {
    let allowed = Allowed::new("user.read.events", vec![Context::user(email)]);
    NewEvent::with_owner(Target::new("user", email), kind, owner, origin, allowed)
}
