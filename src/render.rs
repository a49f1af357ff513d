//! Deterministic rendering of a template document as YAML or JSON.

use serde_json::Value as Json;

use crate::error::Error;

/// The output format of templates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    #[default]
    Yaml,
    Json,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

/// Renders `doc`. The document's maps keep their insertion order, so the same
/// template always gives the same bytes.
pub fn render(doc: &Json, format: Format) -> Result<String, Error> {
    let mut text = match format {
        Format::Yaml => serde_norway::to_string(doc)
            .map_err(|e| Error::Internal(format!("rendering YAML: {e}")))?,
        Format::Json => serde_json::to_string_pretty(doc)
            .map_err(|e| Error::Internal(format!("rendering JSON: {e}")))?,
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_and_json_keep_key_order() {
        let doc = json!({"Z": 1, "A": {"y": "2010-09-09", "b": true}});
        let y = render(&doc, Format::Yaml).unwrap();
        assert!(y.find("Z:").unwrap() < y.find("A:").unwrap());
        let back: Json = serde_norway::from_str(&y).unwrap();
        assert_eq!(back, doc, "YAML must read back as the same document");
        for tricky in ["yes", "no", "on", "off", "null", "~", "1.0", "0x10", "true", "-", ""] {
            let d = json!({ "k": tricky });
            let y = render(&d, Format::Yaml).unwrap();
            let back: Json = serde_norway::from_str(&y).unwrap();
            assert_eq!(back, d, "{tricky:?} rendered as {y}");
        }
        let j = render(&doc, Format::Json).unwrap();
        assert!(j.find("\"Z\"").unwrap() < j.find("\"A\"").unwrap());
        assert!(j.ends_with("}\n"));
    }
}
