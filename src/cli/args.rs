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
    /// Config file (TOML) giving options their values: keys are the long
    /// options with underscores, `[serve]`-style tables per command; the
    /// command line and environment variables beat it (docs/OPERATIONS.md).
    #[arg(long, global = true, env = "GRADFLOW_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
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
    /// Bring the database schema up to date: the only command that applies
    /// a pending migration (a new, empty database is also given its schema
    /// by whichever command first opens it). `--status` lists each
    /// migration, `--dry-run` what would be applied.
    Migrate(MigrateArgs),
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
    /// List, show, revoke and verify certificates.
    #[command(subcommand)]
    Certificate(CertificateCommand),
    /// Start, act on and show projects.
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Prove the event log was not edited.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// See and resend the messages gradflow sends.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Check the mail settings: send one test message.
    #[command(subcommand)]
    Mail(MailCommand),
    /// See the timers the worker fires, and those that failed and why.
    #[command(subcommand)]
    Timers(TimersCommand),
    /// Committee pools, declared conflicts and assigning evaluators.
    #[command(subcommand)]
    Committee(CommitteeCommand),
    /// Load a cohort's people from a spreadsheet (CSV): trainees (their
    /// projects started), supervisors, evaluators, the chair and
    /// coordinators, all or nothing. Also `--template` and `--export`.
    Import(super::import::ImportArgs),
    /// Write a cohort's people as a CSV in the import's columns.
    Export(super::import::ExportArgs),
    /// The institute's keys that sign Open Badges credentials: show the
    /// public keys, create the first, rotate (old public keys stay published).
    #[command(subcommand)]
    Keys(super::keys::KeysCommand),
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
    /// Write an online, consistent backup (database, evidence files and a
    /// manifest with their hashes) into a new folder, while gradflow runs.
    Backup(BackupArgs),
    /// Restore a backup into an empty database and evidence folder, after
    /// checking its manifest and hashes, then verify the audit.
    Restore(RestoreArgs),
    /// Run a cohort through a virtual calendar and print every deadline,
    /// reminder, escalation and message it would produce (in a temporary
    /// database: --db is not touched).
    Simulate(SimulateArgs),
    /// The config file and the environment: check them and show what each
    /// command would run with.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Applications to join a cohort: nominations by supervisors, requests
    /// by people, endorsement, acceptance within capacity, the waiting list.
    #[command(subcommand)]
    Application(super::intake::ApplicationCommand),
    /// A waiting-list offer of a freed place: the candidate takes or
    /// declines it; the operator lists offers the worker could not let
    /// lapse and puts one back in the queue.
    #[command(subcommand)]
    Offer(super::places::OfferCommand),
}

/// `gradflow config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the config file (--config FILE or GRADFLOW_CONFIG) and print
    /// every setting of each command with where it came from (command
    /// line, environment variable, file, default); secrets never shown.
    Check,
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
    /// A reverse proxy whose forwarding header is believed: an address or a
    /// range (10.0.0.5, 10.0.0.0/8, 2001:db8::/32; repeat for several). The
    /// client is then the right-most address in that header that is not a
    /// trusted proxy: sign-in attempts are counted, and requests logged,
    /// per client behind it, not per proxy.
    #[arg(long = "trusted-proxy", value_name = "ADDR")]
    pub trusted_proxies: Vec<gradflow_web::TrustedProxy>,
    /// The header the trusted proxies write the client's address into:
    /// x-forwarded-for, or forwarded (RFC 7239). Only that one is read.
    #[arg(long, default_value = "x-forwarded-for", value_name = "HEADER")]
    pub forwarded_header: gradflow_web::ForwardedHeader,
    /// After SIGTERM or Ctrl-C, how many seconds requests in flight may take
    /// to finish before the server exits anyway (new connections are
    /// refused at once).
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    pub shutdown_grace: u64,
    /// The mail transport of this installation (the workers' --smtp):
    /// given, people may ask for a password reset link, which is queued and
    /// delivered by `gradflow worker` (the server sends no mail itself).
    /// smtp://HOST:PORT, smtp://USER:PASSWORD@HOST:587 (STARTTLS),
    /// smtps://USER:PASSWORD@HOST or file://FOLDER. Without it people cannot
    /// reset their own password (an operator sets one with `gradflow user
    /// set-password`).
    #[arg(
        long,
        env = "GRADFLOW_SMTP_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub smtp: Option<String>,
    /// Checked with --smtp; the mail itself goes out with the worker's --from.
    #[arg(
        long,
        env = "GRADFLOW_MAIL_FROM",
        default_value = "gradflow <noreply@gradflow.localhost>"
    )]
    pub from: String,
    /// The address people reach the site at, used in links sent by mail
    /// and as the site's origin for form posts through a proxy (e.g.
    /// https://gradflow.institute.example). Required when --bind is not a
    /// loopback address; default there: http://BIND.
    #[arg(long, value_name = "URL", value_parser = public_url)]
    pub public_url: Option<String>,
}

