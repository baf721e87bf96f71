//! Request values mirrored into HTTP headers (2026-07-28, SEP-2243): how `Mcp-Name` and
//! `Mcp-Param-{Name}` values are encoded, and the check that a `tools/call`'s `Mcp-Param-*`
//! headers match the arguments its tool designates with `x-mcp-header`.

use base64::Engine as _;
use serde_json::Value;

use crate::transport::Headers;

const SENTINEL_PREFIX: &str = "=?base64?";
const SENTINEL_SUFFIX: &str = "?=";

/// The value a mirrored header carries: its field value without surrounding whitespace, decoded
/// when it uses the sentinel form `=?base64?{Base64 of UTF-8}?=`, literal otherwise. Fails on
/// characters a field value may not hold, and on a sentinel whose Base64 or UTF-8 is invalid.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, String> {
    if let Some(b) = bytes
        .iter()
        .find(|&&b| !(b == b'\t' || (0x20..0x7f).contains(&b)))
    {
        return Err(format!("contains the invalid byte 0x{b:02x}"));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("is not text ({e})"))?
        .trim_matches([' ', '\t']);
    let Some(encoded) = text
        .strip_prefix(SENTINEL_PREFIX)
        .and_then(|t| t.strip_suffix(SENTINEL_SUFFIX))
    else {
        return Ok(text.to_owned());
    };
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|e| format!("has invalid Base64 in `{text}` ({e})"))?;
    String::from_utf8(raw).map_err(|_| format!("has Base64 in `{text}` that is not UTF-8"))
}

/// An argument a tool designates to be mirrored into a header.
#[derive(Debug, PartialEq)]
pub(crate) struct Designated<'a> {
    /// The chain of `properties` keys leading to the argument.
    pub path: Vec<&'a str>,
    /// The `{Name}` of `Mcp-Param-{Name}`.
    pub name: &'a str,
}

/// Every argument `schema` (a tool's input schema) designates with `x-mcp-header`, found through
/// chains of `properties` keys only (the only places the annotation is valid).
pub(crate) fn designated(schema: &Value) -> Vec<Designated<'_>> {
    fn walk<'a>(schema: &'a Value, path: &mut Vec<&'a str>, out: &mut Vec<Designated<'a>>) {
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        for (key, property) in properties {
            path.push(key);
            if let Some(name) = property.get("x-mcp-header").and_then(Value::as_str) {
                out.push(Designated {
                    path: path.clone(),
                    name,
                });
            }
            walk(property, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(schema, &mut Vec::new(), &mut out);
    out
}

/// True when `name` is a valid HTTP field name (an RFC 9110 token).
fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether a header's decoded text states the body value `value` (a string as is, a boolean as
/// `true`/`false`, a number by its exact decimal value so that `42.0` and `4.2e1` state `42`
/// but `9007199254740992` does not state `9007199254740993`).
fn states(text: &str, value: &Value) -> bool {
    match value {
        Value::String(s) => text == s,
        Value::Bool(b) => text == if *b { "true" } else { "false" },
        Value::Number(n) => {
            // The header must be a JSON number; both are then compared in canonical form (an
            // integer body value is exact; a decimal one is the shortest text that round-trips).
            let plain = text
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
            plain
                && serde_json::from_str::<serde_json::Number>(text).is_ok()
                && canonical(text).is_some_and(|h| canonical(&n.to_string()) == Some(h))
        }
        _ => false,
    }
}

/// The exact value of a JSON number's text as (negative, significant digits without leading or
/// trailing zeros, power of ten), with zero as `(false, "", 0)`; `None` when the exponent does
/// not fit. The text must already be known to be a JSON number.
fn canonical(number: &str) -> Option<(bool, String, i64)> {
    let (negative, unsigned) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.strip_prefix('+').unwrap_or(e)),
        None => (unsigned, "0"),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Some((false, String::new(), 0));
    }
    let trimmed = digits.trim_end_matches('0');
    let exponent: i64 = exponent.parse().ok()?;
    // Trailing zeros dropped raise the power; fraction digits lower it.
    let shift =
        i64::try_from(digits.len() - trimmed.len()).ok()? - i64::try_from(fraction.len()).ok()?;
    Some((negative, trimmed.to_owned(), exponent.checked_add(shift)?))
}

