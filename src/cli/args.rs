//! The commands and their options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// gradflow: workflows and approvals for certification programs built on graduation projects.
#[derive(Debug, Parser)]
#[command(name = "gradflow", version, about, max_term_width = 100)]
pub struct Cli {
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "GRADFLOW_DATABASE_URL", hide_env_values = true, default_value = gradflow_engine::DEFAULT_URL)]
    pub db: String,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Act as if it were this instant (RFC 3339); for rehearsals and tests.
    #[arg(long, global = true, env = "GRADFLOW_NOW", hide = true)]
    pub now: Option<jiff::Timestamp>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or update the database schema (also done automatically on first use).
    Migrate,
    /// Check, draw and publish workflow definitions.
    #[command(subcommand)]
    Workflow(WorkflowCommand),
    /// Register and list people.
    #[command(subcommand)]
    Person(PersonCommand),
    /// Create programs.
    #[command(subcommand)]
    Program(ProgramCommand),
    /// Create and show cohorts.
    #[command(subcommand)]
    Cohort(CohortCommand),
    /// Start, act on and show projects.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Prove the event log was not edited.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// See and resend the messages gradflow sends.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// See the timers the worker fires, and those that failed and why.
    #[command(subcommand)]
    Timers(TimersCommand),
    /// Fire timers that fall due (deadlines, reminders, escalations) until stopped.
    Worker(WorkerArgs),
    /// Serve the web application.
    Serve(ServeArgs),
    /// Sign-in accounts: add people who can sign in, set their passwords.
    #[command(subcommand)]
    User(UserCommand),
    /// Serve a fresh demo institute (a SQLite file) on the web, printing a
    /// sign-in for each role; `--tour` prints a command-line tour instead.
    Demo(DemoArgs),
    /// Run a cohort through a virtual calendar and print every deadline,
    /// reminder, escalation and message it would produce (in a temporary
    /// database: --db is not touched).
    Simulate(SimulateArgs),
}

/// Options of the web server.
#[derive(Debug, Clone, Args)]
pub struct WebArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub bind: std::net::SocketAddr,
    /// Folder for evidence files (kept by SHA-256, never served as a
    /// folder); default: `files` beside the SQLite file, or `gradflow-files`.
    #[arg(long, value_name = "DIR")]
    pub files: Option<PathBuf>,
    /// Largest evidence file accepted, in MiB.
    #[arg(long, default_value_t = 10, value_name = "MIB")]
    pub upload_limit_mib: u64,
    /// Evidence one person may upload in all, in MiB.
    #[arg(long, default_value_t = 200, value_name = "MIB")]
    pub upload_quota_mib: u64,
    /// Mark the session cookie Secure (named __Host-gradflow_session) and
    /// send Strict-Transport-Security: set it when gradflow is served over
    /// TLS (directly or behind a proxy that terminates it).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Connections open at once; past it new ones are closed at once. Keep
    /// it well under the open-file limit (`ulimit -n`).
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_connections: usize,
    /// Connections open at once from one client address. Behind a reverse
    /// proxy every client has its address: raise it to --max-connections.
    #[arg(long, default_value_t = 64, value_name = "N")]
    pub max_connections_per_address: usize,
    /// A reverse proxy whose X-Forwarded-For is believed (repeat for
    /// several): sign-in attempts are then counted per client behind it,
    /// not per proxy, so one client cannot lock everyone out.
    #[arg(long = "trusted-proxy", value_name = "ADDR")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Where password reset links are mailed: smtp://HOST:PORT,
    /// smtp://USER:PASSWORD@HOST:587 (STARTTLS), smtps://USER:PASSWORD@HOST
    /// or file://FOLDER. Without it people cannot reset their own password
    /// (an operator sets one with `gradflow user set-password`).
    #[arg(
        long,
        env = "GRADFLOW_SMTP_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub smtp: Option<String>,
    /// The From address of those mails: "Name <address>" or an address.
    #[arg(
        long,
        env = "GRADFLOW_MAIL_FROM",
        default_value = "gradflow <noreply@gradflow.localhost>"
    )]
    pub from: String,
    /// The address people reach the site at, used in links sent by mail
    /// (e.g. https://gradflow.institute.example); default: http://BIND.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The server's options.
    #[command(flatten)]
    pub web: WebArgs,
}

/// Options of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print the command-line tour (every step of one project) and exit.
    #[arg(long)]
    pub tour: bool,
    /// The server's options.
    #[command(flatten)]
    pub web: WebArgs,
}

/// `gradflow user ...`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Register a person who can sign in, and set their password (read
    /// from standard input, or asked for without echo on a terminal).
    Add {
        /// Email address (what they sign in with).
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Organization (ministry, department).
        #[arg(long, default_value = "")]
        org: String,
    },
    /// Set the password of a registered person (read from standard input, or
    /// asked for without echo on a terminal); signs them out everywhere.
    SetPassword {
        /// Email address.
        email: String,
    },
}

