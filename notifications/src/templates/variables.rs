//! Every variable a template names must exist in its sample data.
//!
//! Handlebars' strict mode catches `{{due}}` when `due` is missing, but not
//! `{{#if due}}`, `{{#each dues}}` or `{{#with due}}`: a block helper's
//! parameters are looked up leniently, so a misspelt condition is silently
//! false for ever. We walk the template's syntax tree instead, keeping the
//! scope each block opens (`{{#each}}` and `{{#with}}` move into their
//! value, `as |item|` names one), and look every path up in the sample.
//! The walk also refuses what a mail template must not contain: partials,
//! decorators, helpers that do not exist, (in HTML bodies) `{{{...}}}`,
//! which would insert a trainee's comment as raw HTML, and a `{{#each}}`
//! over a list inside another: nested over a gathered list of sixty
//! projects, four loops write 13 million lines.

use std::path::Path;

use handlebars::template::{BlockParam, HelperTemplate, Parameter, Template, TemplateElement};
use handlebars::{Path as HbPath, PathSeg};
use serde_json::Value;

use super::Problem;
use super::location::{find_in_tag, line_column, offset_of};

/// The helpers a template may call: handlebars' built-ins.
const HELPERS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "raw", "log", "eq", "ne", "gt", "gte", "lt", "lte",
    "and", "or", "not", "len",
];

/// The problems with the variables of `template` (read from `file`, whose
/// text is `source`) against `data`. `html_body` refuses `{{{...}}}`.
pub(super) fn check(
    template: &Template,
    source: &str,
    file: &Path,
    data: &Value,
    html_body: bool,
) -> Vec<Problem> {
    let mut walk = Walk {
        source,
        file,
        html_body,
        problems: Vec::new(),
    };
    let mut scopes = vec![Scope {
        value: Some(data.clone()),
        params: Vec::new(),
        in_each: false,
    }];
    walk.template(template, &mut scopes, (1, 1));
    walk.problems
}

/// One level of context: the data itself, or what a `{{#each}}` or
/// `{{#with}}` moved into.
struct Scope {
    /// `None` when the value cannot be known from the sample (an `each`
    /// over an empty list): nothing inside is checked rather than guessed.
    value: Option<Value>,
    /// Names given with `as |item index|`.
    params: Vec<(String, Option<Value>)>,
    /// Inside `{{#each}}`, where `@index`, `@key`, `@first`, `@last` exist.
    in_each: bool,
}

struct Walk<'a> {
    source: &'a str,
    file: &'a Path,
    html_body: bool,
    problems: Vec<Problem>,
}

type Position = (u64, u64);

