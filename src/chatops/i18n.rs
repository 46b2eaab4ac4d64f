//! The bot's words, in every language it speaks.
//!
//! Each language is one file, `src/chatops/catalogs/<tag>.yml`, a flat map
//! of message keys to templates with `{name}` placeholders; the build lists
//! the files, so a third language is a file, not code. English is the
//! reference: a test checks that every catalog has its keys and
//! placeholders, and a key a catalog lacks falls back to English.

use std::collections::BTreeMap;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));

pub const DEFAULT: &str = "en";

type Catalog = BTreeMap<String, String>;

fn loaded() -> &'static BTreeMap<&'static str, Catalog> {
    static ALL: OnceLock<BTreeMap<&'static str, Catalog>> = OnceLock::new();
    ALL.get_or_init(|| {
        CATALOGS
            .iter()
            .map(|(lang, text)| {
                // A broken catalog is a build defect the catalog test
                // catches; at run time it falls back to English.
                (*lang, serde_saphyr::from_str::<Catalog>(text).unwrap_or_default())
            })
            .collect()
    })
}

/// The language to answer in: the user's configured one, else the chat
/// client's (`id-ID` → `id`), else English.
pub fn pick(configured: Option<&str>, client: Option<&str>) -> &'static str {
    let known = |tag: &str| LANGUAGES.iter().copied().find(|l| l.eq_ignore_ascii_case(tag));
    configured
        .and_then(known)
        .or_else(|| client.and_then(|c| known(c.split(['-', '_']).next().unwrap_or(c))))
        .unwrap_or(DEFAULT)
}

/// Messages in one language.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: &'static str,
}

impl Tr {
    pub fn new(lang: &str) -> Tr {
        Tr {
            lang: pick(Some(lang), None),
        }
    }

    /// The template `key`, its `{name}` placeholders replaced by `args`.
    /// An unknown key shows itself (a bug, but a visible one).
    pub fn t(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let all = loaded();
        let template = all
            .get(self.lang)
            .and_then(|c| c.get(key))
            .or_else(|| all.get(DEFAULT).and_then(|c| c.get(key)));
        let Some(template) = template else {
            return key.to_owned();
        };
        fill(template, args)
    }
}

fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(&v.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<&str> {
        let mut v: Vec<&str> = s
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(n, _)| n))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn every_catalog_parses_and_has_every_english_key_with_its_placeholders() {
        assert!(LANGUAGES.contains(&"en") && LANGUAGES.contains(&"id"));
        let english: Catalog = serde_saphyr::from_str(CATALOGS.iter().find(|(l, _)| *l == "en").unwrap().1).unwrap();
        assert!(english.len() > 40);
        for (lang, text) in CATALOGS {
            let catalog: Catalog =
                serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("catalog {lang} does not parse: {e}"));
            for (key, template) in &english {
                let theirs = catalog.get(key).unwrap_or_else(|| panic!("catalog {lang} lacks {key}"));
                assert_eq!(placeholders(theirs), placeholders(template), "{lang}: {key}");
            }
            for key in catalog.keys() {
                assert!(
                    english.contains_key(key),
                    "catalog {lang} has {key}, which English does not"
                );
            }
        }
    }

    /// Every literal key the bot's code asks for (`.t("key"` and the keys
    /// it builds: `usage.<command>`, `about.<command>`) is in English.
    #[test]
    fn every_key_the_code_uses_is_in_the_english_catalog() {
        let english: Catalog = serde_saphyr::from_str(CATALOGS.iter().find(|(l, _)| *l == "en").unwrap().1).unwrap();
        let keys = regex::Regex::new(r#"(?s)\.t\(\s*"([a-z_.]+)""#).unwrap();
        // Keys held in tables (`("status.fans", …)`, `("notify.silence_1h", 3600)`).
        let listed = regex::Regex::new(
            r#""((?:notify|button|status|interface|interfaces|devices|alerts|silence|silences|unsilence|graph|reload|whoami|help|state)\.[a-z_0-9]+)""#,
        )
        .unwrap();
        let mut used = vec!["backend_failed".to_owned()];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/chatops");
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("i18n.rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    used.extend(keys.captures_iter(&text).map(|c| c[1].to_owned()));
                    // (File names are not keys.)
                    used.extend(
                        listed
                            .captures_iter(&text)
                            .map(|c| c[1].to_owned())
                            .filter(|k| !k.ends_with(".png")),
                    );
                }
            }
        }
        for spec in crate::chatops::command::COMMANDS {
            used.push(format!("usage.{}", spec.name));
            used.push(format!("about.{}", spec.name));
        }
        assert!(used.len() > 60, "{used:?}");
        for key in used {
            assert!(english.contains_key(&key), "en.yml lacks {key}");
        }
    }

    #[test]
    fn the_language_is_the_users_then_the_clients_then_english() {
        assert_eq!(pick(Some("id"), Some("en")), "id");
        assert_eq!(pick(None, Some("id-ID")), "id");
        assert_eq!(pick(None, Some("ID")), "id");
        assert_eq!(pick(None, Some("fr")), "en");
        assert_eq!(pick(None, None), "en");
    }

    #[test]
    fn placeholders_are_filled_and_unknown_ones_kept() {
        assert_eq!(fill("a {x} b {y} {", &[("x", &1)]), "a 1 b {y} {");
        assert_eq!(Tr::new("en").t("no.such.key", &[]), "no.such.key");
    }
}