/// Options of `simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Workflow definition file (YAML), with its templates/ folder beside it.
    #[arg(long, value_name = "FILE")]
    pub workflow: PathBuf,
    /// Cohort file (YAML): name, time_zone, weekend, mail_hours, dates,
    /// holidays, capacity, start (docs/definitions.md, "Simulating a cohort").
    #[arg(long, value_name = "FILE")]
    pub cohort: PathBuf,
    /// How many trainees (projects) to simulate; default: the cohort's capacity.
    #[arg(long, value_name = "N")]
    pub trainees: Option<u32>,
    /// How the trainees keep their deadlines; reviewers always act the next working day.
    #[arg(long, value_enum, default_value_t = Behaviour::OnTime)]
    pub behaviour: Behaviour,
    /// Last day to simulate (YYYY-MM-DD, in the cohort's time zone); default:
    /// 30 days after the cohort's last date, or sooner when nothing is left to happen.
    #[arg(long, value_name = "DATE")]
    pub until: Option<jiff::civil::Date>,
}

/// Reads mail hours (`09:00-17:00`), saying so when the span runs backwards
/// (`17:00-09:00`: it closes before it opens), for `cohort create` and the
/// simulator's cohort file alike.
pub fn mail_hours(text: &str) -> Result<gradflow_engine::calendar::MailHours, String> {
    text.parse()
        .map_err(|e: gradflow_engine::calendar::Error| e.to_string())
}

/// How simulated trainees keep their deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Behaviour {
    /// Each step three days before it is due.
    OnTime,
    /// Each step three days after it is due.
    Late,
    /// Trainees never act.
    Never,
    /// In turn: on time, late, never (trainees 1, 2, 3, then again).
    Mixed,
}

/// `gradflow timers ...`
#[derive(Debug, Subcommand)]
pub enum TimersCommand {
    /// List timers in one state, the most recently due first (at most 500).
    List {
        /// pending, claimed, done or failed (a timer the engine refused on
        /// every attempt; the reason is shown).
        #[arg(long, default_value = "failed")]
        state: String,
    },
    /// Put a failed timer back in the queue, once what made it fail is mended.
    Retry {
        /// Timer id (from `timers list`).
        id: i64,
    },
}

/// `gradflow outbox ...`
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List messages, newest first.
    List {
        /// Only messages in this state: pending, claimed, sent, failed or dead.
        #[arg(long)]
        state: Option<String>,
        /// Most messages listed.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Show one message: to whom, its state and attempts, what it says.
    Show {
        /// Message id.
        id: i64,
    },
    /// Send a dead or failed message again.
    Retry {
        /// Message id.
        id: i64,
    },
}

/// Options of `worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Process everything due now, then exit (for tests and a crontab).
    #[arg(long)]
    pub once: bool,
    /// Most timers or messages claimed in one round.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Where mail goes: smtp://HOST:PORT, smtp://USER:PASSWORD@HOST:587
    /// (STARTTLS), smtps://USER:PASSWORD@HOST, file://FOLDER (one .eml per
    /// message) or log: (written to the log, not sent).
    #[arg(
        long,
        env = "GRADFLOW_SMTP_URL",
        hide_env_values = true,
        default_value = "log:"
    )]
    pub smtp: String,
    /// The From address of every message: "Name <address>" or an address.
    #[arg(
        long,
        env = "GRADFLOW_MAIL_FROM",
        default_value = "gradflow <noreply@gradflow.localhost>"
    )]
    pub from: String,
    /// Seconds a worker holds the messages it claimed before another may
    /// take them over; renewed while it sends, and it claims no more than
    /// it can send in half of it. At least twice the SMTP timeout (refused otherwise).
    #[arg(long, default_value_t = 120, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub mail_lease: u32,
}

/// `gradflow workflow ...`
#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// Check definition files; prints every problem as FILE:LINE:COL.
    Validate {
        /// Definition files (YAML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Draw a workflow's stages and actions.
    Graph {
        /// Definition file.
        file: PathBuf,
        /// Picture format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// Validate and store definitions so programs can run them.
    Publish {
        /// Definition files (YAML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List published definitions.
    List,
    /// Move a cohort's running projects to another version of its workflow,
    /// in one transaction, with a stage mapping; pins the cohort to it.
    Migrate(super::versions::MigrateArgs),
}

/// Picture formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    /// Mermaid state diagram.
    Mermaid,
    /// Graphviz dot.
    Dot,
}

/// `gradflow person ...`
#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Register a person.
    Add {
        /// Email address (how the person is named in other commands).
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Organization (ministry, department).
        #[arg(long, default_value = "")]
        org: String,
    },
    /// List everyone.
    List,
    /// Choose whether a person takes their reminders and escalations as one
    /// digest per worker round (typically each morning) instead of one email each.
    Digest {
        /// Email address.
        email: String,
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        choice: String,
    },
    /// Choose the language a person reads pages and mail in (what they
    /// choose on their profile page), e.g. for someone who never signs in.
    Language {
        /// Email address.
        email: String,
        /// A language code: en or ar.
        language: String,
    },
}