impl Walk<'_> {
    fn template(&mut self, template: &Template, scopes: &mut Vec<Scope>, fallback: Position) {
        for (i, element) in template.elements.iter().enumerate() {
            let at = template
                .mapping
                .get(i)
                .map_or(fallback, |m| (m.0 as u64, m.1 as u64));
            match element {
                TemplateElement::Expression(helper) => self.call(helper, scopes, at),
                TemplateElement::HtmlExpression(helper) => {
                    if self.html_body {
                        self.report(
                            at,
                            None,
                            "`{{{...}}}` inserts the value as raw HTML".into(),
                            Some("use two braces, {{...}}: the value is then shown as written, safely".into()),
                        );
                    }
                    self.call(helper, scopes, at);
                }
                TemplateElement::HelperBlock(helper) => self.block(helper, scopes, at),
                TemplateElement::PartialExpression(_) | TemplateElement::PartialBlock(_) => self.report(
                    at,
                    None,
                    "partials (`{{> name}}`) are not available in mail templates".into(),
                    Some("write the text in the template itself; the HTML layout is shared by every message".into()),
                ),
                TemplateElement::DecoratorExpression(_) | TemplateElement::DecoratorBlock(_) => self.report(
                    at,
                    None,
                    "decorators (`{{* name}}`) are not available in mail templates".into(),
                    None,
                ),
                _ => {}
            }
        }
    }

    /// `{{name}}`, `{{helper a b}}`: the variable or the helper and its values.
    fn call(&mut self, helper: &HelperTemplate, scopes: &mut Vec<Scope>, at: Position) {
        match &helper.name {
            Parameter::Path(path) => {
                self.path(path, scopes, at);
            }
            Parameter::Name(name) => self.helper_name(name, at),
            Parameter::Subexpression(sub) => self.subexpression(sub.as_element(), scopes, at),
            _ => {}
        }
        self.arguments(helper, scopes, at);
    }

    fn arguments(&mut self, helper: &HelperTemplate, scopes: &mut Vec<Scope>, at: Position) {
        for param in &helper.params {
            self.parameter(param, scopes, at);
        }
        let mut hash: Vec<_> = helper.hash.iter().collect();
        hash.sort_by(|a, b| a.0.cmp(b.0));
        for (_, param) in hash {
            self.parameter(param, scopes, at);
        }
    }

    fn parameter(
        &mut self,
        param: &Parameter,
        scopes: &mut Vec<Scope>,
        at: Position,
    ) -> Option<Value> {
        match param {
            Parameter::Path(path) => self.path(path, scopes, at),
            Parameter::Subexpression(sub) => {
                self.subexpression(sub.as_element(), scopes, at);
                None
            }
            Parameter::Literal(value) => Some(value.clone()),
            _ => None,
        }
    }

    fn subexpression(&mut self, element: &TemplateElement, scopes: &mut Vec<Scope>, at: Position) {
        if let TemplateElement::Expression(helper) = element {
            self.call(helper, scopes, at);
        }
    }

    fn helper_name(&mut self, name: &str, at: Position) {
        if !HELPERS.contains(&name) {
            self.report(
                at,
                Some(name),
                format!("unknown helper `{name}`"),
                Some(format!("the helpers are: {}", HELPERS.join(", "))),
            );
        }
    }

    /// `{{#if}}`, `{{#each}}`, `{{#with}}`...: the parameters, then the
    /// inside in the scope the block opens, then `{{else}}` in the outer one.
    fn block(&mut self, helper: &HelperTemplate, scopes: &mut Vec<Scope>, at: Position) {
        let name = match &helper.name {
            Parameter::Name(name) => name.clone(),
            Parameter::Path(path) => raw(path).to_owned(),
            _ => String::new(),
        };
        self.helper_name(&name, at);
        let first = helper
            .params
            .first()
            .and_then(|p| self.parameter(p, scopes, at));
        for param in helper.params.iter().skip(1) {
            self.parameter(param, scopes, at);
        }
        for param in helper.hash.values() {
            self.parameter(param, scopes, at);
        }
        match name.as_str() {
            "raw" => {}
            "each" => {
                let over_list = matches!(first, Some(Value::Array(_)));
                if over_list && scopes.iter().any(|s| s.in_each) {
                    self.report(
                        at,
                        None,
                        "a loop over a list inside another loop: the message grows with the square of the list (a gathered escalation lists every late project)".into(),
                        Some("loop over the list once; to compare items, do it in the workflow, not in the message".into()),
                    );
                }
                let (item, key) = match &first {
                    Some(Value::Array(items)) => (items.first().cloned(), Some(Value::from(0))),
                    Some(Value::Object(fields)) => {
                        let first = fields.iter().next();
                        (
                            first.map(|(_, v)| v.clone()),
                            first.map(|(k, _)| Value::from(k.clone())),
                        )
                    }
                    _ => (None, None),
                };
                let params = block_params(helper, [item.clone(), key]);
                scopes.push(Scope {
                    value: item,
                    params,
                    in_each: true,
                });
                if let Some(inner) = &helper.template {
                    self.template(inner, scopes, at);
                }
                scopes.pop();
            }
            "with" => {
                let params = block_params(helper, [first.clone(), None]);
                scopes.push(Scope {
                    value: first,
                    params,
                    in_each: false,
                });
                if let Some(inner) = &helper.template {
                    self.template(inner, scopes, at);
                }
                scopes.pop();
            }
            _ => {
                if let Some(inner) = &helper.template {
                    self.template(inner, scopes, at);
                }
            }
        }
        if let Some(inverse) = &helper.inverse {
            self.template(inverse, scopes, at);
        }
    }

    /// Looks `path` up; reports it when the sample has no such value.
    /// Returns the value found (`None` when unknown or not checkable).
    fn path(&mut self, path: &HbPath, scopes: &[Scope], at: Position) -> Option<Value> {
        let (segs, raw) = match path {
            HbPath::Relative((segs, raw)) => (segs, raw.as_str()),
            HbPath::Local((level, name, raw)) => {
                let scope = scopes
                    .len()
                    .checked_sub(level + 1)
                    .and_then(|i| scopes.get(i));
                if !scope.is_some_and(|s| s.in_each) {
                    self.report(
                        at,
                        Some(raw),
                        format!("`{raw}` is only known inside {{{{#each}}}}"),
                        None,
                    );
                } else if !matches!(name.as_str(), "index" | "key" | "first" | "last") {
                    self.report(
                        at,
                        Some(raw),
                        format!("unknown variable `{raw}`"),
                        Some("inside {{#each}} these exist: @index, @key, @first, @last".into()),
                    );
                }
                return None;
            }
        };
        let names: Vec<&str> = segs
            .iter()
            .filter_map(|seg| match seg {
                PathSeg::Named(name) => Some(name.as_str()),
                _ => None,
            })
            .collect();
        let (from_root, ups) = anchor(raw);
        if ups >= scopes.len() {
            self.report(
                at,
                Some(raw),
                format!("`{raw}` goes above the top of the data"),
                None,
            );
            return None;
        }
        let scope = if from_root { 0 } else { scopes.len() - 1 - ups };
        // `as |item|` names are seen from inner blocks too, innermost first.
        let first = names.first().filter(|_| !from_root && ups == 0);
        let param = first.and_then(|first| {
            scopes
                .iter()
                .rev()
                .flat_map(|s| s.params.iter())
                .find(|(n, _)| n == first)
        });
        if let Some((_, value)) = param {
            let value = value.clone()?;
            return self.descend(&value, &names[1..], &names[..1], raw, at);
        }
        let value = scopes[scope].value.clone()?;
        self.descend(&value, &names, &[], raw, at)
    }

    /// Follows `names` into `value`; `walked` names the part already followed.
    fn descend(
        &mut self,
        value: &Value,
        names: &[&str],
        walked: &[&str],
        raw: &str,
        at: Position,
    ) -> Option<Value> {
        let mut current = value;
        for (i, name) in names.iter().enumerate() {
            let next = match current {
                Value::Object(fields) => fields.get(*name),
                Value::Array(items) => name.parse::<usize>().ok().and_then(|n| items.get(n)),
                _ => None,
            };
            match next {
                Some(next) => current = next,
                None => {
                    let parent: Vec<&str> = walked.iter().chain(&names[..i]).copied().collect();
                    let hint = known_here(current, &parent.join("."));
                    self.report(at, Some(raw), format!("unknown variable `{raw}`"), hint);
                    return None;
                }
            }
        }
        Some(current.clone())
    }

    /// Records a problem at the tag starting at `at`, or at `name` inside it.
    fn report(&mut self, at: Position, name: Option<&str>, message: String, hint: Option<String>) {
        let tag = offset_of(self.source, at.0, at.1);
        let (line, column) = name
            .and_then(|name| find_in_tag(self.source, tag, name))
            .map_or(at, |offset| line_column(self.source, offset));
        let problem = Problem::new(self.file, line, column, message);
        self.problems.push(match hint {
            Some(hint) => problem.with_hint(hint),
            None => problem,
        });
    }
}

