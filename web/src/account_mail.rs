//! The words of mail about an account (a password reset link), for the
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