/// Check the `Mcp-Param-*` headers of a `tools/call` against its `arguments`, for the tool whose
/// input schema is `schema`: a designated argument with a value needs its header, stating that
/// value; a header for an argument without one is a mismatch too.
pub(crate) fn check_params(
    headers: &dyn Headers,
    schema: &Value,
    arguments: Option<&Value>,
) -> Result<(), String> {
    for param in designated(schema) {
        let header = format!("mcp-param-{}", param.name.to_ascii_lowercase());
        if !is_field_name(&header) {
            continue; // not a field name: no client can send it
        }
        let shown = format!("Mcp-Param-{}", param.name);
        let at = format!("arguments.{}", param.path.join("."));
        let value = arguments
            .and_then(|a| param.path.iter().try_fold(a, |v, key| v.get(key)))
            .filter(|v| !v.is_null());
        let sent = headers.get(&header);
        match (value, sent) {
            (None, None) => {}
            (Some(_), None) => {
                return Err(format!(
                    "the {shown} header is required: `{at}` has a value"
                ))
            }
            (None, Some(_)) => {
                return Err(format!(
                    "the {shown} header is sent but `{at}` has no value"
                ))
            }
            (Some(value), Some(sent)) => {
                let text = decode(sent).map_err(|e| format!("the {shown} header {e}"))?;
                if !states(&text, value) {
                    return Err(format!(
                        "the {shown} header `{text}` does not match `{at}` {value}"
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Header fields for tests, names lowercased as HTTP libraries do.
    struct Fields(Vec<(String, String)>);

    impl Headers for Fields {
        fn get(&self, name: &str) -> Option<&[u8]> {
            self.0
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_bytes())
        }
    }

    #[test]
    fn decodes_plain_and_sentinel_values() {
        assert_eq!(decode(b"  us-west1\t").unwrap(), "us-west1");
        assert_eq!(
            decode(b"=?base64?SGVsbG8sIOS4lueVjA==?=").unwrap(),
            "Hello, 世界"
        );
        assert_eq!(decode(b"=?base64?IHBhZGRlZCA=?=").unwrap(), " padded ");
        // Without both markers the value is literal.
        assert_eq!(decode(b"SGVsbG8=").unwrap(), "SGVsbG8=");
        assert_eq!(decode(b"=?base64?SGVsbG8=").unwrap(), "=?base64?SGVsbG8=");
        // Bad padding, bad alphabet, bytes no field value may hold.
        assert!(decode(b"=?base64?SGVsbG8?=").is_err());
        assert!(decode(b"=?base64?SGVs!!!bG8=?=").is_err());
        assert!(decode("h\u{e9}".as_bytes()).is_err());
    }

    #[test]
    fn numbers_are_compared_exactly() {
        let n = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        // Beyond 2^53 two integers are one f64; they are still different numbers.
        assert!(!states("9007199254740993", &n("9007199254740992")));
        assert!(!states("9007199254740992", &n("9007199254740993")));
        assert!(states("9007199254740993", &n("9007199254740993")));
        assert!(!states("18446744073709551615", &n("18446744073709551614")));
        assert!(!states("-9223372036854775808", &n("-9223372036854775807")));
        assert!(!states("0.30000000000000001", &n("0.3")));
        // The same value written differently is the same number.
        for (header, body) in [
            ("42", "42"),
            ("42.0", "42"),
            ("4.2e1", "42"),
            ("420E-1", "42"),
            ("0.5", "0.5"),
            ("5e-1", "0.5"),
            ("0.50", "0.5"),
            ("-0", "0"),
            ("0e999", "0"),
            ("-17", "-17"),
            ("1e300", "1e300"),
            ("18446744073709551615", "18446744073709551615"),
        ] {
            assert!(states(header, &n(body)), "{header} vs {body}");
        }
        // Not a JSON number, or a different one.
        for (header, body) in [
            ("+42", "42"),
            ("042", "42"),
            ("42.", "42"),
            (" 42", "42"),
            ("0x2a", "42"),
            ("42", "-42"),
            ("4.2", "42"),
            ("1e99999999999999999999", "1"),
            ("NaN", "0"),
        ] {
            assert!(!states(header, &n(body)), "{header} vs {body}");
        }
    }

    #[test]
    fn finds_annotations_through_properties_only() {
        let schema = json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "plain": {"type": "string"},
            "nested": {"type": "object", "properties": {"tenant": {"type": "integer", "x-mcp-header": "Tenant"}}},
            "list": {"type": "array", "items": {"type": "object", "properties": {"x": {"x-mcp-header": "X"}}}}
        }});
        let found = designated(&schema);
        assert_eq!(
            found,
            [
                Designated {
                    path: vec!["nested", "tenant"],
                    name: "Tenant"
                },
                Designated {
                    path: vec!["region"],
                    name: "Region"
                },
            ]
        );
    }

    #[test]
    fn checks_headers_against_arguments() {
        let schema = json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "priority": {"type": "integer", "x-mcp-header": "Priority"},
            "verbose": {"type": "boolean", "x-mcp-header": "Verbose"}
        }});
        let headers = |pairs: &[(&str, &str)]| {
            Fields(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
                    .collect(),
            )
        };
        let args = json!({"region": "Hello", "priority": 42, "verbose": false});
        let all = [
            ("Mcp-Param-Region", "=?base64?SGVsbG8=?="),
            ("mcp-param-priority", "42.0"),
            ("MCP-PARAM-VERBOSE", "false"),
        ];
        assert_eq!(check_params(&headers(&all), &schema, Some(&args)), Ok(()));

        let err = |pairs: &[(&str, &str)], args: Value| {
            check_params(&headers(pairs), &schema, Some(&args)).unwrap_err()
        };
        assert!(err(&all[1..], args.clone()).contains("Mcp-Param-Region header is required"));
        assert!(
            err(&[("Mcp-Param-Region", "Bye"), all[1], all[2]], args.clone())
                .contains("does not match")
        );
        assert!(err(
            &[("Mcp-Param-Region", "=?base64?SGVsbG8?="), all[1], all[2]],
            args.clone()
        )
        .contains("invalid Base64"));
        assert!(err(&all, json!({"region": "Hello", "priority": 42})).contains("has no value"));
        // Null or absent values need no header.
        assert_eq!(
            check_params(
                &headers(&all[..1]),
                &schema,
                Some(&json!({"region": "Hello", "priority": null}))
            ),
            Ok(())
        );
        assert_eq!(check_params(&headers(&[]), &schema, None), Ok(()));
    }
}
