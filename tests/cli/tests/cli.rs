//! The official `tsuru` client, unmodified, against a real tsurud: on the in-memory store, or on
//! MongoDB with `TSURU_TEST_STORAGE=mongodb` (the switch the API tests use; `make test` runs both).
//!
//! One test per command family: each step runs a real `tsuru` command and checks its exit code
//! and what it prints (the success message, the rows of a table, a value in `info`) and, where
//! it matters, what the server stored, read back through the API. Nodes, brokers and IaaS machines
//! have no client commands: API tests cover them.
//! Without the client the tests say so loudly and return, unless `TSURU_CLI_REQUIRED` or `CI` is
//! set (see `tsuru_cli_tests::require_client`).
use peers::{Peer, TestKube};
use tsuru_api::Settings;
use tsuru_cli_tests::{require_client, word_after, Cli, Run, Smtp};
use tsuru_testkit::{TestServer, ADMIN_EMAIL, ADMIN_PASSWORD};

#[path = "../../support/peers.rs"]
mod peers;

const FORBIDDEN: &str = "You don't have permission to do this action";

/// A server and the client as its admin (`TSURU_TOKEN`), or `None` without a client.
async fn start(test: &str) -> Option<(TestServer, Cli)> {
    start_with(test, |_| {}).await
}