/// Whether `raw` starts at the root (`@root.`), and how many `../` it climbs.
fn anchor(raw: &str) -> (bool, usize) {
    let mut rest = raw;
    for prefix in ["this.", "this/", "./"] {
        if let Some(stripped) = rest.strip_prefix(prefix) {
            rest = stripped;
        }
    }
    if rest.starts_with("@root") {
        return (true, 0);
    }
    let mut ups = 0;
    while let Some(stripped) = rest.strip_prefix("../") {
        ups += 1;
        rest = stripped;
    }
    (false, ups)
}

fn raw(path: &HbPath) -> &str {
    match path {
        HbPath::Relative((_, raw)) | HbPath::Local((_, _, raw)) => raw,
    }
}

/// `as |item index|`: the names a block gives its values.
fn block_params(
    helper: &HelperTemplate,
    values: [Option<Value>; 2],
) -> Vec<(String, Option<Value>)> {
    let name = |param: &Parameter| match param {
        Parameter::Name(name) => Some(name.clone()),
        Parameter::Path(path) => Some(raw(path).to_owned()),
        _ => None,
    };
    let [first, second] = values;
    match &helper.block_param {
        Some(BlockParam::Single(p)) => name(p).map(|n| vec![(n, first)]).unwrap_or_default(),
        Some(BlockParam::Pair((p, q))) => {
            [name(p).map(|n| (n, first)), name(q).map(|n| (n, second))]
                .into_iter()
                .flatten()
                .collect()
        }
        _ => Vec::new(),
    }
}

/// "the variables here are: …" or "`project` has: …", for a hint.
fn known_here(value: &Value, parent: &str) -> Option<String> {
    match value {
        Value::Object(fields) if fields.is_empty() => None,
        Value::Object(fields) => {
            let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
            names.sort_unstable();
            Some(if parent.is_empty() {
                format!("the variables here are: {}", names.join(", "))
            } else {
                format!("`{parent}` has: {}", names.join(", "))
            })
        }
        _ if parent.is_empty() => None,
        _ => Some(format!(
            "`{parent}` is a single value, not a group of values"
        )),
    }
}