/// `gradflow program ...`
#[derive(Debug, Subcommand)]
pub enum ProgramCommand {
    /// Create a program running a published workflow.
    Create {
        /// Short key, e.g. service-2026.
        key: String,
        /// Title.
        #[arg(long)]
        title: String,
        /// Workflow key (published with gradflow workflow publish).
        #[arg(long)]
        workflow: String,
    },
}

/// `gradflow cohort ...`
#[derive(Debug, Subcommand)]
pub enum CohortCommand {
    /// Create a cohort of a program.
    Create(NewCohortArgs),
    /// Show a cohort and its projects.
    Show {
        /// Cohort name.
        name: String,
    },
    /// Pin a cohort to a version of its workflow: its future projects start
    /// on it (running ones stay; `workflow migrate` moves them).
    Pin(super::versions::PinArgs),
}

/// Options of `cohort create`.
#[derive(Debug, Args)]
pub struct NewCohortArgs {
    /// Unique name, e.g. "Service 2026 A".
    pub name: String,
    /// Program key.
    #[arg(long)]
    pub program: String,
    /// IANA time zone of the cohort's calendar, e.g. Asia/Muscat.
    #[arg(long)]
    pub time_zone: String,
    /// Most projects the cohort takes.
    #[arg(long, default_value_t = 12)]
    pub capacity: u32,
    /// A named date the workflow uses: NAME=YYYY-MM-DD (repeat).
    #[arg(long = "date", value_name = "NAME=DATE")]
    pub dates: Vec<String>,
    /// A day the institute is closed: YYYY-MM-DD (repeat).
    #[arg(long = "holiday", value_name = "DATE")]
    pub holidays: Vec<jiff::civil::Date>,
    /// The cohort's weekly rest days, which business-day durations skip:
    /// e.g. fri,sat (Oman, Bahrain) or sat,sun.
    #[arg(long, value_name = "DAYS", default_value = "sat,sun")]
    pub weekend: gradflow_engine::calendar::Weekend,
    /// The local hours in which reminders and escalations go out, on working
    /// days only (00:00-24:00: round the clock); docs/definitions.md, "Mail
    /// hours", says how one falling outside is moved.
    #[arg(long, value_name = "HH:MM-HH:MM", default_value = "09:00-17:00", value_parser = mail_hours)]
    pub mail_hours: gradflow_engine::calendar::MailHours,
    /// A person who coordinates every project of the cohort (repeat).
    #[arg(long = "coordinator", value_name = "EMAIL")]
    pub coordinators: Vec<String>,
}

/// `gradflow project ...`
#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// Start a project in a cohort.
    Start {
        /// Cohort name.
        #[arg(long)]
        cohort: String,
        /// Title of the improvement.
        #[arg(long)]
        title: String,
        /// A person and their role on the project: ROLE=EMAIL (repeat), e.g. trainee=amal@example.org.
        #[arg(long = "member", value_name = "ROLE=EMAIL", required = true)]
        members: Vec<String>,
    },
    /// Give a person a role on a project (e.g. an evaluator): ROLE=EMAIL.
    /// Refused when the person already holds a role the definition declares
    /// in conflict with it (e.g. the trainee as their own evaluator).
    Assign {
        /// Project id.
        id: i64,
        /// ROLE=EMAIL.
        #[arg(value_name = "ROLE=EMAIL")]
        member: String,
        /// Who gives the role (recorded in the project's history); the operator when left out.
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
    /// Act on a project as a person: submit, approve, KEY.submit, score...
    Act(ActArgs),
    /// Show a project: stage, deadlines, what each role may do next, history.
    Show {
        /// Project id.
        id: i64,
    },
    /// List projects.
    List {
        /// Only this cohort's.
        #[arg(long)]
        cohort: Option<String>,
    },
}

/// Options of `project act`.
#[derive(Debug, Args)]
pub struct ActArgs {
    /// Project id.
    pub id: i64,
    /// Action, as listed by `project show`.
    pub action: String,
    /// Who acts (email).
    #[arg(long = "as", value_name = "EMAIL")]
    pub actor: String,
    /// A form answer or score: KEY=VALUE (repeat).
    #[arg(long = "field", value_name = "KEY=VALUE")]
    pub fields: Vec<String>,
    /// Form answers from a JSON or YAML file (a mapping of KEY: VALUE).
    #[arg(long = "fields", value_name = "FILE")]
    pub fields_file: Option<PathBuf>,
    /// A comment.
    #[arg(long)]
    pub comment: Option<String>,
    /// Refuse if the project is no longer at this version.
    #[arg(long)]
    pub expect_version: Option<u64>,
    /// Retrying with the same key returns the first result and changes nothing.
    #[arg(long)]
    pub idempotency_key: Option<String>,
}

/// `gradflow audit ...`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-compute every event hash and replay every project's events against
    /// its stored stage and state; exit 1 naming the first broken project and event.
    Verify,
}