/// [`start`], with the server's settings changed by `settings`.
async fn start_with(test: &str, settings: impl FnOnce(&mut Settings)) -> Option<(TestServer, Cli)> {
    let bin = require_client(test)?;
    let server = TestServer::spawn_with(settings).await;
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
        assert!(all.matches(prompt).count() <= allowed, "the client prompted ({prompt:?}): {all}");
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
    run.succeeds().prints_line(&format!("Server version: {}.", env!("CARGO_PKG_VERSION")));
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
    anon.run(&["target-add", "local", url, "-s"]).succeeds().prints_line(&format!(
        "New target local -> {url} added to target list and defined as the current target"
    ));
    let wrong = anon.run_with_input(&["login", ADMIN_EMAIL], "wrong-password\n");
    wrong.fails().error_contains("Authentication failed, wrong password.");
    asked_nothing_more(&wrong, 1);

    anon.run_with_input(&["login", ADMIN_EMAIL], &format!("{ADMIN_PASSWORD}\n"))
        .succeeds()
        .prints("Password: \nSuccessfully logged in!\n");
    let token_file = anon.home().join(".tsuru/token");
    let token = std::fs::read_to_string(&token_file).expect("the client stored the token");
    anon.run(&["user-info"]).succeeds().prints_line(&format!("Email: {ADMIN_EMAIL}"));

    anon.run(&["logout"]).succeeds().prints_line("Successfully logged out!");
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
        .prints(&format!("Password: \nConfirm: \nUser \"{bob}\" successfully created!\n"));
    let dup = cli.run_with_input(&["user-create", bob], "bob-password\nbob-password\n");
    dup.fails().error_contains("this email is already registered");

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
    cli.run(&["user-quota-change", bob, "3"]).succeeds().prints("Quota successfully updated.\n");
    cli.run(&["user-quota-view", bob]).succeeds().prints_line("Apps usage: 0/3");

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
    cli.run(&["token-show"]).succeeds().prints(&format!("API key: {new_key}\n"));
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

    bob.run_with_input(&["change-password"], "user-password\nnew-password\nnew-password\n")
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
        .find_map(|m| m.lines().find_map(|l| l.strip_prefix("Your new password is: ")))
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
    cli.run(&["team-info", "t1"]).succeeds().prints_line("Team: t1");

    cli.run(&["team-update", "t1", "-n", "t2", "-t", "frontend"])
        .succeeds()
        .prints("Team successfully updated!\n");
    cli.run(&["team-list"]).succeeds().prints_row(&["t2"]).has_no_row("t1");

    let view = cli.run(&["team-quota-view", "t2"]);
    view.succeeds().prints_line("Team: t2");
    assert!(value_after(&view, "Apps usage:").starts_with("0/"));
    cli.run(&["team-quota-change", "t2", "5"]).succeeds().prints("Quota successfully updated.\n");
    cli.run(&["team-quota-view", "t2"]).succeeds().prints_line("Apps usage: 0/5");

    let bob = user(&server, &cli, "bob@example.com").await;
    let denied = bob.run(&["team-create", "t3"]);
    denied.fails().error_contains(FORBIDDEN);
    asked_nothing(&denied);
    bob.run(&["team-list"]).succeeds().prints("");

    cli.run(&["team-remove", "t2", "-y"]).succeeds().prints("Team \"t2\" successfully removed!\n");
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
    cli.run(&["role-add", "deployer", "team"]).fails().error_contains("role already exists");
    cli.run(&["role-permission-add", "deployer", "team.update"])
        .succeeds()
        .prints("Permission successfully added!\n");
    cli.run(&["role-list"]).succeeds().prints_row(&["deployer", "team", "team.update"]);
    cli.run(&["role-info", "deployer"]).succeeds().prints_row(&[
        "deployer",
        "team",
        "team.update",
        "updates teams",
    ]);

    bob.run(&["team-update", "t1", "-t", "x"]).fails().error_contains(FORBIDDEN);
    cli.run(&["role-assign", "deployer", email, "t1"])
        .succeeds()
        .prints("Role successfully assigned!\n");
    cli.run(&["user-list", "-u", email]).succeeds().prints_row(&[email, "deployer(team t1)"]);
    bob.run(&["team-update", "t1", "-t", "x"]).succeeds().prints("Team successfully updated!\n");

    cli.run(&["role-dissociate", "deployer", email, "t1"])
        .succeeds()
        .prints("Role successfully dissociated!\n");
    bob.run(&["team-update", "t1", "-t", "y"]).fails().error_contains(FORBIDDEN);
    cli.run(&["role-remove", "deployer", "-y"]).succeeds().prints("Role successfully removed!\n");
    cli.run(&["role-list"]).succeeds().has_no_row("deployer");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_role_update_and_default_roles() {
    let Some((server, cli)) = start("permissions/role-update/role-default").await else {
        return;
    };
    let perms = cli.run(&["permission-list"]);
    perms.succeeds();
    for line in ["app.update.env.set", "team.create", "pool.update"] {
        assert!(
            perms.stdout.lines().any(|l| l.contains(line)),
            "permission-list lacks {line}: {}",
            perms.stdout
        );
    }

    cli.run(&["role-add", "reader", "team"]).succeeds();
    cli.run(&["role-permission-add", "reader", "team.read", "team.update"])
        .succeeds()
        .prints("Permission successfully added!\n");
    cli.run(&["role-permission-remove", "reader", "team.update"])
        .succeeds()
        .prints("Permission successfully removed!\n");
    cli.run(&["role-update", "reader", "-n", "viewer", "-d", "reads teams"])
        .succeeds()
        .prints("Role successfully updated\n");
    cli.run(&["role-info", "viewer"]).succeeds().prints_row(&[
        "viewer",
        "team",
        "team.read",
        "reads teams",
    ]);
    cli.run(&["role-list"]).succeeds().has_no_row("reader");

    cli.run(&["role-default-add", "--team-create", "viewer"])
        .succeeds()
        .prints("Roles successfully added as default!\n");
    let defaults = cli.run(&["role-default-list"]);
    let team_create = defaults
        .succeeds()
        .rows()
        .into_iter()
        .find(|r| r[0] == "team-create")
        .unwrap_or_else(|| panic!("no team-create row: {}", defaults.stdout));
    assert_eq!(team_create.last().map(String::as_str), Some("viewer"));
    // A team created by a user now gives them the default role on it.
    server.role("creator", "global", &["team.create"]).await;
    let email = "bob@example.com";
    let bob = user(&server, &cli, email).await;
    server.assign("creator", email, "").await;
    bob.run(&["team-create", "bobs"]).succeeds();
    cli.run(&["user-list", "-u", email])
        .succeeds()
        .prints_row(&[email, "creator(global)"])
        .prints_line_containing("viewer(team bobs)");
    cli.run(&["role-default-remove", "--team-create", "viewer"])
        .succeeds()
        .prints("Roles successfully removed as default!\n");
    let defaults = cli.run(&["role-default-list"]);
    defaults.succeeds();
    assert!(!defaults.stdout.contains("viewer"), "{}", defaults.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_list_with_filters_info_kinds_and_cancel() {
    let Some((server, cli)) = start("events").await else {
        return;
    };
    for team in ["t1", "t2"] {
        cli.run(&["team-create", team]).succeeds();
    }
    cli.run(&["team-remove", "t2", "-y"]).succeeds();

    let all = cli.run(&["event-list"]);
    all.succeeds();
    let targets = |run: &Run| -> Vec<(String, String)> {
        run.rows().into_iter().skip(1).map(|r| (r[4].clone(), r[5].clone())).collect()
    };
    assert_eq!(
        targets(&all),
        [
            ("team.delete".to_string(), "team: t2".to_string()),
            ("team.create".into(), "team: t2".into()),
            ("team.create".into(), "team: t1".into()),
        ],
        "newest first: {}",
        all.stdout
    );
    let row = &all.rows()[1];
    assert_eq!(row[0].len(), 24, "event ids are ObjectIds: {row:?}");
    assert_eq!(row[2], "true", "succeeded: {row:?}");
    assert_eq!(row[3], "admin@…", "owners are shortened: {row:?}");

    let created = cli.run(&["event-list", "-k", "team.create"]);
    assert_eq!(
        targets(created.succeeds()),
        [
            ("team.create".to_string(), "team: t2".to_string()),
            ("team.create".into(), "team: t1".into()),
        ]
    );
    let t1 = cli.run(&["event-list", "-t", "team", "-v", "t1"]);
    assert_eq!(targets(t1.succeeds()), [("team.create".to_string(), "team: t1".to_string())]);
    let mine = cli.run(&["event-list", "-o", ADMIN_EMAIL, "-k", "team.delete"]);
    assert_eq!(targets(mine.succeeds()).len(), 1);
    cli.run(&["event-list", "-o", "nobody@example.com"]).succeeds().prints("");
    let bob = user(&server, &cli, "bob@example.com").await;
    let bobs = bob.run(&["event-list"]);
    assert!(
        targets(bobs.succeeds()).iter().all(|(_, target)| !target.starts_with("team:")),
        "bob may not see team events: {}",
        bobs.stdout
    );

    let id = t1.rows()[1][0].clone();
    let info = cli.run(&["event-info", &id]);
    info.succeeds();
    assert_eq!(value_after(&info, "ID:"), id);
    assert_eq!(value_after(&info, "Targets:"), "team(t1)");
    assert_eq!(value_after(&info, "Kind:"), "permission(team.create)");
    assert_eq!(value_after(&info, "Owner:"), format!("user({ADMIN_EMAIL})"));
    assert_eq!(value_after(&info, "Success:"), "true");
    assert_eq!(value_after(&info, "Cancelable:"), "false");
    bob.run(&["event-info", &id]).fails().error_contains(FORBIDDEN);

    // No command lists the kinds; the API does, from the same events.
    let kinds: Vec<serde_json::Value> =
        server.admin().get("/1.1/events/kinds").await.json().await.expect("kinds");
    let names: Vec<&str> = kinds.iter().filter_map(|k| k["Name"].as_str()).collect();
    for kind in ["team.create", "team.delete"] {
        assert!(names.contains(&kind), "{kind} in {names:?}");
    }

    // A finished event cannot be cancelled; the server's reason is printed.
    let cancel = cli.run(&["event-cancel", &id, "changed", "my", "mind", "-y"]);
    cancel.fails().error_contains("event is not cancelable");
    asked_nothing(&cancel);

    // A running one (an operation in progress holds it) can.
    let running = server.start_event("team", "t1", "team.update").await;
    let listed = cli.run(&["event-list", "-r"]);
    listed.succeeds();
    let rows = listed.rows();
    assert_eq!(rows.len(), 2, "only the running event: {}", listed.stdout);
    assert_eq!(rows[1][0], running.id);
    assert_eq!(rows[1][2], "…", "running: {:?}", rows[1]);
    let running_info = cli.run(&["event-info", &running.id]);
    assert_eq!(value_after(running_info.succeeds(), "Cancelable:"), "true");
    bob.run(&["event-cancel", &running.id, "stop", "-y"]).fails().error_contains(FORBIDDEN);
    cli.run(&["event-cancel", &running.id, "changed", "my", "mind", "-y"])
        .succeeds()
        .prints("Cancellation successfully requested.\n");
    cli.run(&["event-cancel", &running.id, "again", "-y"])
        .fails()
        .error_contains("event cancel already requested");
    let stored: serde_json::Value = server
        .admin()
        .get(&format!("/1.1/events/{}", running.id))
        .await
        .json()
        .await
        .expect("event JSON");
    assert_eq!(stored["CancelInfo"]["Asked"], true);
    assert_eq!(stored["CancelInfo"]["Reason"], "changed my mind");
    assert_eq!(stored["CancelInfo"]["Owner"], ADMIN_EMAIL);
    server.finish_event(running).await;
    cli.run(&["event-list", "-r"]).succeeds().prints("");
}

/// Writes `text` to `name` in the client's `HOME` and returns its path.
fn file(cli: &Cli, name: &str, text: &str) -> String {
    let path = cli.home().join(name);
    std::fs::write(&path, text).expect("write a file for the client");
    path.to_string_lossy().into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pools_add_update_info_teams_constraints_and_remove() {
    let Some((server, cli)) = start("pools").await else {
        return;
    };
    cli.run(&["pool-add", "kpool", "--provisioner", "kubernetes"])
        .succeeds()
        .prints("Pool successfully registered.\n");
    cli.run(&["pool-list"]).succeeds().prints_row(&["kpool", "", "kubernetes"]);

    cli.run(&["pool-add", "p1"]).succeeds().prints("Pool successfully registered.\n");
    cli.run(&["pool-add", "p1"]).fails().error_contains("Pool already exists.");
    cli.run(&["pool-add", "shared", "-p", "-d"])
        .succeeds()
        .prints("Pool successfully registered.\n");
    // A second default pool needs --force (tsuru answers 409, so the client's 412 prompt never
    // shows).
    let second = cli.run(&["pool-add", "p2", "-d"]);
    second.fails().error_contains("Default pool already exists.");
    asked_nothing(&second);
    cli.run(&["pool-list"]).succeeds().has_no_row("p2");
    cli.run(&["pool-add", "p2", "-d", "-f"]).succeeds().prints("Pool successfully registered.\n");
    cli.run(&["pool-list"])
        .succeeds()
        .prints_row(&["p1", "", "default"])
        .prints_row(&["p2", "public", "default"])
        .prints_row(&["shared", "public", "default"]);
    // As in tsuru, a default pool is open to every team, and --force moved the default.
    let pools: Vec<serde_json::Value> =
        server.admin().get("/1.0/pools").await.json().await.expect("pools JSON");
    let default: Vec<&str> =
        pools.iter().filter(|p| p["Default"] == true).filter_map(|p| p["Name"].as_str()).collect();
    assert_eq!(default, ["p2"]);

    let info = cli.run(&["pool-info", "p1"]);
    info.succeeds();
    assert_eq!(value_after(&info, "Name:"), "p1");
    assert_eq!(value_after(&info, "Provisioner:"), "default");
    assert!(!info.stdout.contains("Kind:"), "{}", info.stdout);

    cli.run(&["pool-update", "p1", "--public=true", "--add-labels", "zone=a"])
        .succeeds()
        .prints("Pool successfully updated.\n");
    let info = cli.run(&["pool-info", "p1"]);
    assert_eq!(value_after(info.succeeds(), "Kind:"), "public");
    info.prints_row(&["zone", "a"]);
    cli.run(&["pool-update", "p1", "--public=false", "--remove-labels", "zone"])
        .succeeds()
        .prints("Pool successfully updated.\n");
    let stored: serde_json::Value =
        server.admin().get("/pools/p1").await.json().await.expect("pool JSON");
    assert_eq!(stored["public"], false);
    assert!(stored["labels"].as_object().is_none_or(|l| l.is_empty()), "{stored}");

    // Teams of a pool are its `team` constraint.
    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&["pool-constraint-set", "p1", "team", "t1"])
        .succeeds()
        .prints("Constraint successfully set.\n");
    cli.run(&["pool-constraint-list"]).succeeds().prints_row(&["p1", "team", "t1", "false"]);
    let info = cli.run(&["pool-info", "p1"]);
    assert_eq!(value_after(info.succeeds(), "Teams:"), "t1");
    cli.run(&["pool-list"]).succeeds().prints_row(&["p1", "", "default", "t1"]);
    cli.run(&["pool-constraint-set", "p1", "router", "default", "--denylist"]).succeeds();
    cli.run(&["pool-constraint-list"]).succeeds().prints_row(&["p1", "router", "default", "true"]);

    // The router constraint applies to new apps; allowing every router lifts it.
    cli.run(&["app-create", "web", "-t", "t1", "-o", "p1"])
        .fails()
        .error_contains("No default router found");
    cli.run(&["pool-constraint-set", "p1", "router", "*"]).succeeds();
    cli.run(&["pool-constraint-list"]).succeeds().prints_row(&["p1", "router", "*", "false"]);

    // An app on the pool, created by the client without --provisioner.
    cli.run(&["app-create", "web", "-t", "t1", "-o", "p1"]).succeeds();
    cli.run(&["app-list", "-o", "p1"]).succeeds().prints_row(&["web"]);
    cli.run(&["pool-remove", "p1", "-y"]).fails().error_contains("This pool has apps");
    cli.run(&["app-remove", "-a", "web", "-y"]).succeeds();
    cli.run(&["pool-remove", "p1", "-y"]).succeeds().prints("Pool successfully removed.\n");
    cli.run(&["pool-list"]).succeeds().has_no_row("p1");
    cli.run(&["pool-info", "p1"]).fails().error_contains("Pool does not exist.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_create_list_info_update_and_remove() {
    let Some((server, cli)) = start("apps").await else {
        return;
    };
    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&["team-create", "t2"]).succeeds();
    cli.run(&["pool-add", "p1", "-p", "-d"]).succeeds();

    cli.run(&["app-create", "app1", "-t", "t1", "-d", "my app", "-g", "web", "-g", "blue"])
        .succeeds()
        .prints("App \"app1\" has been created!\nUse app info to check the status of the app and its units.\n");
    cli.run(&["app-create", "app2", "-t", "t2", "-g", "green"]).succeeds();
    cli.run(&["app-create", "app1", "-t", "t1"])
        .fails()
        .error_contains("there is already an app with this name");
    // Units come with the first deploy.
    for app in ["app1", "app2"] {
        let image = format!("registry.example.com/{app}:v1");
        cli.run(&["app-deploy", "-a", app, "-i", &image]).succeeds();
    }

    cli.run(&["app-list"])
        .succeeds()
        .prints_row(&["app1", "1 ready", "http://app1.tsuru.localhost"])
        .prints_row(&["app2", "1 ready", "http://app2.tsuru.localhost"]);
    let names = |run: &Run| -> Vec<String> {
        run.rows().into_iter().skip(1).map(|r| r[0].clone()).filter(|n| !n.is_empty()).collect()
    };
    for (filter, expected) in [
        (vec!["-n", "app1"], vec!["app1"]),
        (vec!["-t", "t2"], vec!["app2"]),
        (vec!["-g", "blue"], vec!["app1"]),
        (vec!["-o", "p1"], vec!["app1", "app2"]),
        (vec!["-s", "started"], vec!["app1", "app2"]),
        (vec!["-u", ADMIN_EMAIL], vec!["app1", "app2"]),
    ] {
        let mut args = vec!["app-list"];
        args.extend(&filter);
        let run = cli.run(&args);
        assert_eq!(names(run.succeeds()), expected, "app-list {filter:?}");
    }
    cli.run(&["app-list", "-n", "nothing"]).succeeds().prints("");
    cli.run(&["app-list", "-q"]).succeeds().prints("app1\napp2\n");

    cli.run(&["team-info", "t1"])
        .succeeds()
        .prints_line("Team: t1")
        .prints_line("Pools: 1")
        .prints_row(&["p1"])
        .prints_line("Applications: 1")
        .prints_row(&["app1", "1 started", "http://app1.tsuru.localhost"])
        .has_no_row("app2");

    let info = cli.run(&["app-info", "-a", "app1"]);
    info.succeeds();
    assert_eq!(value_after(&info, "Application:"), "app1");
    assert_eq!(value_after(&info, "Description:"), "my app");
    assert_eq!(value_after(&info, "Tags:"), "web, blue");
    assert_eq!(value_after(&info, "Teams:"), "t1 (owner)");
    assert_eq!(value_after(&info, "Created by:"), ADMIN_EMAIL);
    assert_eq!(value_after(&info, "Pool:"), "p1");
    assert_eq!(value_after(&info, "Quota:"), "1/unlimited");
    assert_eq!(value_after(&info, "Addresses:"), "http://app1.tsuru.localhost");

    let update = cli.run(&["app-update", "-a", "app1", "-d", "new description", "-g", "red"]);
    update.succeeds().prints_line("App \"app1\" has been updated!");
    let info = cli.run(&["app-info", "-a", "app1"]);
    assert_eq!(value_after(info.succeeds(), "Description:"), "new description");
    assert_eq!(value_after(&info, "Tags:"), "red");
    cli.run(&["app-update", "-a", "app1", "-o", "nowhere"])
        .fails()
        .error_contains("Pool does not exist.");

    let bob = user(&server, &cli, "bob@example.com").await;
    bob.run(&["app-list"]).succeeds().prints("");
    bob.run(&["app-info", "-a", "app1"]).fails().error_contains(FORBIDDEN);
    bob.run(&["app-remove", "-a", "app1", "-y"]).fails().error_contains(FORBIDDEN);

    let removed = cli.run(&["app-remove", "-a", "app2", "-y"]);
    removed.succeeds();
    assert!(!removed.stdout.is_empty(), "the removal streams its steps");
    cli.run(&["app-list"]).succeeds().has_no_row("app2");
    assert_eq!(server.admin().get("/1.0/apps/app2").await.status(), 404);
    cli.run(&["app-info", "-a", "app2"]).fails().error_contains("App app2 not found.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_set_private_get_and_unset() {
    let Some((server, cli)) = start("env").await else {
        return;
    };
    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&["pool-add", "p1", "-p", "-d"]).succeeds();
    cli.run(&["app-create", "app1", "-t", "t1"]).succeeds();
    cli.run(&["app-deploy", "-a", "app1", "-i", "registry.example.com/app1:v1"]).succeeds();

    let set = cli.run(&["env-set", "FOO=bar", "BAZ=two words", "-a", "app1"]);
    set.succeeds()
        .streams_line("---- Setting 2 new environment variables ----")
        .streams_line(" ---> Unit app1-web-00001 started");
    cli.run(&["env-set", "DB_PASSWORD=s3cret", "-a", "app1", "-p", "--no-restart"]).succeeds();
    let warned = cli.run(&["env-set", "API_KEY=k", "-a", "app1"]);
    warned.succeeds().prints_line("Warning: The environment variable 'API_KEY' looks like a sensitive variable. It is recommended to set it as private using the -p or --private flag.");

    cli.run(&["env-get", "-a", "app1"])
        .succeeds()
        .prints_line("FOO=bar")
        .prints_line("BAZ=two words")
        .prints_line("API_KEY=k")
        .prints_line("DB_PASSWORD=*** (private variable)");
    cli.run(&["env-get", "-a", "app1", "FOO"]).succeeds().prints("FOO=bar\n");
    let stored: Vec<serde_json::Value> = server
        .admin()
        .get("/1.0/apps/app1/env?env=DB_PASSWORD")
        .await
        .json()
        .await
        .expect("env JSON");
    assert_eq!(stored[0]["public"], false, "{stored:?}");
    assert_ne!(stored[0]["value"], "s3cret", "private values are never read back");

    cli.run(&["env-unset", "FOO", "API_KEY", "-a", "app1"])
        .succeeds()
        .streams_line("---- Unsetting 2 environment variables ----");
    let left = cli.run(&["env-get", "-a", "app1"]);
    left.succeeds();
    assert!(!left.stdout.contains("FOO="), "{}", left.stdout);
    assert!(!left.stdout.contains("API_KEY="), "{}", left.stdout);
    left.prints_line("BAZ=two words");

    let bob = user(&server, &cli, "bob@example.com").await;
    bob.run(&["env-get", "-a", "app1"]).fails().error_contains(FORBIDDEN);
    bob.run(&["env-set", "X=1", "-a", "app1"]).fails().error_contains(FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_quota_and_restart() {
    let Some((server, cli)) = start("app quota/restart").await else {
        return;
    };
    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&["pool-add", "p1", "-p", "-d"]).succeeds();
    cli.run(&["app-create", "app1", "-t", "t1"]).succeeds();
    cli.run(&["app-quota-view", "-a", "app1"]).succeeds().prints("App: app1\nUnits usage: 0/-1\n");
    cli.run(&["app-deploy", "-a", "app1", "-i", "registry.example.com/app1:v1"]).succeeds();

    cli.run(&["app-quota-view", "-a", "app1"]).succeeds().prints("App: app1\nUnits usage: 1/-1\n");
    cli.run(&["app-quota-change", "-a", "app1", "3"])
        .succeeds()
        .prints("Quota successfully updated.\n");
    cli.run(&["app-quota-view", "-a", "app1"]).succeeds().prints("App: app1\nUnits usage: 1/3\n");
    let info = cli.run(&["app-info", "-a", "app1"]);
    assert_eq!(value_after(info.succeeds(), "Quota:"), "1/3 units");
    cli.run(&["app-quota-change", "-a", "app1", "unlimited"]).succeeds();
    let quota: serde_json::Value =
        server.admin().get("/1.0/apps/app1/quota").await.json().await.expect("quota JSON");
    assert_eq!(quota, serde_json::json!({"limit": -1, "inuse": 1}));

    let restart = cli.run(&["app-restart", "-a", "app1"]);
    restart.succeeds();
    assert!(
        restart.stdout.contains("Restarting"),
        "the restart streams its steps: {}",
        restart.stdout
    );
    let info = cli.run(&["app-info", "-a", "app1"]);
    info.succeeds();
    let unit = info
        .rows()
        .into_iter()
        .find(|r| r[0].starts_with("app1-"))
        .unwrap_or_else(|| panic!("no unit row: {}", info.stdout));
    assert_eq!(unit[2], "ready", "{unit:?}");
    assert_eq!(unit[3], "1", "one restart: {unit:?}");
    let events = cli.run(&["event-list", "-k", "app.update.restart"]);
    events.succeeds();
    assert_eq!(events.rows().len(), 2, "{}", events.stdout);
    assert_eq!(events.rows()[1][5], "app: app1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_list_create_and_remove() {
    let Some((server, cli)) = start("plans").await else {
        return;
    };
    cli.run(&["plan-list"])
        .succeeds()
        .prints_row(&["c0.1m0.2", "10%", "256Mi", "true"])
        .has_no_row("small");
    cli.run(&["plan-create", "small", "-c", "250m", "-m", "128Mi"])
        .succeeds()
        .prints("Plan successfully created!\n");
    cli.run(&["plan-create", "small", "-c", "250m"]).fails().error_contains("plan already exists");
    cli.run(&["plan-list"]).succeeds().prints_row(&["small", "25%", "128Mi"]);
    let plans: Vec<serde_json::Value> =
        server.admin().get("/1.0/plans").await.json().await.expect("plans JSON");
    let small = plans.iter().find(|p| p["name"] == "small").expect("small is stored");
    assert_eq!(small["cpumilli"], 250);
    assert_eq!(small["memory"], 128 * 1024 * 1024);

    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&["pool-add", "p1", "-p", "-d"]).succeeds();
    cli.run(&["app-create", "app1", "-t", "t1", "-p", "small"]).succeeds();
    cli.run(&["app-info", "-a", "app1"]).succeeds().prints_row(&["small", "25%", "128Mi"]);
    cli.run(&["plan-remove", "small"]).succeeds().prints("Plan successfully removed!\n");
    cli.run(&["plan-list"]).succeeds().has_no_row("small");
    cli.run(&["plan-remove", "small"]).fails().error_contains("plan not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platforms_add_update_list_info_and_remove() {
    let Some((server, cli)) = start("platforms").await else {
        return;
    };
    cli.run(&["platform-list"]).succeeds().prints("No platforms available.\n");
    let v1 = file(&cli, "Dockerfile", "FROM python:3.12\nRUN pip install gunicorn\n");
    let add = cli.run(&["platform-add", "python", "-d", &v1]);
    add.succeeds()
        .streams_line("Step 1/2 : FROM python:3.12")
        .streams_line("Step 2/2 : RUN pip install gunicorn")
        .streams_line("Successfully tagged tsuru/python:v1")
        .streams_line("Platform successfully added!");
    cli.run(&["platform-add", "python", "-d", &v1]).fails().error_contains("Duplicate platform");
    let bad = file(&cli, "Bad.dockerfile", "RUN echo no base\n");
    cli.run(&["platform-add", "broken", "-d", &bad])
        .fails()
        .error_contains("invalid Dockerfile: the first instruction must be FROM");

    cli.run(&["platform-list"]).succeeds().prints_row(&["python", "enabled"]).has_no_row("broken");
    cli.run(&["platform-info", "python"])
        .succeeds()
        .prints("Name:   python\nStatus: enabled\nImages:\n - tsuru/python:v1\n");

    let v2 = file(&cli, "Dockerfile.v2", "FROM python:3.13\n");
    cli.run(&["platform-update", "python", "-d", &v2])
        .succeeds()
        .streams_line("Successfully tagged tsuru/python:v2");
    cli.run(&["platform-update", "python", "--disable"]).succeeds();
    cli.run(&["platform-list"]).succeeds().prints_row(&["python", "disabled"]);
    cli.run(&["platform-info", "python"]).succeeds().prints(
        "Name:   python\nStatus: disabled\nImages:\n - tsuru/python:v2\n - tsuru/python:v1\n",
    );
    let stored: serde_json::Value =
        server.admin().get("/1.6/platforms/python").await.json().await.expect("platform JSON");
    assert_eq!(stored["platform"]["Disabled"], true);

    cli.run(&["platform-update", "python", "--enable"]).succeeds();
    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&["pool-add", "p1", "-p", "-d"]).succeeds();
    cli.run(&["app-create", "app1", "python", "-t", "t1"]).succeeds();
    let info = cli.run(&["app-info", "-a", "app1"]);
    assert_eq!(value_after(info.succeeds(), "Platform:"), "python");
    cli.run(&["platform-remove", "python", "-y"]).fails().error_contains("Platform has apps");
    cli.run(&["app-remove", "-a", "app1", "-y"]).succeeds();
    cli.run(&["platform-remove", "python", "-y"])
        .succeeds()
        .prints("Platform successfully removed!\n");
    cli.run(&["platform-list"]).succeeds().prints("No platforms available.\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_tokens_create_use_update_and_delete() {
    let Some((server, cli)) = start("team tokens").await else {
        return;
    };
    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&["team-create", "t2"]).succeeds();
    let created = cli.run(&["token-create", "-t", "t1", "-i", "ci-token", "-d", "for CI"]);
    created.succeeds();
    let token = value_after(&created, "Token \"ci-token\" created:").to_string();
    assert!(!token.is_empty());
    cli.run(&["token-create", "-t", "t1", "-i", "ci-token"])
        .fails()
        .error_contains("team token already exists");

    cli.run(&["token-list"]).succeeds().prints_row(&["ci-token", "t1"]);
    let info = cli.run(&["token-info", "ci-token"]);
    info.succeeds();
    assert_eq!(value_after(&info, "Token:"), token);
    assert_eq!(value_after(&info, "Token Id:"), "ci-token");
    assert_eq!(value_after(&info, "Description:"), "for CI");
    assert_eq!(value_after(&info, "Team:"), "t1");
    assert_eq!(value_after(&info, "Creator:"), ADMIN_EMAIL);
    assert_eq!(value_after(&info, "Expires at:"), "-");

    // The token acts with the roles given to it.
    let ci = cli.as_token(&token);
    ci.run(&["team-list"]).succeeds().prints("");
    cli.run(&["role-add", "team-reader", "team"]).succeeds();
    cli.run(&["role-permission-add", "team-reader", "team.read"]).succeeds();
    cli.run(&["role-assign", "team-reader", "ci-token", "t1"])
        .succeeds()
        .prints("Role successfully assigned!\n");
    cli.run(&["token-list"])
        .succeeds()
        .prints_row(&["ci-token", "t1"])
        .prints_line_containing("team-reader(t1)");
    ci.run(&["team-list"]).succeeds().prints_row(&["t1"]).has_no_row("t2");
    ci.run(&["team-create", "t3"]).fails().error_contains(FORBIDDEN);

    let updated = cli.run(&["token-update", "ci-token", "--regenerate", "-d", "rotated"]);
    updated.succeeds();
    let new_token = value_after(&updated, "Token \"ci-token\" updated:").to_string();
    assert_ne!(new_token, token);
    let old = ci.run(&["team-list"]);
    old.fails().error_contains("401");
    asked_nothing(&old);
    let ci = cli.as_token(&new_token);
    ci.run(&["team-list"]).succeeds().prints_row(&["t1"]);
    let info = cli.run(&["token-info", "ci-token"]);
    assert_eq!(value_after(info.succeeds(), "Description:"), "rotated");

    cli.run(&["role-dissociate", "team-reader", "ci-token", "t1"])
        .succeeds()
        .prints("Role successfully dissociated!\n");
    ci.run(&["team-list"]).succeeds().prints("");
    cli.run(&["token-delete", "ci-token"]).succeeds().prints("Token successfully deleted.\n");
    cli.run(&["token-list"]).succeeds().has_no_row("ci-token");
    assert_eq!(server.admin().get("/1.7/tokens/ci-token").await.status(), 404);
    ci.run(&["team-list"]).fails().error_contains("401");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_create_list_update_deliver_and_delete() {
    let Some((server, cli)) = start("webhooks").await else {
        return;
    };
    let receiver = tsuru_cli_tests::Receiver::start();
    let url = format!("{}/hook", receiver.url);
    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&[
        "event-webhook-create",
        "hook1",
        &url,
        "-t",
        "t1",
        "-d",
        "notify",
        "--kind-name",
        "team.update",
        "-H",
        "X-Key=abc",
    ])
    .succeeds()
    .prints("Webhook successfully created.\n");
    cli.run(&["event-webhook-create", "hook1", &url, "-t", "t1"])
        .fails()
        .error_contains("already exists");
    cli.run(&["event-webhook-list"]).succeeds().prints_row(&[
        "hook1",
        "notify",
        "t1",
        &url,
        "X-Key: abc",
        "<event>",
        "false",
        "kind-name == team.update",
    ]);

    cli.run(&[
        "event-webhook-update",
        "hook1",
        "-m",
        "PUT",
        "--success-only",
        "-b",
        "updated {{.Target.Value}}",
    ])
    .succeeds()
    .prints("Webhook successfully updated.\n");
    cli.run(&["event-webhook-list"]).succeeds().prints_row(&[
        "hook1",
        "notify",
        "t1",
        &format!("PUT {url}"),
        "X-Key: abc",
        "updated {{.Target.Value}}",
        "false",
        "kind-name == team.update",
    ]);
    let stored: serde_json::Value =
        server.admin().get("/1.6/events/webhooks/hook1").await.json().await.expect("webhook JSON");
    assert_eq!(stored["event_filter"]["success_only"], true, "{stored}");
    assert_eq!(stored["method"], "PUT");

    // A matching event of the hook's own team (a hook hears only what its team may see)
    // reaches the receiver with the hook's method, header and body.
    cli.run(&["team-update", "t1", "-t", "x"]).succeeds();
    let got = receiver.next(std::time::Duration::from_secs(20)).expect("the webhook was called");
    assert_eq!((got.method.as_str(), got.path.as_str()), ("PUT", "/hook"));
    assert!(
        got.headers.iter().any(|h| h == "X-Key: abc" || h == "x-key: abc"),
        "{:?}",
        got.headers
    );
    assert_eq!(got.body, "updated t1");

    cli.run(&["event-webhook-delete", "hook1"])
        .succeeds()
        .prints("Webhook successfully deleted.\n");
    cli.run(&["event-webhook-list"]).succeeds().prints("");
    cli.run(&["event-webhook-delete", "hook1"]).fails().error_contains("webhook not found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clusters_add_list_info_update_remove_and_provisioners() {
    let Some((server, cli)) = start("clusters").await else {
        return;
    };
    let Some(kube) = TestKube::from_env() else {
        return;
    };
    for pool in ["kpool", "kpool2"] {
        cli.run(&["pool-add", pool, "--provisioner", "kubernetes"]).succeeds();
    }
    cli.run(&["cluster-list"]).succeeds().prints("No clusters registered.\n");
    let token = format!("token={}", kube.token);
    cli.run(&[
        "cluster-add",
        "c1",
        "kubernetes",
        "--addr",
        &kube.url,
        "--cacert",
        &kube.ca,
        "--clientcert",
        &kube.cert,
        "--clientkey",
        &kube.key,
        "--pool",
        "kpool",
        "--custom",
        &token,
        "--custom",
        "namespace=ns1",
    ])
    .succeeds()
    .prints("Cluster successfully added.\n");
    cli.run(&["cluster-add", "c1", "kubernetes", "--pool", "kpool"])
        .fails()
        .error_contains("cluster already exists");
    cli.run(&["cluster-add", "c2", "kubernetes", "--addr", "https://127.0.0.1:1"])
        .fails()
        .error_contains("either default or a list of pools must be set");
    cli.run(&["cluster-add", "c2", "kubernetes", "--pool", "nope"])
        .fails()
        .error_contains("Pool does not exist.");
    // Nothing listens on port 1: the cluster is refused, by name, and not kept.
    cli.run(&[
        "cluster-add",
        "down",
        "kubernetes",
        "--addr",
        "https://127.0.0.1:1",
        "--cacert",
        &kube.ca,
        "--pool",
        "kpool2",
    ])
    .fails()
    .error_contains("cluster \"down\": ");
    // The default cluster authenticates with a token instead of a client certificate.
    cli.run(&[
        "cluster-add",
        "d1",
        "kubernetes",
        "--addr",
        &kube.url,
        "--cacert",
        &kube.ca,
        "--custom",
        &token,
        "--default",
    ])
    .succeeds()
    .prints("Cluster successfully added.\n");

    let list = cli.run(&["cluster-list"]);
    list.succeeds()
        .prints_row(&["c1", "kubernetes", &kube.url])
        .prints_row(&["d1", "kubernetes", &kube.url])
        .has_no_row("down");
    for shown in [&list.stdout, &cli.run(&["cluster-list", "--json"]).stdout] {
        assert!(
            !shown.contains(&kube.token) && !kube.key_secrets().iter().any(|k| shown.contains(k)),
            "{shown}"
        );
    }
    let info = cli.run(&["cluster-info", "c1"]);
    info.succeeds().prints_row(&["namespace", "ns1"]).prints_row(&["token", "*****"]);
    assert_eq!(value_after(&info, "Provisioner:"), "kubernetes");
    assert_eq!(value_after(&info, "Pools:"), "kpool");
    assert_eq!(value_after(&info, "Default:"), "false");

    // Update reads the cluster, changes it and sends it back whole: the credentials it could
    // not read stay.
    cli.run(&[
        "cluster-update",
        "c1",
        "kubernetes",
        "--add-pool",
        "kpool2",
        "--add-custom",
        "max-surge=10%",
        "--remove-custom",
        "namespace",
    ])
    .succeeds()
    .prints("Cluster successfully updated.\n");
    let info = cli.run(&["cluster-info", "c1"]);
    info.succeeds()
        .prints_row(&["max-surge", "10%"])
        .prints_row(&["token", "*****"])
        .has_no_row("namespace");
    assert_eq!(value_after(&info, "Addresses:"), kube.url);
    assert!(info.stdout.contains("kpool2"), "{}", info.stdout);
    // An address the provisioner cannot reach: refused, and the cluster stays as it was.
    cli.run(&["cluster-update", "c1", "kubernetes", "--addr", "https://127.0.0.1:1"])
        .fails()
        .error_contains("cluster \"c1\": ");
    let info = cli.run(&["cluster-info", "c1"]);
    assert_eq!(value_after(&info, "Addresses:"), kube.url);
    cli.run(&["cluster-update", "c1", "kubernetes", "--remove-custom", "token"]).succeeds();
    cli.run(&["cluster-info", "c1"]).succeeds().has_no_row("token");
    cli.run(&["cluster-update", "nope", "kubernetes", "--add-pool", "kpool"])
        .fails()
        .error_contains("cluster not found");

    let provs = cli.run(&["provisioner-list"]);
    provs
        .succeeds()
        .prints_row(&[
            "kubernetes",
            "Represents a kubernetes cluster, the address parameter must point to a valid kubernetes apiserver endpoint.",
        ])
        .prints_row(&["simulated", ""]);
    let info = cli.run(&["provisioner-info", "kubernetes"]);
    info.succeeds()
        .prints_line("Name: kubernetes")
        .prints_row(&["namespace"])
        .prints_row(&["single-pool"]);
    cli.run(&["provisioner-info", "docker"]).fails().error_contains("provisioner not found");

    let bob = user(&server, &cli, "bob@example.com").await;
    bob.run(&["cluster-list"]).fails().error_contains(FORBIDDEN);
    bob.run(&["cluster-remove", "c1", "-y"]).fails().error_contains(FORBIDDEN);

    cli.run(&["cluster-remove", "c1", "-y"]).succeeds().prints("Cluster successfully removed.\n");
    cli.run(&["cluster-remove", "c1", "-y"]).fails().error_contains("cluster not found");
    cli.run(&["cluster-list"]).succeeds().has_no_row("c1").prints_row(&["d1"]);
}

/// Unit rows of `app-info`: (name, status) of each unit of `app`.
fn units_of(run: &Run, app: &str) -> Vec<(String, String)> {
    let prefix = format!("{app}-");
    run.rows()
        .into_iter()
        .filter(|r| r[0].starts_with(&prefix))
        .map(|r| (r[0].clone(), r[2].clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_run_on_a_real_kubernetes_cluster() {
    // A rollout that stalls fails inside tsurud, well before the client's 60 s watchdog, with
    // the units that are not ready and why.
    let timeout = |s: &mut Settings| s.kubernetes.deployment_progress_timeout = 30.0;
    let Some((_server, cli)) = start_with("kubernetes apps", timeout).await else {
        return;
    };
    let Some(kube) = TestKube::from_env() else {
        return;
    };
    // The fake nodes carry pool `kubepool` (scripts/kube.sh). Both stores' runs share one control plane: names of their own.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos();
    let tag = format!("{:08x}", nanos ^ std::process::id());
    let app = format!("kapp-{tag}");
    let namespace = format!("namespace=cli-{tag}");
    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&["pool-add", "kubepool", "--provisioner", "kubernetes", "-p"]).succeeds();
    cli.run(&[
        "cluster-add",
        "kc",
        "kubernetes",
        "--addr",
        &kube.url,
        "--cacert",
        &kube.ca,
        "--clientcert",
        &kube.cert,
        "--clientkey",
        &kube.key,
        "--pool",
        "kubepool",
        "--custom",
        &namespace,
    ])
    .succeeds();
    cli.run(&["app-create", &app, "-t", "t1", "-o", "kubepool"]).succeeds();
    let info = cli.run(&["app-info", "-a", &app]);
    assert!(units_of(info.succeeds(), &app).is_empty(), "{}", info.stdout);

    let deploy = cli.run(&["app-deploy", "-a", &app, "-i", "registry.example.com/hello:v1"]);
    deploy.succeeds();
    assert!(deploy.stdout.ends_with("OK\n"), "{}", deploy.stdout);
    cli.run(&["unit-add", "2", "-a", &app]).succeeds();
    let info = cli.run(&["app-info", "-a", &app]);
    let units = units_of(info.succeeds(), &app);
    assert_eq!(units.len(), 3, "{}", info.stdout);
    assert!(units.iter().all(|(_, s)| s == "ready"), "{units:?}");

    // env-set restarts the units (new pods, new names); --no-restart would not.
    cli.run(&["env-set", "GREETING=hi", "-a", &app]).succeeds();
    let after = units_of(cli.run(&["app-info", "-a", &app]).succeeds(), &app);
    assert_eq!(after.len(), 3, "{after:?}");
    assert!(
        after.iter().all(|u| !units.contains(u)),
        "env-set restarted every unit: {units:?} -> {after:?}"
    );
    cli.run(&["env-get", "-a", &app]).succeeds().prints_line_containing("GREETING=hi");
    cli.run(&["app-restart", "-a", &app]).succeeds();
    let restarted = units_of(cli.run(&["app-info", "-a", &app]).succeeds(), &app);
    assert_eq!(restarted.len(), 3, "{restarted:?}");
    assert!(
        restarted.iter().all(|u| !after.contains(u)),
        "app-restart made new units: {after:?} -> {restarted:?}"
    );

    cli.run(&["app-stop", "-a", &app]).succeeds();
    let info = cli.run(&["app-info", "-a", &app]);
    assert!(
        units_of(info.succeeds(), &app).is_empty(),
        "a stopped app runs no pod: {}",
        info.stdout
    );
    cli.run(&["app-start", "-a", &app]).succeeds();
    let info = cli.run(&["app-info", "-a", &app]);
    let units = units_of(info.succeeds(), &app);
    assert_eq!(units.len(), 3, "start restores the count: {}", info.stdout);
    assert!(units.iter().all(|(_, s)| s == "ready"), "{units:?}");

    cli.run(&["app-remove", "-a", &app, "-y"]).succeeds();
    cli.run(&["app-info", "-a", &app]).fails().error_contains(&format!("App {app} not found."));
    cli.run(&["cluster-remove", "kc", "-y"]).succeeds();
}

/// Unit rows of `app-info`: (name, status) of each `app1-` unit.
fn unit_rows(run: &Run) -> Vec<(String, String)> {
    run.rows()
        .into_iter()
        .filter(|r| r[0].starts_with("app1-"))
        .map(|r| (r[0].clone(), r[2].clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_deploys_units_start_stop_and_rollback() {
    let Some((_server, cli)) = start("deploys").await else {
        return;
    };
    const V1: &str = "registry.example.com/shop:v1";
    const V2: &str = "registry.example.com/shop:v2";
    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&["pool-add", "p1", "-p", "-d"]).succeeds();
    cli.run(&["app-create", "app1", "-t", "t1"]).succeeds();
    cli.run(&["app-deploy-list", "-a", "app1"]).succeeds().prints("App app1 has no deploy.\n");
    let info = cli.run(&["app-info", "-a", "app1"]);
    assert!(unit_rows(info.succeeds()).is_empty(), "{}", info.stdout);
    cli.run(&["unit-add", "1", "-a", "app1"])
        .fails()
        .error_contains("no versions available for app");

    let deploy = cli.run(&["app-deploy", "-a", "app1", "-i", V1, "-m", "first"]);
    deploy
        .succeeds()
        .prints_line("Deploying container image...")
        .prints_line_containing(&format!("---- Deploying image {V1} as version 1 ----"));
    assert!(deploy.stdout.ends_with("OK\n"), "{}", deploy.stdout);
    cli.run(&["app-deploy", "-a", "app1", "-i", V2]).succeeds();
    let list = cli.run(&["app-deploy-list", "-a", "app1"]);
    list.succeeds();
    let rows: Vec<Vec<String>> = list.rows().into_iter().skip(1).collect();
    assert_eq!(rows.len(), 2, "{}", list.stdout);
    assert_eq!(rows[0][0], format!("{V2} (*)"), "newest first: {}", list.stdout);
    assert_eq!(rows[0][1], "image");
    assert_eq!(rows[0][2], ADMIN_EMAIL);
    assert_eq!(rows[1][0], format!("{V1} (*)"));

    cli.run(&["unit-add", "2", "-a", "app1"]).succeeds();
    let info = cli.run(&["app-info", "-a", "app1"]);
    let units = unit_rows(info.succeeds());
    assert_eq!(units.len(), 3, "{}", info.stdout);
    assert!(units.iter().all(|(_, s)| s == "ready"), "{units:?}");
    assert_eq!(value_after(&info, "Quota:"), "3/unlimited");
    cli.run(&["unit-add", "0", "-a", "app1"]).fails().error_contains("Cannot add zero units.");
    cli.run(&["unit-remove", "1", "-a", "app1"]).succeeds();
    let info = cli.run(&["app-info", "-a", "app1"]);
    assert_eq!(unit_rows(info.succeeds()).len(), 2, "{}", info.stdout);

    cli.run(&["app-stop", "-a", "app1"]).succeeds().streams_line(" ---> Stopping the app \"app1\"");
    let info = cli.run(&["app-info", "-a", "app1"]);
    let units = unit_rows(info.succeeds());
    assert_eq!(units.len(), 2, "{}", info.stdout);
    assert!(units.iter().all(|(_, s)| s == "stopped"), "{units:?}");
    cli.run(&["unit-add", "1", "-a", "app1"])
        .fails()
        .error_contains("Cannot add units to an app that has stopped units");
    cli.run(&["app-start", "-a", "app1"])
        .succeeds()
        .streams_line(" ---> Starting the app \"app1\"");
    let info = cli.run(&["app-info", "-a", "app1"]);
    let units = unit_rows(info.succeeds());
    assert_eq!(units.len(), 2, "start restores the count: {}", info.stdout);
    assert!(units.iter().all(|(_, s)| s == "ready"), "{units:?}");

    cli.run(&["app-deploy-rollback", "-a", "app1", "-y", V1])
        .succeeds()
        .streams_line(&format!("---- Rolling back to version 1 (image {V1}) ----"));
    let list = cli.run(&["app-deploy-list", "-a", "app1"]);
    list.succeeds();
    let rows: Vec<Vec<String>> = list.rows().into_iter().skip(1).collect();
    assert_eq!(rows.len(), 3, "{}", list.stdout);
    assert_eq!(rows[0][0], format!("{V1} (*)"));
    assert_eq!(rows[0][1], "rollback");
    cli.run(&["app-deploy-rollback", "-a", "app1", "-y", "nope:v9"])
        .fails()
        .error_contains("Invalid version: nope:v9");

    let crash = cli.run(&["app-deploy", "-a", "app1", "-i", "registry.example.com/shop:crash"]);
    crash.fails();
    assert!(crash.stdout.contains("did not start"), "the failure is shown: {}", crash.stdout);
    let info = cli.run(&["app-info", "-a", "app1"]);
    assert_eq!(value_after(info.succeeds(), "Deploys:"), "3", "a failed deploy does not count");
    // A source deploy (the client archives the files given, relative to its directory).
    let upload = cli.run(&["app-deploy", "-a", "app1", "Cargo.toml"]);
    upload.fails();
    assert!(
        format!("{}{}", upload.stdout, upload.stderr)
            .contains("builds are not supported; deploy an image"),
        "source deploys are refused clearly: {}{}",
        upload.stdout,
        upload.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_and_instances_create_bind_unbind_and_remove() {
    let Some((server, cli)) = start("services").await else {
        return;
    };
    let api =
        Peer::service_api(&["--plans", r#"[{"name":"small","description":"a small database"}]"#]);
    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&["team-create", "t2"]).succeeds();
    cli.run(&["pool-add", "p1", "-p", "-d"]).succeeds();
    cli.run(&["app-create", "app1", "-t", "t1"]).succeeds();

    let manifest = |password: &str| {
        format!(
            "id: mysql\nusername: svc\npassword: {password}\nteam: t1\nendpoint:\n  production: http://127.0.0.1:{}\n",
            api.port
        )
    };
    let path = file(&cli, "manifest.yaml", &manifest("svc-pass"));
    cli.run(&["service", "create", &path]).succeeds().prints("Service successfully created\n");
    cli.run(&["service", "create", &path]).fails().error_contains("Service already exists.");
    let path = file(&cli, "manifest.yaml", &manifest("svc-pass"));
    cli.run(&["service", "update", &path]).succeeds().prints("Service successfully updated.\n");
    cli.run(&["service", "plan", "list", "mysql"])
        .succeeds()
        .prints_row(&["small", "a small database"]);

    cli.run(&["service", "instance", "add", "mysql", "db1", "small", "-t", "t1", "--tag", "prod"])
        .succeeds()
        .prints_line("Service instance successfully added.");
    cli.run(&["service", "instance", "add", "mysql", "db1", "small", "-t", "t1"])
        .fails()
        .error_contains("instance name already exists.");
    cli.run(&["service", "list"]).succeeds().prints_row(&["mysql", "db1"]);
    cli.run(&["service", "info", "mysql"]).succeeds().prints_line_containing("db1");

    cli.run(&["service", "instance", "bind", "mysql", "db1", "-a", "app1"])
        .succeeds()
        .streams_line("Instance \"db1\" is now bound to the app \"app1\".")
        .streams_line("- DB_HOST");
    cli.run(&["env-get", "-a", "app1"])
        .succeeds()
        .prints_line("DB_HOST=*** (private variable managed by tsuru-service/mysql/db1)")
        .prints_line("DB_PASSWORD=*** (private variable managed by tsuru-service/mysql/db1)")
        .prints_line("TSURU_SERVICES=*** (private variable)");
    cli.run(&["service", "instance", "info", "mysql", "db1"])
        .succeeds()
        .prints_line_containing("app1");

    cli.run(&[
        "service",
        "instance",
        "update",
        "mysql",
        "db1",
        "--description",
        "orders",
        "-t",
        "t1",
        "--plan",
        "small",
    ])
    .succeeds();
    cli.run(&["service", "instance", "info", "mysql", "db1"])
        .succeeds()
        .prints_line_containing("orders");

    let bob = user(&server, &cli, "bob@example.com").await;
    server.role("reader", "team", &["service-instance.read"]).await;
    server.assign("reader", "bob@example.com", "t2").await;
    bob.run(&["service", "instance", "info", "mysql", "db1"]).fails().error_contains(FORBIDDEN);
    cli.run(&["service", "instance", "grant", "mysql", "db1", "t2"]).succeeds();
    bob.run(&["service", "instance", "info", "mysql", "db1"]).succeeds();
    cli.run(&["service", "instance", "revoke", "mysql", "db1", "t2"]).succeeds();
    bob.run(&["service", "instance", "info", "mysql", "db1"]).fails().error_contains(FORBIDDEN);

    cli.run(&["service", "instance", "unbind", "mysql", "db1", "-a", "app1"])
        .succeeds()
        .streams_line("Instance \"db1\" is not bound to the app \"app1\" anymore.");
    let left = cli.run(&["env-get", "-a", "app1"]);
    left.succeeds();
    assert!(!left.stdout.contains("DB_HOST"), "{}", left.stdout);

    cli.run(&["service", "destroy", "mysql", "-y"])
        .fails()
        .error_contains("This service cannot be removed because it has instances.");
    cli.run(&["service", "instance", "remove", "mysql", "db1", "-y"]).succeeds();
    let left = cli.run(&["service", "list"]);
    left.succeeds();
    assert!(!left.stdout.contains("db1"), "{}", left.stdout);
    cli.run(&["service", "destroy", "mysql", "-y"])
        .succeeds()
        .prints("Service successfully removed.\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volumes_plans_create_list_info_update_bind_unbind_and_delete() {
    let Some(bin) = require_client("volumes") else {
        return;
    };
    let server = TestServer::spawn_with(|c| {
        let opts = |v: serde_json::Value| serde_json::from_value(v).expect("plan opts");
        c.volume_plans = std::collections::BTreeMap::from([
            (
                "nfs".to_string(),
                std::collections::BTreeMap::from([(
                    "simulated".to_string(),
                    opts(serde_json::json!({"plugin": "nfs", "capacity": "10Gi"})),
                )]),
            ),
            (
                "ebs".to_string(),
                std::collections::BTreeMap::from([(
                    "simulated".to_string(),
                    opts(serde_json::json!({"storage-class": "gp2"})),
                )]),
            ),
        ]);
    })
    .await;
    let cli = Cli::new(&bin, &server.base_url, &server.admin_token);
    cli.run(&["volume", "plan", "list"])
        .succeeds()
        .prints_row(&["ebs", "simulated", "storage-class: gp2"])
        .prints_row(&["nfs", "simulated", "capacity: 10Gi"]);
    cli.run(&["volume-list"]).succeeds().prints("No volumes available.\n");
    cli.run(&["team-create", "t1"]).succeeds();
    cli.run(&["team-create", "t2"]).succeeds();
    cli.run(&["pool-add", "p1", "-p", "-d"]).succeeds();
    cli.run(&["app-create", "app1", "-t", "t1"]).succeeds();
    cli.run(&["volume-create", "v1", "nfs", "-p", "p1", "-t", "t1", "-o", "path=/exports"])
        .succeeds()
        .prints("Volume successfully created.\n");
    cli.run(&["volume-create", "v1", "nfs", "-p", "p1", "-t", "t1"])
        .fails()
        .error_contains("volume already exists");
    cli.run(&["volume-create", "v2", "gold", "-p", "p1", "-t", "t1"])
        .fails()
        .error_contains("volume-plan not present in pool constraint");
    cli.run(&["volume-create", "v2", "ebs", "-p", "p1", "-t", "t2"]).succeeds();
    cli.run(&["volume-list"])
        .succeeds()
        .prints_row(&["v1", "nfs", "p1", "t1"])
        .prints_row(&["v2", "ebs", "p1", "t2"]);
    cli.run(&["volume-list", "-t", "t2", "-q"]).succeeds().prints("v2\n");
    cli.run(&["volume-update", "v2", "nfs", "-p", "p1", "-t", "t2", "-o", "capacity=1Gi"])
        .succeeds()
        .prints("Volume successfully updated.\n");
    let info = cli.run(&["volume-info", "v2"]);
    info.succeeds()
        .prints_line("Plan: nfs")
        .prints_row(&["capacity", "1Gi"])
        .prints_row(&["plugin", "nfs"]);

    cli.run(&["volume-bind", "v1", "/mnt/data", "-a", "app1", "-r"])
        .succeeds()
        .streams_line("---- Restarting the app \"app1\" ----")
        .prints_line("Volume successfully bound.");
    cli.run(&["volume-bind", "v1", "/mnt/data", "-a", "app1", "--no-restart"])
        .fails()
        .error_contains("volume already bound in mountpoint");
    cli.run(&["volume-bind", "v1", "/mnt/logs", "-a", "app1", "--no-restart"])
        .succeeds()
        .prints("Volume successfully bound.\n");
    cli.run(&["volume-info", "v1"])
        .succeeds()
        .prints_line("Team: t1")
        .prints_row(&["app1", "/mnt/data", "ro"])
        .prints_row(&["app1", "/mnt/logs", "rw"])
        .prints_row(&["path", "/exports"]);
    cli.run(&["app-info", "-a", "app1"])
        .succeeds()
        .prints_line("Volumes: 2")
        .prints_row(&["v1", "/mnt/data", "ro"])
        .prints_row(&["v1", "/mnt/logs", "rw"]);
    cli.run(&["volume-delete", "v1"])
        .fails()
        .error_contains("cannot delete volume with existing binds");
    let bob = user(&server, &cli, "bob@example.com").await;
    bob.run(&["volume-unbind", "v1", "/mnt/data", "-a", "app1"]).fails().error_contains(FORBIDDEN);
    cli.run(&["volume-unbind", "v1", "/mnt/logs", "-a", "app1", "--no-restart"])
        .succeeds()
        .prints("Volume successfully unbound.\n");
    cli.run(&["volume-unbind", "v1", "/mnt/data", "-a", "app1"])
        .succeeds()
        .streams_line("---- Restarting the app \"app1\" ----")
        .prints_line("Volume successfully unbound.");
    cli.run(&["volume-unbind", "v1", "/mnt/data", "-a", "app1"])
        .fails()
        .error_contains("volume bind not found");
    cli.run(&["volume-delete", "v1"]).succeeds().prints("Volume successfully deleted.\n");
    cli.run(&["volume-info", "v1"]).fails().error_contains("volume not found");
    cli.run(&["volume-list", "-q"]).succeeds().prints("v2\n");
}
