//! Every option from the command line, an environment variable or a config
//! file (TOML), in that order of precedence, then the built-in default; and
//! `gradflow config check`.
//!
//! Nothing here names an option: the clap command tree is walked at start,
//! so an option added to `args.rs` gets its variable and its key for free.
//! - Every long option without an `env` gets `GRADFLOW_<LONG_NAME>` (dashes
//!   as underscores): `--upload-limit-mib` is `GRADFLOW_UPLOAD_LIMIT_MIB`.
//!   One name per option name: `serve --smtp` and `worker --smtp` share
//!   `GRADFLOW_SMTP_URL`, which is what an operator running both wants.
//!   An option given several times takes a comma-separated list.
//! - The file (`--config FILE` or `GRADFLOW_CONFIG`; none is read unless
//!   named) has the long names with underscores as keys: a key at the top
//!   applies to every command with that option, a `[serve]` (`[worker]`,
//!   `[outbox.list]`, ...) table to that command only, and wins.
//! - A secret (an option whose variable's value is hidden: the database
//!   URL, the SMTP URL) may come from a file instead:
//!   `GRADFLOW_DATABASE_URL_FILE=/run/secrets/db`, or `db_file = "..."`.
//!
//! Values from the file and the environment variables handled here become
//! the options' defaults before parsing, so clap keeps its precedence
//! (command line, then its own `env`, then the default) and checks them;
//! each was checked first against the option's own parser, so a bad one
//! is named by FILE:LINE:COL and nothing runs.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Arg, ArgAction, Command, CommandFactory, parser::ValueSource};
use toml::de::{DeTable, DeValue};

use super::Ctx;
use super::output::say;

/// The variable naming the config file (also `--config FILE`).
pub const CONFIG_ENV: &str = "GRADFLOW_CONFIG";

/// Where a setting's value came from, for `config check`.
#[derive(Debug, Clone)]
pub enum Origin {
    /// The config file, at this line.
    File(String),
    /// An environment variable handled here (a list, or a secret's `_FILE`).
    Env(String),
}

/// The command tree with every variable and file value in place, ready to
/// parse, and where each injected value came from.
pub struct Prepared {
    /// The command to parse the command line with.
    pub command: Command,
    /// The config file read, if any.
    pub file: Option<PathBuf>,
    /// Tables of the file naming commands (`["serve"]`, `["outbox", "list"]`).
    tables: Vec<Vec<String>>,
    /// (command path, option id) -> where its default came from.
    origins: BTreeMap<(Vec<String>, String), Origin>,
}

/// The variable of an option without an `env`: `GRADFLOW_` and its long name.
pub fn env_name(long: &str) -> String {
    format!("GRADFLOW_{}", long.to_ascii_uppercase().replace('-', "_"))
}

/// The config file key of a long option: dashes as underscores.
fn key_of(long: &str) -> String {
    long.replace('-', "_")
}

/// Is this option a list (given several times)?
fn is_list(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Append)
}

/// Is this option a flag (no value: true or false)?
fn is_flag(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse)
}

/// A secret: an option whose variable's value clap keeps out of `--help`
/// (`hide_env_values = true` marks one), or whose name says it is one.
fn is_secret(arg: &Arg) -> bool {
    arg.is_hide_env_values_set()
        || arg.get_long().is_some_and(|long| {
            ["password", "secret", "token"]
                .iter()
                .any(|word| long.contains(word))
        })
}

/// The largest config file read (a config file is a few hundred bytes).
const MAX_CONFIG: u64 = 1024 * 1024;
/// The largest secret file read.
const MAX_SECRET: u64 = 64 * 1024;

/// Reads a small text file, refusing one larger than `limit` bytes.
fn read_small(file: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(file)?
        .take(limit + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "larger than {limit} bytes: is it the right file?"
        )));
    }
    Ok(text)
}

/// Options that come only from the command line.
fn skipped(arg: &Arg) -> bool {
    arg.get_long().is_none_or(|long| long == "config")
}

