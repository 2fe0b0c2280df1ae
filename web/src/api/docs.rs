//! `GET /api/docs`: the API's reference as one HTML page, rendered here
//! from the OpenAPI document (no script, no style sheet or font fetched
//! from elsewhere): every path and method with its summary, parameters,
//! request body, answers and examples; the schemas; and every problem code
//! (the `type` of a problem points at `#problem-CODE`).

use std::fmt::Write as _;

use serde_json::Value;

/// The page for `document`.
pub(crate) fn render(doc: &Value) -> String {
    let mut html = String::with_capacity(64 * 1024);
    let title = text(&doc["info"]["title"]);
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\n\
         <h1>{title} <small>OpenAPI {openapi}, version {version}</small></h1>\n\
         <p>{description}</p>\n\
         <p>The machine-readable document: <a href=\"/api/openapi.json\">/api/openapi.json</a>. \
         Making a token, errors, pagination and idempotency: docs/api.md.</p>\n",
        openapi = text(&doc["openapi"]),
        version = text(&doc["info"]["version"]),
        description = esc(doc["info"]["description"].as_str().unwrap_or_default()),
    );
    let operations = operations(doc);
    html.push_str("<nav><h2>Routes</h2><ul>\n");
    for (path, method, op) in &operations {
        let _ = writeln!(
            html,
            "<li><a href=\"#{}\"><code>{} {}</code></a> {}</li>",
            anchor(method, path),
            method.to_uppercase(),
            esc(path),
            esc(op["summary"].as_str().unwrap_or_default()),
        );
    }
    html.push_str("</ul></nav>\n");
    for (path, method, op) in &operations {
        operation(&mut html, doc, path, method, op);
    }
    schemas(&mut html, doc);
    problems(&mut html);
    html.push_str("</body></html>\n");
    html
}

/// Every (path, method, operation), by path then method.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "put", "post", "patch", "delete", "head", "options"] {
                if let Some(op) = item.get(method) {
                    out.push((path.clone(), method.to_owned(), op.clone()));
                }
            }
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

/// The anchor of an operation: `get-/api/v1/projects/{id}` made safe.
pub(crate) fn anchor(method: &str, path: &str) -> String {
    let safe: String = path
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{method}{safe}")
}

fn operation(html: &mut String, doc: &Value, path: &str, method: &str, op: &Value) {
    let _ = writeln!(
        html,
        "<section class=\"op\" id=\"{}\"><h2><code>{} {}</code></h2>",
        anchor(method, path),
        method.to_uppercase(),
        esc(path)
    );
    if let Some(summary) = op["summary"].as_str() {
        let _ = writeln!(html, "<p><strong>{}</strong></p>", esc(summary));
    }
    if let Some(description) = op["description"].as_str() {
        let _ = writeln!(html, "<p>{}</p>", esc(description));
    }
    let open = op["security"].as_array().is_some_and(|s| {
        s.iter()
            .all(|r| r.as_object().is_some_and(|o| o.is_empty()))
    });
    let _ = writeln!(
        html,
        "<p>Authentication: {}</p>",
        if open {
            "none"
        } else {
            "<code>Authorization: Bearer</code> token"
        }
    );
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        html.push_str("<h3>Parameters</h3><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th>description</th></tr>\n");
        for p in params {
            let _ = writeln!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(&p["name"]),
                text(&p["in"]),
                if p["required"].as_bool().unwrap_or(false) {
                    "yes"
                } else {
                    "no"
                },
                schema_brief(&p["schema"]),
                esc(p["description"].as_str().unwrap_or_default()),
            );
        }
        html.push_str("</table>\n");
    }
    if let Some(body) = op["requestBody"].as_object() {
        html.push_str("<h3>Request body</h3>\n");
        if let Some(description) = body.get("description").and_then(Value::as_str) {
            let _ = writeln!(html, "<p>{}</p>", esc(description));
        }
        content(html, doc, body.get("content").unwrap_or(&Value::Null));
    }
    if let Some(responses) = op["responses"].as_object() {
        html.push_str("<h3>Answers</h3>\n");
        for (status, response) in responses {
            let _ = writeln!(
                html,
                "<h4><code>{}</code> {}</h4>",
                esc(status),
                esc(response["description"].as_str().unwrap_or_default())
            );
            if let Some(headers) = response["headers"].as_object() {
                for (name, header) in headers {
                    let _ = writeln!(
                        html,
                        "<p>Header <code>{}</code>: {}</p>",
                        esc(name),
                        esc(header["description"].as_str().unwrap_or_default())
                    );
                }
            }
            content(html, doc, &response["content"]);
        }
    }
    html.push_str("</section>\n");
}

