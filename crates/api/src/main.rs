//! `tsurud`: the tsuru API server.
use std::io::BufRead;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use tsuru_api::config::Secret;
use tsuru_api::{telemetry, Application, Settings};

#[derive(Parser)]
#[command(name = "tsurud", version, about = "The tsuru API server")]
struct Cli {
    /// YAML config file (tsuru.conf keys); also TSURU_CONFIG.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Api {
        /// Development mode: in-memory store (unless `storage` says otherwise), throw-away JWT
        /// secret, admin credentials printed.
        #[arg(long)]
        dev: bool,
    },
    /// Create a user holding every permission; the password is read from stdin (twice).
    RootUserCreate {
        /// E-mail of the user.
        email: String,
    },
    /// Check a tsuru installation before tsurud takes it over: reads every document of every
    /// collection tsurud uses, as tsurud reads it, and compares the indexes; reports the
    /// settings of the configuration file tsurud does not use. Writes nothing unless
    /// --fix-indexes is given.
    #[command(after_help = DOCTOR_EXIT_STATUS)]
    Doctor {
        /// Create the missing indexes (what `tsurud api` does at start-up); conflicting ones are
        /// left alone.
        #[arg(long)]
        fix_indexes: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

const DOCTOR_EXIT_STATUS: &str = "Exit status:
  0  tsurud reads every document, and would start on this configuration and database
  1  a document cannot be read, an index conflicts with one tsurud creates (or
     --fix-indexes could not create it), or tsurud api would refuse the configuration
  2  the check could not run: configuration file missing or unparsable, database
     unreachable

The database is database.url / database.name of the configuration, as for `tsurud api`
(whatever `storage` says). Missing indexes alone do not fail the check: tsurud api creates
them at start-up.";

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Api { dev } => serve(cli.config, dev),
        Command::RootUserCreate { email } => root_user_create(cli.config, &email),
        Command::Doctor { fix_indexes, json } => {
            let status = doctor(cli.config, fix_indexes, json);
            std::process::exit(status)
        }
    }
}

#[actix_web::main]
async fn doctor(config: Option<PathBuf>, fix_indexes: bool, json: bool) -> i32 {
    use tsuru_api::doctor;
    match doctor::run(config.as_deref(), fix_indexes).await {
        Ok(report) => {
            if json {
                match serde_json::to_string_pretty(&report) {
                    Ok(text) => println!("{text}"),
                    Err(e) => {
                        eprintln!("tsurud doctor: {e}");
                        return doctor::EXIT_NOT_CHECKED;
                    }
                }
            } else {
                print!("{}", report.text());
            }
            report.status
        }
        Err(e) => {
            eprintln!("tsurud doctor: the check could not run: {e:#}");
            doctor::EXIT_NOT_CHECKED
        }
    }
}

fn load(config: Option<PathBuf>, dev: bool) -> anyhow::Result<Settings> {
    if dev {
        // SAFETY of intent: set before any thread starts; TSURU_DEV feeds the loader.
        // (std::env::set_var is safe in edition 2021.)
        std::env::set_var("TSURU_DEV", "true");
    }
    Settings::load(config.as_deref())
}

#[actix_web::main]
async fn serve(config: Option<PathBuf>, dev: bool) -> anyhow::Result<()> {
    let settings = load(config, dev)?;
    telemetry::init(&settings.log);
    let admin = settings.admin_email.clone();
    let dev = settings.dev;
    let store = match settings.storage_kind() {
        "mongodb" => format!("MongoDB database {:?}", settings.database.name),
        _ => "in-memory store".to_string(),
    };
    let app = Application::build(settings.clone()).await?;
    let url = format!("http://{}:{}", host_of(&settings.listen), app.port());
    tracing::info!(%url, "tsurud listening");
    if dev {
        print_dev_banner(
            &app,
            &url,
            &store,
            admin.as_deref(),
            settings.admin_password.as_ref().map(Secret::expose),
        )
        .await;
    }
    app.run_until_stopped().await?;
    tracing::info!("tsurud stopped");
    Ok(())
}

fn host_of(listen: &str) -> String {
    let host = listen.rsplit_once(':').map_or(listen, |(h, _)| h);
    if host.is_empty() || host == "0.0.0.0" {
        "127.0.0.1".into()
    } else {
        host.into()
    }
}

async fn print_dev_banner(
    app: &Application,
    url: &str,
    store: &str,
    email: Option<&str>,
    password: Option<&str>,
) {
    println!("tsurud (dev mode, {store}) is listening on {url}");
    let (Some(email), Some(password)) = (email, password) else {
        println!(
            "No admin configured: set TSURU_ADMIN_EMAIL and TSURU_ADMIN_PASSWORD to create one."
        );
        return;
    };
    println!("Admin: {email} / {password}");
    match app.state().auth.new_session(email).await {
        Ok(token) => {
            println!("\nUse it with the tsuru client:\n  export TSURU_TARGET={url} TSURU_TOKEN={token}\n  tsuru team-list");
            println!("\nor with curl:\n  curl -H 'Authorization: bearer {token}' {url}/1.0/teams");
            println!(
                "\nor log in:\n  curl -d email={email} -d password={password} {url}/1.0/auth/login"
            );
        }
        Err(e) => println!("could not issue an admin token: {e}"),
    }
}

#[actix_web::main]
async fn root_user_create(config: Option<PathBuf>, email: &str) -> anyhow::Result<()> {
    // No session is signed here, so the JWT secret is not needed: a throw-away one lets the
    // settings load outside dev mode, where the storage is the database.
    if std::env::var_os("TSURU_AUTH__JWT_SECRET").is_none() {
        std::env::set_var("TSURU_AUTH__JWT_SECRET", "unused-by-root-user-create");
    }
    let settings = load(config, false)?;
    telemetry::init(&settings.log);
    let state = tsuru_api::state::AppState::build(&settings).await?;
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    eprint!("Password: ");
    let password = lines.next().transpose()?.unwrap_or_default();
    eprint!("\nConfirm: ");
    let confirm = lines.next().transpose()?.unwrap_or_default();
    eprintln!();
    if password != confirm {
        anyhow::bail!("Passwords didn't match.");
    }
    let created = tsuru_domain::bootstrap::RootUserBootstrap::new(state.auth.clone())
        .ensure_root_user(email, &password)
        .await?;
    println!("Root user successfully {}.", if created { "created" } else { "updated" });
    if settings.storage_kind() == "memory" {
        eprintln!("note: the in-memory store is not kept after this command; use a database to keep the user");
    }
    Ok(())
}