/// Applies `f` to `cmd` and every command below it, with its path.
fn walk(cmd: &mut Command, path: &mut Vec<String>, f: &mut dyn FnMut(&mut Command, &[String])) {
    f(cmd, path);
    for sub in cmd.get_subcommands_mut() {
        path.push(sub.get_name().to_owned());
        walk(sub, path, f);
        path.pop();
    }
}

/// Changes the option `id` of `cmd`.
fn set_arg(cmd: &mut Command, id: &str, f: impl FnOnce(Arg) -> Arg) {
    let mut f = Some(f);
    *cmd = std::mem::take(cmd).mut_args(|arg| {
        if arg.get_id() == id
            && let Some(f) = f.take()
        {
            f(arg)
        } else {
            arg
        }
    });
}

/// The command tree of `gradflow` with the environment and the config file
/// named in `argv` (or by `GRADFLOW_CONFIG`) applied. Any bad value, unknown
/// key or unreadable file is an error naming it.
pub fn prepare(argv: &[OsString]) -> anyhow::Result<Prepared> {
    let mut command = super::args::Cli::command();
    let mut origins = BTreeMap::new();
    let mut failure = None;
    // Variables for every option; lists are read here (comma-separated).
    walk(&mut command, &mut Vec::new(), &mut |cmd, path| {
        let ids: Vec<(String, Option<String>, bool)> = cmd
            .get_arguments()
            .filter(|a| !skipped(a))
            .map(|a| {
                (
                    a.get_id().to_string(),
                    a.get_env().map(|e| e.to_string_lossy().into_owned()),
                    is_list(a),
                )
            })
            .collect();
        for (id, env, list) in ids {
            if env.is_some() {
                continue;
            }
            let long = cmd
                .get_arguments()
                .find(|a| a.get_id() == id.as_str())
                .and_then(Arg::get_long)
                .unwrap_or_default()
                .to_owned();
            let name = env_name(&long);
            if !list {
                set_arg(cmd, &id, |a| {
                    let secret = is_secret(&a);
                    a.env(name).hide_env_values(secret)
                });
                continue;
            }
            let help = cmd
                .get_arguments()
                .find(|a| a.get_id() == id.as_str())
                .and_then(|a| a.get_help().map(ToString::to_string))
                .unwrap_or_default();
            set_arg(cmd, &id, |a| {
                a.help(format!("{help} [env: {name}, comma-separated]"))
            });
            if let Some(value) = std::env::var_os(&name) {
                let values: Vec<String> = value
                    .to_string_lossy()
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .collect();
                // Checked like a file value, so a bad one names its variable.
                let arg = cmd.get_arguments().find(|a| a.get_id() == id.as_str());
                if let Some(Err(why)) = arg.map(|a| check(a, &values)) {
                    failure.get_or_insert_with(|| anyhow::anyhow!("{name}: {why}"));
                    continue;
                }
                // A value given this way satisfies a required option, as clap's `env` does.
                set_arg(cmd, &id, |a| a.default_values(values).required(false));
                origins.insert((path.to_vec(), id.clone()), Origin::Env(name));
            }
        }
    });
    if let Some(e) = failure.take() {
        return Err(e);
    }
    let file = config_path(argv);
    let mut tables = Vec::new();
    if let Some(file) = &file {
        let text = read_small(file, MAX_CONFIG).with_context(|| {
            format!(
                "cannot read the config file {} (named by --config or {CONFIG_ENV})",
                file.display()
            )
        })?;
        apply_file(&mut command, file, &text, &mut origins, &mut tables)?;
    }
    // A secret's `GRADFLOW_X_FILE`, after the file: a variable beats the file.
    walk(&mut command, &mut Vec::new(), &mut |cmd, path| {
        let secrets: Vec<(String, String)> = cmd
            .get_arguments()
            .filter(|a| is_secret(a) && !skipped(a))
            .filter_map(|a| {
                Some((
                    a.get_id().to_string(),
                    a.get_env()?.to_string_lossy().into_owned(),
                ))
            })
            .collect();
        for (id, env) in secrets {
            let var = format!("{env}_FILE");
            let Some(secret_file) = std::env::var_os(&var) else {
                continue;
            };
            if std::env::var_os(&env).is_some() {
                failure.get_or_insert_with(|| {
                    anyhow::anyhow!("both {env} and {var} are set: set only one of them")
                });
                continue;
            }
            match read_secret(Path::new(&secret_file), &var) {
                Ok(value) => {
                    set_arg(cmd, &id, |a| {
                        a.default_value(value)
                            .hide_default_value(true)
                            .required(false)
                    });
                    origins.insert((path.to_vec(), id), Origin::Env(var));
                }
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(Prepared {
        command,
        file,
        tables,
        origins,
    })
}

/// The config file named by `--config FILE` (or `--config=FILE`) in `argv`,
/// else by `GRADFLOW_CONFIG`; none otherwise (no file is read unnamed).
fn config_path(argv: &[OsString]) -> Option<PathBuf> {
    let mut args = argv.iter().skip(1);
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            break;
        }
        if text == "--config" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = text.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os(CONFIG_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Reads a secret from a file, without its trailing line break.
fn read_secret(file: &Path, named_by: &str) -> anyhow::Result<String> {
    let text = read_small(file, MAX_SECRET).with_context(|| {
        format!(
            "cannot read the secret file {} (named by {named_by})",
            file.display()
        )
    })?;
    let value = text.trim_end_matches(['\n', '\r']);
    if value.is_empty() {
        bail!(
            "the secret file {} (named by {named_by}) is empty",
            file.display()
        );
    }
    Ok(value.to_owned())
}

/// Line and column (from 1) of a byte offset.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Where a key or value is: FILE:LINE:COL.
struct Place<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Place<'_> {
    fn at(&self, span: std::ops::Range<usize>) -> String {
        let (line, col) = line_col(self.text, span.start);
        format!("{}:{line}:{col}", self.file.display())
    }
}

/// One key's value, to be set on the commands it applies to.
struct Setting {
    values: Vec<String>,
    /// Where it was written (FILE:LINE:COL), for errors and `config check`.
    at: String,
    /// A secret read from the file a `*_file` key named.
    secret: bool,
}

/// Reads the config file and sets its values as defaults.
fn apply_file(
    command: &mut Command,
    file: &Path,
    text: &str,
    origins: &mut BTreeMap<(Vec<String>, String), Origin>,
    tables: &mut Vec<Vec<String>>,
) -> anyhow::Result<()> {
    let place = Place { file, text };
    let root = DeTable::parse(text).map_err(|e| {
        let at = e
            .span()
            .map_or_else(|| file.display().to_string(), |s| place.at(s));
        anyhow::anyhow!("{at}: this is not TOML: {}", e.message())
    })?;
    // Top-level keys apply to every command that has the option; check each
    // against the first such option, then set it everywhere.
    let mut top = Vec::new();
    let mut sections = Vec::new();
    let mut entries: Vec<_> = root.get_ref().iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    for (key, value) in entries {
        let name = key.get_ref().to_string();
        match value.get_ref() {
            DeValue::Table(table) if command.find_subcommand(&name).is_some() => {
                sections.push((vec![name], table));
            }
            _ => top.push((name, key.span(), value)),
        }
    }
    for (name, span, value) in top {
        if find_option(command, &name).is_none() {
            let known = all_keys(command);
            bail!(
                "{}: unknown key `{name}`{}",
                place.at(span),
                suggest(
                    &name,
                    &known,
                    command.find_subcommand(&name).map(|_| name.clone())
                )
            );
        }
        // Each command reads it with its own option's parser.
        let mut failure = None;
        walk(command, &mut Vec::new(), &mut |cmd, path| {
            let own = cmd
                .get_arguments()
                .filter(|a| !skipped(a) && (path.is_empty() || !a.is_global_set()))
                .find(|a| matches_key(a, &name))
                .cloned();
            if let Some(arg) = own
                && failure.is_none()
            {
                match read_value(&place, &name, &arg, value, "") {
                    Ok(setting) => apply(cmd, path, &arg, &setting, origins),
                    Err(e) => failure = Some(e),
                }
            }
        });
        if let Some(e) = failure {
            return Err(e);
        }
    }
    while let Some((path, table)) = sections.pop() {
        let cmd = subcommand_mut(command, &path).expect("a known command");
        // `config check` shows the commands that run ([outbox.list], not [outbox]).
        if cmd.get_subcommands().next().is_none() {
            tables.push(path.clone());
        }
        let label = format!(" in [{}]", path.join("."));
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        for (key, value) in entries {
            let name = key.get_ref().to_string();
            if let DeValue::Table(inner) = value.get_ref()
                && cmd.find_subcommand(&name).is_some()
            {
                let mut deeper = path.clone();
                deeper.push(name);
                sections.push((deeper, inner));
                continue;
            }
            let own = cmd
                .get_arguments()
                .filter(|a| !skipped(a))
                .find(|a| matches_key(a, &name))
                .cloned();
            let Some(arg) = own else {
                let global = find_option(command, &name).filter(Arg::is_global_set);
                if global.is_some() {
                    bail!(
                        "{}: `{name}`{label} is an option of every command: put it at the top of the file, before any [table]",
                        place.at(key.span())
                    );
                }
                let cmd = subcommand_mut(command, &path).expect("a known command");
                let known: Vec<String> = cmd
                    .get_arguments()
                    .filter(|a| !skipped(a))
                    .flat_map(keys_of)
                    .chain(cmd.get_subcommands().map(|c| c.get_name().to_owned()))
                    .collect();
                bail!(
                    "{}: unknown key `{name}`{label}{}",
                    place.at(key.span()),
                    suggest(
                        &name,
                        &known,
                        cmd.find_subcommand(&name)
                            .map(|_| format!("{}.{name}", path.join(".")))
                    )
                );
            };
            let setting = read_value(&place, &name, &arg, value, &label)?;
            apply(cmd, &path, &arg, &setting, origins);
        }
    }
    Ok(())
}

/// The command at `path` below `root`.
fn subcommand_mut<'a>(root: &'a mut Command, path: &[String]) -> Option<&'a mut Command> {
    let mut cmd = root;
    for name in path {
        cmd = cmd.get_subcommands_mut().find(|c| c.get_name() == name)?;
    }
    Some(cmd)
}

/// The keys an option answers to: its own, and `X_file` for a secret.
fn keys_of(arg: &Arg) -> Vec<String> {
    let Some(long) = arg.get_long() else {
        return Vec::new();
    };
    let key = key_of(long);
    if is_secret(arg) {
        vec![format!("{key}_file"), key]
    } else {
        vec![key]
    }
}

fn matches_key(arg: &Arg, key: &str) -> bool {
    keys_of(arg).iter().any(|k| k == key)
}

/// The first option anywhere in the tree answering to `key`.
fn find_option(command: &Command, key: &str) -> Option<Arg> {
    if let Some(arg) = command
        .get_arguments()
        .filter(|a| !skipped(a))
        .find(|a| matches_key(a, key))
    {
        return Some(arg.clone());
    }
    command.get_subcommands().find_map(|c| find_option(c, key))
}

/// Every key a file may hold at its top.
fn all_keys(command: &Command) -> Vec<String> {
    let mut keys: Vec<String> = command
        .get_arguments()
        .filter(|a| !skipped(a))
        .flat_map(keys_of)
        .collect();
    for sub in command.get_subcommands() {
        keys.push(sub.get_name().to_owned());
        keys.extend(all_keys(sub));
    }
    keys.sort();
    keys.dedup();
    keys
}

/// ": did you mean `x`?" for the nearest known key, if one is near.
fn suggest(name: &str, known: &[String], table: Option<String>) -> String {
    if let Some(table) = table {
        return format!(": `{name}` is a command, written as a table: [{table}]");
    }
    let wanted = name.replace('-', "_");
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&wanted, k), k))
        .filter(|(d, _)| *d <= 1.max(wanted.chars().count() / 3))
        .min()
        .map(|(_, k)| format!(": did you mean `{k}`?"))
        .unwrap_or_default()
}

