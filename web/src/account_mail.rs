//! The words of mail about an account (a password reset link) and of
//! intake mail (applications to a cohort: [`intake`]), for the
//! worker's courier, which sends it: the web queues the mail (see
//! `routes/reset.rs`) and never sends it itself. The words live in the
//! web's Fluent catalogues (`reset-mail-subject`, `reset-mail-text`, in
//! English and Arabic) beside the pages that speak of the same link.

use gradflow_engine::service::RESET_LIFETIME;

use crate::i18n::{self, Lang};

/// Subject and plain text of the password reset mail to `name` carrying
/// `link`, in `language` (`en`, `ar`; English when none or unknown).
pub fn password_reset(language: Option<&str>, name: &str, link: &str) -> (String, String) {
    let lang = language.and_then(Lang::from_code).unwrap_or(Lang::En);
    let args = [
        ("name", name.to_owned()),
        ("link", link.to_owned()),
        ("minutes", RESET_LIFETIME.as_mins().to_string()),
    ];
    (
        i18n::text(lang, "reset-mail-subject", &[]),
        // Without Fluent's invisible isolation marks, which would stick to
        // the link in a plain-text mail.
        i18n::text(lang, "reset-mail-text", &args).replace(['\u{2068}', '\u{2069}'], ""),
    )
}

/// Subject and plain text of intake mail `kind` (the template's name, e.g.
/// `intake_accepted`: the catalogue's `intake-accepted-mail-subject` and
/// `-text`, in `web/locales/*/intake.ftl`) to `name`, in `language`, saying
/// what `data` (the JSON the engine queued) holds; `None` when the
/// catalogue has no words for `kind` or the data is not a JSON object.
pub fn intake(
    language: Option<&str>,
    name: &str,
    kind: &str,
    data: &str,
) -> Option<(String, String)> {
    let lang = language.and_then(Lang::from_code).unwrap_or(Lang::En);
    let key = kind.replace('_', "-");
    let (subject_key, text_key) = (format!("{key}-mail-subject"), format!("{key}-mail-text"));
    if !i18n::defines(lang, &subject_key) || !i18n::defines(lang, &text_key) {
        return None;
    }
    let serde_json::Value::Object(fields) = serde_json::from_str(data).ok()? else {
        return None;
    };
    let time_zone = fields
        .get("time_zone")
        .and_then(|v| v.as_str())
        .and_then(|tz| jiff::tz::TimeZone::get(tz).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let mut args: Vec<(&str, String)> = vec![("name", name.to_owned())];
    for (k, v) in &fields {
        let text = match v {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => match k.as_str() {
                // Instants in the cohort's time zone, as pages write them.
                "offer_expires" => s
                    .parse::<jiff::Timestamp>()
                    .map(|at| i18n::when(lang, at, &time_zone))
                    .unwrap_or_else(|_| s.clone()),
                _ => s.clone(),
            },
            other => other.to_string(),
        };
        args.push((k.as_str(), text));
    }
    // Without Fluent's invisible isolation marks, as the reset mail: plain
    // text mail clients show them as boxes.
    let clean = |t: String| t.replace(['\u{2068}', '\u{2069}'], "");
    Some((
        clean(i18n::text(lang, &subject_key, &args)),
        clean(i18n::text(lang, &text_key, &args)),
    ))
}

#[cfg(test)]
mod tests {
    use super::password_reset;

    #[test]
    fn the_reset_mail_carries_the_link_whole_in_both_languages() {
        let link = "https://g.example/reset/new?token=abc";
        for lang in [None, Some("en"), Some("ar"), Some("xx")] {
            let (subject, text) = password_reset(lang, "Amal", link);
            assert!(!subject.is_empty());
            assert!(
                text.contains(&format!("{link}\n")) || text.ends_with(link),
                "{text}"
            );
            assert!(text.contains("Amal"));
        }
        let (ar, _) = password_reset(Some("ar"), "Amal", link);
        assert!(ar.contains("كلمة مرور"), "{ar}");
    }
}
