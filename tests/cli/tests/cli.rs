//! The official `tsuru` client, unmodified, against a real tsurud (in-memory store).
//!
//! One test per command family: each step runs a real `tsuru` command and checks its exit code
//! and what it prints. Families whose endpoints are not built yet are `#[ignore]`d with the
//! reason `pending: ...`, so `cargo test` lists them. Without the client the tests say so
//! loudly and return (see `tsuru_cli_tests::require_client`).
use tsuru_cli_tests::{require_client, word_after, Cli, Run, Smtp};
use tsuru_testkit::{TestServer, ADMIN_EMAIL, ADMIN_PASSWORD};

const FORBIDDEN: &str = "You don't have permission to do this action";

/// A server and the client as its admin (`TSURU_TOKEN`), or `None` without a client.
async fn start(test: &str) -> Option<(TestServer, Cli)> {
    let bin = require_client(test)?;
    let server = TestServer::spawn().await;
    let cli = Cli::new(&bin, &server.base_url, &server.admin_token);
    Some((server, cli))
}

/// A user created over the API, and the client logged in as them.
async fn user(server: &TestServer, cli: &Cli, email: &str) -> Cli {
    let caller = server.user(email).await;
    cli.as_token(caller.token().expect("user token"))
}

/// What follows `prefix` on the stdout line starting with it.
fn value_after<'a>(run: &'a Run, prefix: &str) -> &'a str {
    run.stdout
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {:?}", run.stdout))
        .trim()
}

/// A failed command must not have turned into a prompt (beyond `passwords` it asked for).
fn asked_nothing_more(run: &Run, passwords: usize) {
    let all = format!("{}{}", run.stdout, run.stderr);
    for (prompt, allowed) in [("Email: ", 0), ("Password: ", passwords), ("(y/n)", 0)] {
        assert!(
            all.matches(prompt).count() <= allowed,
            "the client prompted ({prompt:?}): {all}"
        );
    }
}