/// The value of `name` in the file as the option's values, checked by the
/// option's own parser.
fn read_value(
    place: &Place<'_>,
    name: &str,
    arg: &Arg,
    value: &toml::Spanned<DeValue<'_>>,
    label: &str,
) -> anyhow::Result<Setting> {
    let at = place.at(value.span());
    let long = arg.get_long().unwrap_or_default();
    let wrong = |expected: &str| anyhow::anyhow!("{at}: `{name}`{label} must be {expected}");
    let scalar = |v: &DeValue<'_>| -> anyhow::Result<String> {
        Ok(match v {
            DeValue::String(s) => s.to_string(),
            DeValue::Integer(i) => i.as_str().to_owned(),
            DeValue::Float(f) => f.as_str().to_owned(),
            DeValue::Datetime(d) => d.to_string(),
            DeValue::Boolean(_) => return Err(wrong("a text or a number, not true or false")),
            DeValue::Array(_) | DeValue::Table(_) => {
                return Err(wrong("one value (a text or a number)"));
            }
        })
    };
    let secret_file = is_secret(arg) && name.ends_with("_file") && key_of(long) != name;
    let values = if secret_file {
        let DeValue::String(path) = value.get_ref() else {
            return Err(wrong("the path of the file holding the secret"));
        };
        let named = format!("`{name}` at {at}");
        vec![read_secret(Path::new(path.as_ref()), &named)?]
    } else if is_flag(arg) {
        match value.get_ref() {
            DeValue::Boolean(b) => vec![b.to_string()],
            _ => return Err(wrong("true or false")),
        }
    } else if is_list(arg) {
        match value.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .map(|i| scalar(i.get_ref()))
                .collect::<anyhow::Result<_>>()?,
            other => vec![scalar(other)?],
        }
    } else {
        vec![scalar(value.get_ref())?]
    };
    if !is_flag(arg) {
        check(arg, &values).map_err(|why| {
            if secret_file || is_secret(arg) {
                anyhow::anyhow!("{at}: `{name}`{label}: the value is not accepted")
            } else {
                anyhow::anyhow!("{at}: `{name}`{label}: {why}")
            }
        })?;
    }
    Ok(Setting {
        values,
        at,
        secret: secret_file || is_secret(arg),
    })
}