/// A request's or answer's content: each media type, its schema and example.
fn content(html: &mut String, doc: &Value, content: &Value) {
    let Some(types) = content.as_object() else {
        return;
    };
    for (media, body) in types {
        let _ = writeln!(
            html,
            "<p><code>{}</code>: {}</p>",
            esc(media),
            schema_brief(&body["schema"])
        );
        let example = body
            .get("example")
            .cloned()
            .or_else(|| {
                body["examples"]
                    .as_object()
                    .and_then(|e| e.values().next())
                    .map(|e| e["value"].clone())
            })
            .or_else(|| {
                // A problem's own example is one problem, not this answer's.
                (media != super::problem::PROBLEM_JSON)
                    .then(|| schema_example(doc, &body["schema"]))
                    .flatten()
            });
        if let Some(example) = example.filter(|e| !e.is_null()) {
            let _ = writeln!(
                html,
                "<details open><summary>Example</summary><pre>{}</pre></details>",
                esc(&serde_json::to_string_pretty(&example).unwrap_or_default())
            );
        }
    }
}

/// The example a schema (or the schema it refers to) carries.
fn schema_example(doc: &Value, schema: &Value) -> Option<Value> {
    let schema = resolve(doc, schema)?;
    schema.get("example").cloned().or_else(|| {
        schema["examples"]
            .as_array()
            .and_then(|e| e.first().cloned())
    })
}

/// The schema `$ref` points at, or `schema` itself.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> Option<&'a Value> {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.strip_prefix("#/components/schemas/")?;
            doc["components"]["schemas"].get(name)
        }
        None if schema.is_object() => Some(schema),
        None => None,
    }
}

/// A schema in a few words: a link to a named one, else its type.
fn schema_brief(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if schema.is_null() {
        return String::new();
    }
    if schema["type"] == "array" {
        return format!("array of {}", schema_brief(&schema["items"]));
    }
    if let Some(all) = schema["allOf"].as_array().or(schema["oneOf"].as_array()) {
        return all.iter().map(schema_brief).collect::<Vec<_>>().join(" | ");
    }
    format!(
        "<code>{}</code>",
        esc(&serde_json::to_string(schema).unwrap_or_default())
    )
}

fn schemas(html: &mut String, doc: &Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object() else {
        return;
    };
    html.push_str("<h2>Schemas</h2>\n");
    for (name, schema) in schemas {
        let _ = writeln!(
            html,
            "<section class=\"schema\" id=\"schema-{0}\"><h3>{0}</h3><pre>{1}</pre></section>",
            esc(name),
            esc(&serde_json::to_string_pretty(schema).unwrap_or_default())
        );
    }
}

/// Every problem code, with the arguments it carries and its English words.
fn problems(html: &mut String) {
    html.push_str(
        "<h2 id=\"problems\">Problem codes</h2>\n<p>A problem's <code>code</code> and \
         <code>args</code> are the engine's reason; its <code>detail</code> says it in the \
         caller's language.</p><dl>\n",
    );
    for (code, args) in gradflow_engine::reason::CODES {
        let _ = writeln!(
            html,
            "<dt id=\"problem-{0}\"><code>{0}</code>{1}</dt><dd>{2}</dd>",
            esc(code),
            if args.is_empty() {
                String::new()
            } else {
                format!(" ({})", esc(&args.join(", ")))
            },
            esc(&english(code)),
        );
    }
    html.push_str("</dl>\n");
}

/// The English catalogue's text of `code` as written (placeholders and
/// all): the first line of `reason-CODE`.
fn english(code: &str) -> String {
    let key = format!("reason-{code} =");
    gradflow_words::CATALOGUES
        .iter()
        .filter(|(lang, _)| *lang == "en")
        .flat_map(|(_, text)| text.lines())
        .find_map(|line| line.strip_prefix(&key))
        .map(|rest| rest.trim().to_owned())
        .unwrap_or_default()
}

/// A JSON string's text, escaped (or nothing).
fn text(value: &Value) -> String {
    esc(value.as_str().unwrap_or_default())
}

/// `text` escaped for HTML text and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}\
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f5f5f5;padding:.5rem;overflow:auto}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}\
section.op{border-top:2px solid #ddd;margin-top:2rem}small{color:#666;font-size:60%}dt{margin-top:.5rem}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_lists_every_operation_and_escapes() {
        let doc = super::super::document();
        let html = render(&doc);
        for (path, method, _) in operations(&doc) {
            assert!(
                html.contains(&format!("id=\"{}\"", anchor(&method, &path))),
                "{method} {path}"
            );
        }
        assert!(html.contains("id=\"problem-token-read-only\""));
        assert!(!html.contains("<script"));
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