/// A `--public-url` as serve and the worker take it: a web address
/// (`https://HOST`, `http://HOST:PORT`), without a user name; kept as given.
fn public_url(url: &str) -> Result<String, String> {
    gradflow_web::public_origin(url)?;
    Ok(url.to_owned())
}

/// Options of `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// List every migration, applied or pending; change nothing.
    #[arg(long, conflicts_with = "dry_run")]
    pub status: bool,
    /// Say which migrations would be applied; change nothing.
    #[arg(long)]
    pub dry_run: bool,
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
    /// A person's bearer tokens for the JSON API (/api): create (shown
    /// once), list, revoke.
    #[command(subcommand)]
    Token(super::tokens::TokenCommand),
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
    /// Applicants beyond the cohort's places: the cohort opens for
    /// applications, they wait on its list, and each place a trainee gives
    /// up is offered to the first of them (0 to 1,000; default none).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub applicants: usize,
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

/// `gradflow committee ...`
#[derive(Debug, Subcommand)]
pub enum CommitteeCommand {
    /// A cohort's committee pool: the people evaluators are drawn from.
    #[command(subcommand)]
    Pool(PoolCommand),
    /// Record that a person may not evaluate a trainee's projects, or the
    /// projects of trainees of an organization (give exactly one).
    Conflict {
        /// The person who may not evaluate.
        #[arg(long)]
        person: String,
        /// The trainee (email) the conflict is with.
        #[arg(long, conflicts_with = "organization")]
        trainee: Option<String>,
        /// The organization the conflict is with.
        #[arg(long)]
        organization: Option<String>,
        /// Why (kept with who recorded it and when).
        #[arg(long)]
        reason: String,
        /// Who records it (an email); the operator when omitted.
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
    /// List declared conflicts (of a cohort's pool members, or everyone's).
    Conflicts {
        /// Only the members of this cohort's pool.
        #[arg(long)]
        cohort: Option<String>,
    },
    /// Give every project of a cohort in an assessed stage the evaluators
    /// it lacks, from the cohort's pool (all or nothing).
    Assign {
        /// Cohort name.
        #[arg(long)]
        cohort: String,
        /// Who asks (a coordinator's email); the operator when omitted.
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
    /// Replace one evaluator of a project by another pool member, by the same rules.
    Reassign {
        /// Project id.
        #[arg(long)]
        project: i64,
        /// The evaluator to replace (email).
        #[arg(long)]
        evaluator: String,
        /// Who asks (a coordinator's email); the operator when omitted.
        #[arg(long = "as", value_name = "EMAIL")]
        by: Option<String>,
    },
}

/// `gradflow committee pool ...`
#[derive(Debug, Subcommand)]
pub enum PoolCommand {
    /// Add a person to a cohort's pool (as its chair with --chair).
    Add {
        /// Cohort name.
        #[arg(long)]
        cohort: String,
        /// The person's email.
        #[arg(long)]
        email: String,
        /// Make them the pool's chair (the chair role on each project).
        #[arg(long)]
        chair: bool,
    },
    /// Remove a person from a cohort's pool (their assignments stay).
    Remove {
        /// Cohort name.
        #[arg(long)]
        cohort: String,
        /// The person's email.
        #[arg(long)]
        email: String,
    },
    /// List a cohort's pool with each member's load.
    List {
        /// Cohort name.
        #[arg(long)]
        cohort: String,
        /// The evaluator role whose assignments are counted.
        #[arg(long, default_value = "committee")]
        role: String,
    },
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
    /// Send a message again: a dead or failed one, or a sent one (a new
    /// delivery of the same message; its attempts keep counting).
    Retry {
        /// Message id.
        id: i64,
    },
}

/// `gradflow mail ...`
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Send one test message through the transport the worker would use
    /// and say whether the mail server accepted it (with its reply) or why not.
    Test {
        /// Where to send the test message.
        address: String,
        /// The transport, as the worker's --smtp: smtp://HOST:PORT,
        /// smtp://USER:PASSWORD@HOST:587, smtps://USER:PASSWORD@HOST,
        /// file://FOLDER or log:.
        #[arg(long, env = "GRADFLOW_SMTP_URL", hide_env_values = true)]
        smtp: Option<String>,
        /// The From address, as the worker's --from.
        #[arg(
            long,
            env = "GRADFLOW_MAIL_FROM",
            default_value = "gradflow <noreply@gradflow.localhost>"
        )]
        from: String,
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
    /// (STARTTLS), smtps://USER:PASSWORD@HOST; for development only,
    /// file://FOLDER (one .eml per message) or log: (written to the log, not
    /// sent). Required: a worker without it refuses to start, so that no
    /// message is marked sent and lost.
    #[arg(long, env = "GRADFLOW_SMTP_URL", hide_env_values = true)]
    pub smtp: Option<String>,
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
    /// The address people reach the site at (serve's --public-url, e.g.
    /// https://gradflow.institute.example): a certificate's mail gives its
    /// public check address on it. Without it that mail names no address
    /// and tells the trainee to ask the institute.
    #[arg(long, value_name = "URL", value_parser = public_url)]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub retention: RetentionArgs,
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
        /// A supervisor (manager), who may nominate and endorse people of
        /// their own organization for a cohort.
        #[arg(long)]
        supervisor: bool,
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
    /// Mark a person as a supervisor (manager) who may nominate and endorse
    /// people of their own organization, or no longer.
    Supervisor {
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
    /// Print everything kept about a person as JSON (their row, account,
    /// sessions without secrets, roles, the events they acted in or that
    /// name them, evidence files, messages to them), for a data request.
    Export {
        /// Email address.
        email: String,
        #[command(flatten)]
        operator: OperatorArgs,
    },
    /// Correct a person's name or email (the same rules as `person add`;
    /// an email someone else has is refused).
    Correct {
        /// Their email address now.
        email: String,
        /// The right name.
        #[arg(long)]
        name: Option<String>,
        /// The right email address.
        #[arg(long = "email", value_name = "EMAIL")]
        new_email: Option<String>,
        #[command(flatten)]
        operator: OperatorArgs,
    },
    /// Disable an account: no sign-in, sessions ended, no mail sent to
    /// them (each message ends dead, saying why); roles are kept.
    Disable {
        /// Email address.
        email: String,
        #[command(flatten)]
        operator: OperatorArgs,
    },
    /// Enable a disabled account again.
    Enable {
        /// Email address.
        email: String,
        #[command(flatten)]
        operator: OperatorArgs,
    },
    /// Erase a person on request: name, email and organization replaced by
    /// a pseudonym, password, sessions, language, attempts and mail bodies
    /// removed; the sealed events keep only their id, so `audit verify`
    /// still passes. Refused while they hold a role on an unfinished project.
    Erase {
        /// Email address.
        email: String,
        #[command(flatten)]
        operator: OperatorArgs,
    },
    /// The admin log: every export, correction, disable, enable, erasure,
    /// purge and retention sweep, newest first.
    Log {
        /// Only what concerns this person.
        #[arg(long, value_name = "EMAIL")]
        person: Option<String>,
    },
}

/// Who does an action on people's data, and why: written to the admin log.
#[derive(Debug, Clone, Args)]
pub struct OperatorArgs {
    /// The operator's email, for the admin log (default: the OS user).
    #[arg(long = "as", value_name = "EMAIL")]
    pub by: Option<String>,
    /// Why (the request it answers), for the admin log; required to erase.
    #[arg(long, default_value = "")]
    pub reason: String,
}

/// How long the worker keeps what it may remove (off by default: kept for ever).
#[derive(Debug, Clone, Args)]
pub struct RetentionArgs {
    /// Remove the body (its variables) of each message sent more than DAYS
    /// ago; the row stays as the record that it was sent.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub retain_sent_mail: Option<u32>,
    /// Remove from the files folder the evidence files of projects finished
    /// more than DAYS ago (their rows, sealed in the log, stay).
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub retain_evidence: Option<u32>,
    /// Purge whole projects finished more than DAYS ago: events, rows and
    /// files, each recorded in the admin log with its final chain head.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub retain_closed_projects: Option<u32>,
    /// Folder of evidence files (as `serve --files`); default: `files`
    /// beside the SQLite file, or `gradflow-files`.
    #[arg(long, value_name = "DIR")]
    pub files: Option<PathBuf>,
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
    /// Say what a program certifies: level, bodies, number pattern,
    /// validity and the certificate a trainee must hold first.
    Certify(Box<CertifyArgs>),
    /// Choose whether requests to join the program's cohorts need the
    /// named supervisor's endorsement before a coordinator may accept them.
    Endorsement {
        /// The program's key.
        key: String,
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        choice: String,
    },
}

/// `gradflow program certify KEY ...`: every setting at once (run it again to change them).
#[derive(Debug, Args)]
pub struct CertifyArgs {
    /// The program's key.
    pub key: String,
    /// The level certified, in English (e.g. Service).
    #[arg(long)]
    pub level: String,
    /// The level in Arabic.
    #[arg(long)]
    pub level_ar: String,
    /// The awarding body, in English.
    #[arg(long)]
    pub awarding_body: String,
    /// The awarding body in Arabic.
    #[arg(long)]
    pub awarding_body_ar: String,
    /// The accrediting body, in English.
    #[arg(long)]
    pub accrediting_body: String,
    /// The accrediting body in Arabic.
    #[arg(long)]
    pub accrediting_body_ar: String,
    /// Certificate number pattern: {year} and {seq} or {seq:05} (five digits).
    #[arg(long, value_name = "PATTERN")]
    pub number: String,
    /// How long a certificate is valid: none, or e.g. 3y, 18mo, 365d.
    #[arg(long, default_value = "none", value_name = "DURATION")]
    pub valid_for: String,
    /// A program whose valid certificate the trainee must hold before a
    /// project of this program starts.
    #[arg(long, value_name = "PROGRAM")]
    pub requires: Option<String>,
    /// A program whose valid certificate this program's cohorts'
    /// coordinators must hold when they are made coordinators (train-the-trainer).
    #[arg(long, value_name = "PROGRAM")]
    pub coordinators_need: Option<String>,
    /// A program whose valid certificate this program's committee members
    /// (pool, evaluators, chairs) must hold when they are given the place.
    #[arg(long, value_name = "PROGRAM")]
    pub committee_needs: Option<String>,
}

/// `gradflow certificate ...`
#[derive(Debug, Subcommand)]
pub enum CertificateCommand {
    /// List certificates, newest first.
    List {
        /// Only this trainee's (an email).
        #[arg(long)]
        person: Option<String>,
        /// Only this program's (its key).
        #[arg(long)]
        program: Option<String>,
    },
    /// Show one certificate: by its number or its verification code.
    Show {
        /// The certificate's number or verification code.
        certificate: String,
    },
    /// Revoke a certificate, with the reason (a revoked one stays revoked).
    Revoke {
        /// The certificate's number or verification code.
        certificate: String,
        /// Why it is revoked.
        #[arg(long)]
        reason: String,
    },
    /// Check a verification code: exit 0 only for a valid certificate
    /// (1 for expired, revoked or unknown).
    Verify {
        /// The verification code, as printed (case, spaces and dashes do not matter).
        code: String,
    },
    /// Write a certificate's Open Badges 3.0 credential (a signed VC-JWT)
    /// to standard output or a file.
    Credential(super::keys::CredentialArgs),
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
    /// Move a cohort's named dates or change its holidays: every open
    /// project's deadline, reminders, escalations and milestone due dates
    /// are planned again in one transaction, and each project's log records it.
    Dates(super::dates::DatesArgs),
    /// Open or close a cohort for nominations and requests to join.
    #[command(subcommand)]
    Intake(super::intake::IntakeCommand),
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
    /// Give trainees a new date for their current stage's deadline or a
    /// milestone, with a reason: their timers are planned again, no one
    /// else's (all of them or none).
    Extend(super::dates::ExtendArgs),
    /// End a project as withdrawn from whatever stage it is in, with a
    /// reason (its trainee, a coordinator of its cohort, or the operator):
    /// its timers are dropped, its people mailed, its place given back.
    Withdraw(super::places::WithdrawArgs),
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
    /// its stored stage and state, compare the evidence and role rows with
    /// the events that record them, and check every evidence file's SHA-256
    /// in the evidence folder; exit 1 naming the first broken project and event.
    Verify(VerifyArgs),
}

/// Options of `gradflow audit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Evidence folder to check (as `serve --files`); default: `files`
    /// beside the SQLite file, or `gradflow-files`.
    #[arg(long, value_name = "DIR")]
    pub files: Option<PathBuf>,
}

/// Options of `gradflow backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The folder to write the backup into: new, or empty.
    #[arg(value_name = "DEST")]
    pub dest: PathBuf,
    /// Evidence folder to back up (as `serve --files`); default: `files`
    /// beside the SQLite file, or `gradflow-files`.
    #[arg(long, value_name = "DIR")]
    pub files: Option<PathBuf>,
}

/// Options of `gradflow restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup folder (written by `gradflow backup`).
    #[arg(value_name = "SRC")]
    pub src: PathBuf,
    /// Evidence folder to restore the files into (as `serve --files`);
    /// default: `files` beside the SQLite file, or `gradflow-files`.
    #[arg(long, value_name = "DIR")]
    pub files: Option<PathBuf>,
}
