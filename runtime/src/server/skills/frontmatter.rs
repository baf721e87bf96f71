//! A `SKILL.md`'s YAML frontmatter, read into a JSON object.

use serde_json::{Map, Value};

/// The frontmatter of `text` (the block between a leading `---` line and the next `---` line)
/// as a JSON object, with `name` and `description` non-empty strings.
pub(super) fn parse(text: &str) -> Result<Map<String, Value>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) != Some("---") {
        return Err(
            "SKILL.md does not begin with a `---` line opening its YAML frontmatter".into(),
        );
    }
    let mut yaml = String::new();
    let mut closed = false;
    for line in lines {
        if line.trim_end() == "---" {
            closed = true;
            break;
        }
        yaml.push_str(line);
    }
    if !closed {
        return Err("SKILL.md's YAML frontmatter has no closing `---` line".into());
    }
    let value: Value = serde_yaml_ng::from_str(&yaml)
        .map_err(|e| format!("SKILL.md's YAML frontmatter is not valid: {e}"))?;
    let Value::Object(map) = value else {
        return Err("SKILL.md's YAML frontmatter is not a mapping".into());
    };
    for field in ["name", "description"] {
        match map.get(field) {
            Some(Value::String(s)) if !s.is_empty() => {}
            _ => {
                return Err(format!(
                    "SKILL.md's frontmatter has no `{field}` (a non-empty string)"
                ))
            }
        }
    }
    Ok(map)
}

/// The Agent Skills naming rules: 1 to 64 characters, lowercase letters, digits and hyphens, no
/// leading, trailing or consecutive hyphens.
pub(super) fn check_name(name: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "skill name `{name}` breaks the naming rules: 1 to 64 lowercase letters, digits and \
             hyphens, no leading, trailing or consecutive hyphens"
        ))
    }
}