/// Runs the option's own parser over `values`, as if typed after it.
fn check(arg: &Arg, values: &[String]) -> Result<(), String> {
    // A fresh positional with the same parser and action: the option's
    // relations to others (requires, conflicts) mean nothing here.
    let probe = Arg::new("probe")
        .action(arg.get_action().clone())
        .value_parser(arg.get_value_parser().clone())
        .num_args(if is_list(arg) {
            clap::builder::ValueRange::new(1..)
        } else {
            clap::builder::ValueRange::SINGLE
        });
    let mut line = vec!["gradflow".to_owned(), "--".to_owned()];
    line.extend(values.iter().cloned());
    Command::new("gradflow")
        .disable_help_flag(true)
        .disable_version_flag(true)
        .arg(probe)
        .try_get_matches_from(line)
        .map(|_| ())
        .map_err(|e| {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            let first = first.strip_prefix("error: ").unwrap_or(first);
            // "invalid value 'x' for '[probe]': why" -> "invalid value 'x': why"
            match first.find(" for '[probe") {
                Some(start) => match first[start..].find("': ") {
                    Some(end) => format!("{}{}", &first[..start], &first[start + end + 1..]),
                    None => first.to_owned(),
                },
                None => first.to_owned(),
            }
        })
}

/// Sets `setting` as the default of `arg` on `cmd` (when `cmd` has it).
fn apply(
    cmd: &mut Command,
    path: &[String],
    arg: &Arg,
    setting: &Setting,
    origins: &mut BTreeMap<(Vec<String>, String), Origin>,
) {
    let id = arg.get_id().to_string();
    let long = arg.get_long();
    if !cmd
        .get_arguments()
        .any(|a| a.get_id() == id.as_str() && a.get_long() == long)
    {
        return;
    }
    let values: Vec<OsString> = setting.values.iter().map(OsString::from).collect();
    let secret = setting.secret;
    set_arg(cmd, &id, |a| {
        let a = a.default_values(values).required(false);
        if secret {
            a.hide_default_value(true)
        } else {
            a
        }
    });
    origins.insert((path.to_vec(), id), Origin::File(setting.at.clone()));
}