fn asked_nothing(run: &Run) {
    asked_nothing_more(run, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_prints_the_client_and_the_server_versions() {
    let Some((_server, cli)) = start("version").await else {
        return;
    };
    let run = cli.run(&["version"]);
    run.succeeds()
        .prints_line(&format!("Server version: {}.", env!("CARGO_PKG_VERSION")));
    assert!(run.stdout.starts_with("Client version: "), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_and_logout_with_a_scripted_password() {
    let Some((server, cli)) = start("login/logout").await else {
        return;
    };
    cli.run(&["login", ADMIN_EMAIL])
        .fails()
        .error_contains("this command can't run with $TSURU_TOKEN environment variable set");

    let anon = cli.without_token();
    let url = &server.base_url;
    anon.run(&["target-add", "local", url, "-s"])
        .succeeds()
        .prints_line(&format!(
            "New target local -> {url} added to target list and defined as the current target"
        ));
    let wrong = anon.run_with_input(&["login", ADMIN_EMAIL], "wrong-password\n");
    wrong
        .fails()
        .error_contains("Authentication failed, wrong password.");
    asked_nothing_more(&wrong, 1);

    anon.run_with_input(&["login", ADMIN_EMAIL], &format!("{ADMIN_PASSWORD}\n"))
        .succeeds()
        .prints("Password: \nSuccessfully logged in!\n");
    let token_file = anon.home().join(".tsuru/token");
    let token = std::fs::read_to_string(&token_file).expect("the client stored the token");
    anon.run(&["user-info"])
        .succeeds()
        .prints_line(&format!("Email: {ADMIN_EMAIL}"));

    anon.run(&["logout"])
        .succeeds()
        .prints_line("Successfully logged out!");
    assert!(!token_file.exists(), "logout removes the token file");
    let revoked = server.with_token(&token).get("/1.0/users/info").await;
    assert_eq!(revoked.status(), 401, "logout revoked the session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_create_list_info_quota_and_remove() {
    let Some((_server, cli)) = start("users").await else {
        return;
    };
    let bob = "bob@example.com";
    cli.run_with_input(&["user-create", bob], "bob-password\nbob-password\n")
        .succeeds()
        .prints(&format!(
            "Password: \nConfirm: \nUser \"{bob}\" successfully created!\n"
        ));
    let dup = cli.run_with_input(&["user-create", bob], "bob-password\nbob-password\n");
    dup.fails()
        .error_contains("this email is already registered");

    cli.run(&["user-list"])
        .succeeds()
        .prints_row(&[ADMIN_EMAIL, "AllowAll(global)"])
        .prints_row(&[bob]);
    cli.run(&["user-info"])
        .succeeds()
        .prints_line(&format!("Email: {ADMIN_EMAIL}"))
        .prints_line("Roles:")
        .prints_line("\tAllowAll(global)");

    let view = cli.run(&["user-quota-view", bob]);
    view.succeeds().prints_line(&format!("User: {bob}"));
    assert!(value_after(&view, "Apps usage:").starts_with("0/"));
    cli.run(&["user-quota-change", bob, "3"])
        .succeeds()
        .prints("Quota successfully updated.\n");
    cli.run(&["user-quota-view", bob])
        .succeeds()
        .prints_line("Apps usage: 0/3");

    cli.run_with_input(&["user-remove", bob], "y\n")
        .succeeds()
        .prints(&format!(
            "Are you sure you want to remove the user \"{bob}\" from tsuru? (y/n) User \"{bob}\" successfully removed.\n"
        ));
    cli.run(&["user-list"]).succeeds().has_no_row(bob);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_show_regenerate_and_use() {
    let Some((_server, cli)) = start("token-show/regenerate").await else {
        return;
    };
    let shown = cli.run(&["token-show"]);
    shown.succeeds();
    let key = value_after(&shown, "API key:").to_string();
    let regenerated = cli.run(&["token-regenerate"]);
    regenerated.succeeds();
    let new_key = value_after(&regenerated, "Your new API key is:").to_string();
    assert_ne!(key, new_key);
    cli.run(&["token-show"])
        .succeeds()
        .prints(&format!("API key: {new_key}\n"));
    cli.as_token(&new_key)
        .run(&["user-info"])
        .succeeds()
        .prints_line(&format!("Email: {ADMIN_EMAIL}"));
    let old = cli.as_token(&key).run(&["user-info"]);
    old.fails();
    asked_nothing(&old);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_and_reset_password() {
    let Some(bin) = require_client("change/reset password") else {
        return;
    };
    let smtp = Smtp::start();
    let port = smtp.port;
    let server = TestServer::spawn_with(|c| {
        c.smtp = Some(tsuru_api::config::SmtpSettings {
            server: format!("127.0.0.1:{port}"),
            user: "tsuru@example.com".into(),
            password: None,
            starttls: false,
        });
    })
    .await;
    let cli = Cli::new(&bin, &server.base_url, &server.admin_token);
    let email = "bob@example.com";
    let bob = user(&server, &cli, email).await;

    bob.run_with_input(
        &["change-password"],
        "user-password\nnew-password\nnew-password\n",
    )
    .succeeds()
    .prints("Current password: \nNew password: \nConfirm: \nPassword successfully updated!\n");
    bob.run_with_input(&["change-password"], "wrong-password\nabcdef\nabcdef\n")
        .fails()
        .error_contains("the given password didn't match the user's current password");
    server.login(email, "new-password").await;

    cli.run(&["reset-password", email])
        .succeeds()
        .prints_line("You've successfully started the password reset process.")
        .prints_line("Please check your email.");
    let mails = smtp.mails();
    let token = word_after(&mails[0], "-t").expect("a token in the mail");
    cli.run(&["reset-password", email, "-t", "not-the-token"])
        .fails()
        .error_contains("Invalid token");
    cli.run(&["reset-password", email, "-t", token])
        .succeeds()
        .prints_line("Your password has been reset and mailed to you.")
        .prints_line("Please check your email.");
    let mails = smtp.mails();
    let password = mails
        .iter()
        .find_map(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("Your new password is: "))
        })
        .expect("the new password is mailed")
        .trim();
    server.login(email, password).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_create_list_info_update_quota_and_remove() {
    let Some((server, cli)) = start("teams").await else {
        return;
    };
    cli.run(&["team-create", "t1", "-t", "backend"])
        .succeeds()
        .prints("Team \"t1\" successfully created!\n");
    let dup = cli.run(&["team-create", "t1"]);
    dup.fails().error_contains("team already exists");
    asked_nothing(&dup);
    cli.run(&["team-list"]).succeeds().prints_row(&["t1"]);
    cli.run(&["team-info", "t1"])
        .succeeds()
        .prints_line("Team: t1");

    cli.run(&["team-update", "t1", "-n", "t2", "-t", "frontend"])
        .succeeds()
        .prints("Team successfully updated!\n");
    cli.run(&["team-list"])
        .succeeds()
        .prints_row(&["t2"])
        .has_no_row("t1");

    let view = cli.run(&["team-quota-view", "t2"]);
    view.succeeds().prints_line("Team: t2");
    assert!(value_after(&view, "Apps usage:").starts_with("0/"));
    cli.run(&["team-quota-change", "t2", "5"])
        .succeeds()
        .prints("Quota successfully updated.\n");
    cli.run(&["team-quota-view", "t2"])
        .succeeds()
        .prints_line("Apps usage: 0/5");

    let bob = user(&server, &cli, "bob@example.com").await;
    let denied = bob.run(&["team-create", "t3"]);
    denied.fails().error_contains(FORBIDDEN);
    asked_nothing(&denied);
    bob.run(&["team-list"]).succeeds().prints("");

    cli.run(&["team-remove", "t2", "-y"])
        .succeeds()
        .prints("Team \"t2\" successfully removed!\n");
    cli.run(&["team-list"]).succeeds().prints("");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_add_assign_dissociate_and_remove() {
    let Some((server, cli)) = start("roles").await else {
        return;
    };
    server.team("t1").await;
    let email = "bob@example.com";
    let bob = user(&server, &cli, email).await;

    cli.run(&["role-add", "deployer", "team", "-d", "updates teams"])
        .succeeds()
        .prints("Role successfully created!\n");
    cli.run(&["role-add", "deployer", "team"])
        .fails()
        .error_contains("role already exists");
    cli.run(&["role-permission-add", "deployer", "team.update"])
        .succeeds()
        .prints("Permission successfully added!\n");
    cli.run(&["role-list"])
        .succeeds()
        .prints_row(&["deployer", "team", "team.update"]);
    cli.run(&["role-info", "deployer"]).succeeds().prints_row(&[
        "deployer",
        "team",
        "team.update",
        "updates teams",
    ]);

    bob.run(&["team-update", "t1", "-t", "x"])
        .fails()
        .error_contains(FORBIDDEN);
    cli.run(&["role-assign", "deployer", email, "t1"])
        .succeeds()
        .prints("Role successfully assigned!\n");
    cli.run(&["user-list", "-u", email])
        .succeeds()
        .prints_row(&[email, "deployer(team t1)"]);
    bob.run(&["team-update", "t1", "-t", "x"])
        .succeeds()
        .prints("Team successfully updated!\n");

    cli.run(&["role-dissociate", "deployer", email, "t1"])
        .succeeds()
        .prints("Role successfully dissociated!\n");
    bob.run(&["team-update", "t1", "-t", "y"])
        .fails()
        .error_contains(FORBIDDEN);
    cli.run(&["role-remove", "deployer", "-y"])
        .succeeds()
        .prints("Role successfully removed!\n");
    cli.run(&["role-list"]).succeeds().has_no_row("deployer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_list_and_cancel() {
    let Some((_server, cli)) = start("events").await else {
        return;
    };
    cli.run(&["team-create", "t1"]).succeeds();
    let list = cli.run(&["event-list", "-k", "team.create"]);
    list.succeeds();
    let row = list
        .rows()
        .into_iter()
        .find(|r| r.iter().any(|c| c == "team: t1"))
        .unwrap_or_else(|| panic!("no team.create event for t1 in:\n{}", list.stdout));
    assert!(row.iter().any(|c| c == "team.create"), "{row:?}");
    assert!(row.iter().any(|c| c == "true"), "succeeded: {row:?}");
    let id = row[0].clone();
    assert_eq!(id.len(), 24, "event ids are ObjectIds: {id}");
    // A finished event cannot be cancelled; the server's reason is printed.
    let cancel = cli.run(&["event-cancel", &id, "changed", "my", "mind", "-y"]);
    cancel.fails().error_contains("event is not cancelable");
    asked_nothing(&cancel);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_fails_without_prompting() {
    let Some((_server, cli)) = start("bad token").await else {
        return;
    };
    let run = cli.as_token("not-a-valid-token").run(&["team-list"]);
    run.fails().error_contains("401");
    asked_nothing(&run);
}

// Families whose endpoints are not built yet: listed so the gap shows in every test run.

#[test]
#[ignore = "pending: pool endpoints not built yet (pool-add/update/list/info/remove)"]
fn pools() {}

#[test]
#[ignore = "pending: cluster endpoints not built yet (cluster-add/update/list/info/remove, provisioner-list)"]
fn clusters() {}

#[test]
#[ignore = "pending: platform endpoints not built yet (platform-add/update/list/info/remove)"]
fn platforms() {}

#[test]
#[ignore = "pending: app endpoints not built yet (app-create/list/info/update/remove, app-grant/revoke)"]
fn apps() {}

#[test]
#[ignore = "pending: env endpoints not built yet (env-set/get/unset)"]
fn env() {}

#[test]
#[ignore = "pending: app quota endpoints not built yet (app-quota-view/change)"]
fn app_quota() {}

#[test]
#[ignore = "pending: app restart endpoint not built yet (app-restart, app-start, app-stop)"]
fn app_restart() {}

#[test]
#[ignore = "pending: plan endpoints not built yet (plan-list)"]
fn plans() {}

#[test]
#[ignore = "pending: volume endpoints not built yet (volume-create/update/list/info/delete/bind/unbind, volume-plan-list)"]
fn volumes() {}

#[test]
#[ignore = "pending: service instance endpoints not built yet (service-instance-add/info/update/remove/bind/unbind, service-list)"]
fn service_instances() {}

#[test]
#[ignore = "pending: broker endpoints not built yet (no CLI command since client 1.27)"]
fn brokers() {}

#[test]
#[ignore = "pending: team token endpoints not built yet (token-create/update/list/info/delete)"]
fn team_tokens() {}

#[test]
#[ignore = "pending: role assignment to team tokens not built yet (role-assign/dissociate <token-id>)"]
fn role_assign_to_tokens() {}

#[test]
#[ignore = "pending: webhook endpoints not built yet (event-webhook-create/list/update/delete)"]
fn webhooks() {}

#[test]
#[ignore = "pending: a cancelable running event needs app operations (event-cancel of a running event)"]
fn event_cancel_of_a_running_event() {}