/// `gradflow config check`: the file is valid (else `prepare` said why and
/// nothing ran); prints each command's settings and where each came from.
pub fn run_check(ctx: &Ctx, prepared: &Prepared) -> anyhow::Result<ExitCode> {
    let mut paths: Vec<Vec<String>> = vec![vec!["serve".into()], vec!["worker".into()]];
    for t in &prepared.tables {
        if !paths.contains(t) {
            paths.push(t.clone());
        }
    }
    let mut report = Vec::new();
    // The options of every command first, read off `serve`'s parse.
    report.push(settings(prepared, &[], &["serve".to_owned()])?);
    for path in &paths {
        report.push(settings(prepared, path, path)?);
    }
    if ctx.json {
        super::output::json(&serde_json::json!({
            "file": prepared.file.as_ref().map(|f| f.display().to_string()),
            "commands": report.iter().map(|(name, rows)| serde_json::json!({
                "command": name,
                "settings": rows.iter().map(|r| serde_json::json!({
                    "key": r.0, "value": r.1, "from": r.2,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    match &prepared.file {
        Some(file) => say!("config: {} is valid", file.display()),
        None => say!(
            "config: no config file named (--config FILE or {CONFIG_ENV}); settings from the environment and defaults"
        ),
    }
    for (name, rows) in report {
        say!("\n[{name}]");
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        for (key, value, from) in rows {
            say!("{key:width$} = {value}    # {from}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// (key, value as shown, where from) for the options of the command at
/// `own` (the global ones when empty), parsed as `gradflow PARSE...` with
/// nothing else on the command line.
type Rows = (String, Vec<(String, String, String)>);

fn settings(prepared: &Prepared, own: &[String], parse: &[String]) -> anyhow::Result<Rows> {
    let mut line = vec!["gradflow".to_owned()];
    line.extend(parse.iter().cloned());
    let mut cmd = prepared.command.clone();
    cmd.build();
    let top = cmd.clone().try_get_matches_from(&line).map_err(|e| {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        anyhow::anyhow!(
            "gradflow {}: {}",
            parse.join(" "),
            first.strip_prefix("error: ").unwrap_or(first)
        )
    })?;
    let mut matches = &top;
    let mut node = &cmd;
    for name in own {
        matches = matches
            .subcommand_matches(name)
            .context("a command of the file")?;
        node = node
            .find_subcommand(name)
            .context("a command of the file")?;
    }
    let mut rows = Vec::new();
    for arg in node.get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if long == "help" || long == "version" || long == "config" || arg.is_hide_set() {
            continue;
        }
        if !own.is_empty() && arg.is_global_set() {
            continue;
        }
        let id = arg.get_id().as_str();
        let raw: Vec<String> = matches
            .get_raw(id)
            .map(|v| v.map(|s| s.to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        let origin = prepared.origins.get(&(own.to_vec(), id.to_owned()));
        let from = match matches.value_source(id) {
            Some(ValueSource::EnvVariable) => format!(
                "env {}",
                arg.get_env()
                    .map(|e| e.to_string_lossy())
                    .unwrap_or_default()
            ),
            Some(ValueSource::CommandLine) => "command line".to_owned(),
            _ => match origin {
                Some(Origin::File(at)) => format!("file {at}"),
                Some(Origin::Env(var)) => format!("env {var}"),
                None => "default".to_owned(),
            },
        };
        let shown = if raw.is_empty() {
            "(not set)".to_owned()
        } else if is_secret(arg) && from != "default" {
            raw.iter()
                .map(|v| shown_secret(v))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            raw.iter()
                .map(|v| gradflow_engine::redact_url(v))
                .collect::<Vec<_>>()
                .join(", ")
        };
        rows.push((key_of(long), shown, from));
    }
    let name = if own.is_empty() {
        "every command".to_owned()
    } else {
        own.join(".")
    };
    Ok((name, rows))
}

/// A secret as `config check` shows it: a URL without its password, else hidden.
fn shown_secret(value: &str) -> String {
    if value.contains("://") {
        let redacted = gradflow_engine::redact_url(value);
        if redacted.contains("***") || !value.contains('@') {
            return redacted;
        }
    }
    "(secret, hidden)".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn every_option_has_a_variable_named_for_it() {
        assert_eq!(env_name("upload-limit-mib"), "GRADFLOW_UPLOAD_LIMIT_MIB");
        let prepared = prepare(&["gradflow".into()]).expect("no file, no variables");
        let mut cmd = prepared.command;
        cmd.build();
        let serve = cmd.find_subcommand("serve").expect("serve");
        let bind = serve
            .get_arguments()
            .find(|a| a.get_long() == Some("bind"))
            .expect("--bind");
        assert_eq!(bind.get_env(), Some(OsStr::new("GRADFLOW_BIND")));
        let db = cmd
            .get_arguments()
            .find(|a| a.get_long() == Some("db"))
            .unwrap();
        assert_eq!(db.get_env(), Some(OsStr::new("GRADFLOW_DATABASE_URL")));
    }

    #[test]
    fn secrets_are_known_by_their_hidden_values_or_their_names() {
        assert!(is_secret(&Arg::new("p").long("admin-password")));
        assert!(is_secret(&Arg::new("s").long("smtp").hide_env_values(true)));
        assert!(!is_secret(&Arg::new("b").long("bind")));
        let prepared = prepare(&["gradflow".into()]).expect("no file, no variables");
        let db = prepared
            .command
            .get_arguments()
            .find(|a| a.get_long() == Some("db"))
            .expect("--db");
        assert!(is_secret(db));
    }

    #[test]
    fn the_whole_tree_stays_valid_with_values_everywhere() {
        // clap checks a command's definition when it is built: every command
        // given a value from the file (a required option among them) and
        // from a list variable must still pass its checks.
        let dir = tempfile::tempdir().expect("a temp dir");
        let file = dir.path().join("gradflow.toml");
        std::fs::write(
            &file,
            "json = true\nname = \"N\"\nsmtp = \"log:\"\n\
             [outbox.list]\nstate = \"dead\"\n\
             [application.list]\nstate = [\"waiting\", \"offered\"]\n\
             [serve]\ntrusted_proxy = [\"10.0.0.1\"]\nsecure_cookies = true\n\
             [project.start]\nmember = [\"trainee=a@x.example\"]\n",
        )
        .expect("written");
        let argv = vec!["gradflow".into(), "--config".into(), file.into_os_string()];
        let prepared = prepare(&argv).expect("a valid file");
        prepared.command.debug_assert();
    }

    #[test]
    fn lines_and_columns_count_from_one() {
        assert_eq!(line_col("a = 1\nbind = 2\n", 6), (2, 1));
        assert_eq!(line_col("a = 1\nbind = 2\n", 13), (2, 8));
    }

    #[test]
    fn the_nearest_key_is_suggested() {
        let known = vec!["upload_limit_mib".to_owned(), "bind".to_owned()];
        assert_eq!(
            suggest("upload_limit_mb", &known, None),
            ": did you mean `upload_limit_mib`?"
        );
        assert_eq!(suggest("bnid", &known, None), ": did you mean `bind`?");
        assert_eq!(suggest("colour", &known, None), "");
    }
}
