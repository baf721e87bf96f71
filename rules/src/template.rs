//! RFC 6570 URI templates, the subset resource templates use: literal text, `{name}` (a simple
//! variable: one path segment, never `.` or `..`, even once percent-decoded) and `{+name}`
//! (reserved expansion: may span `/`, but no segment is `.` or `..`), where a name is
//! one or more ASCII letters, digits and `_`. Two variables must be separated by literal text
//! (otherwise a URI can't be split between them), and each name appears once.

use std::fmt;
use std::ops::Range;

/// Why a URI template is not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateError {
    /// A `{` without its `}`.
    Unclosed {
        /// The template as written.
        template: String,
    },
    /// A `}` without its `{`.
    UnmatchedClose {
        /// The template as written.
        template: String,
    },
    /// An expression other than `{name}` or `{+name}` (an operator this subset does not support,
    /// an empty name, or a character other than ASCII letters, digits and `_`).
    UnsupportedExpression {
        /// The template as written.
        template: String,
        /// The expression, without its braces.
        expression: String,
    },
    /// Two variables with nothing between them: a URI can't be split between them.
    AdjacentVariables {
        /// The template as written.
        template: String,
        /// The first expression, without braces (`a`, `+a`).
        first: String,
        /// The second expression, without braces.
        second: String,
    },
    /// A variable name used twice.
    DuplicateVariable {
        /// The template as written.
        template: String,
        /// The name.
        name: String,
    },
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Unclosed { template } => write!(
                f,
                "unclosed `{{` in URI template `{template}`: write a variable as `{{name}}`"
            ),
            TemplateError::UnmatchedClose { template } => write!(
                f,
                "unmatched `}}` in URI template `{template}`: write a variable as `{{name}}`"
            ),
            TemplateError::UnsupportedExpression {
                template,
                expression,
            } => write!(
                f,
                "unsupported expression `{{{expression}}}` in URI template `{template}`: use `{{name}}` or `{{+name}}`, a name of ASCII letters, digits and `_`"
            ),
            TemplateError::AdjacentVariables {
                template,
                first,
                second,
            } => write!(
                f,
                "the variables `{{{first}}}` and `{{{second}}}` are next to each other in URI template `{template}`, so a URI can't be split between them: put literal text between them, as in `{{{first}}}/{{{second}}}`"
            ),
            TemplateError::DuplicateVariable { template, name } => write!(
                f,
                "the variable `{name}` appears more than once in URI template `{template}`: give each variable its own name"
            ),
        }
    }
}

impl std::error::Error for TemplateError {}

/// One piece of a parsed template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Literal text, matched as is.
    Literal(&'a str),
    /// A variable.
    Variable {
        /// Its name.
        name: &'a str,
        /// `{+name}`: its value may hold `/` (never a `.` or `..` segment) and is not
        /// percent-decoded.
        reserved: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(Range<usize>),
    Variable { name: Range<usize>, reserved: bool },
}

/// A URI template that follows the rules above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    raw: String,
    parts: Vec<Part>,
}

fn name_allowed(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl UriTemplate {
    /// Parse `raw`, naming the first thing wrong with it.
    pub fn parse(raw: &str) -> Result<Self, TemplateError> {
        let template = || raw.to_owned();
        let mut parts = Vec::new();
        let mut pos = 0;
        while let Some(open) = raw[pos..].find('{').map(|i| pos + i) {
            if raw[pos..open].contains('}') {
                return Err(TemplateError::UnmatchedClose {
                    template: template(),
                });
            }
            if open > pos {
                parts.push(Part::Literal(pos..open));
            }
            let close =
                raw[open..]
                    .find('}')
                    .map(|i| open + i)
                    .ok_or_else(|| TemplateError::Unclosed {
                        template: template(),
                    })?;
            let expression = &raw[open + 1..close];
            let (reserved, start) = match expression.strip_prefix('+') {
                Some(_) => (true, open + 2),
                None => (false, open + 1),
            };
            let name = start..close;
            if !name_allowed(&raw[name.clone()]) {
                return Err(TemplateError::UnsupportedExpression {
                    template: template(),
                    expression: expression.to_owned(),
                });
            }
            if let Some(Part::Variable {
                name: prev,
                reserved: prev_reserved,
            }) = parts.last()
            {
                let plus = if *prev_reserved { "+" } else { "" };
                return Err(TemplateError::AdjacentVariables {
                    template: template(),
                    first: format!("{plus}{}", &raw[prev.clone()]),
                    second: expression.to_owned(),
                });
            }
            let taken = parts.iter().any(|p| match p {
                Part::Variable { name: n, .. } => raw[n.clone()] == raw[name.clone()],
                Part::Literal(_) => false,
            });
            if taken {
                return Err(TemplateError::DuplicateVariable {
                    template: template(),
                    name: raw[name].to_owned(),
                });
            }
            parts.push(Part::Variable { name, reserved });
            pos = close + 1;
        }
        if raw[pos..].contains('}') {
            return Err(TemplateError::UnmatchedClose {
                template: template(),
            });
        }
        if pos < raw.len() {
            parts.push(Part::Literal(pos..raw.len()));
        }
        Ok(UriTemplate {
            raw: raw.to_owned(),
            parts,
        })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The pieces, in order: literal text and variables, never two variables in a row.
    pub fn segments(&self) -> impl Iterator<Item = Segment<'_>> + '_ {
        self.parts.iter().map(|p| match p {
            Part::Literal(r) => Segment::Literal(&self.raw[r.clone()]),
            Part::Variable { name, reserved } => Segment::Variable {
                name: &self.raw[name.clone()],
                reserved: *reserved,
            },
        })
    }

    /// The variable names, in order (each once).
    pub fn variables(&self) -> impl Iterator<Item = &str> + '_ {
        self.segments().filter_map(|s| match s {
            Segment::Variable { name, .. } => Some(name),
            Segment::Literal(_) => None,
        })
    }

    /// True when the template has no variables: it names one fixed URI.
    pub fn is_fixed(&self) -> bool {
        self.variables().next().is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(raw: &str) -> TemplateError {
        UriTemplate::parse(raw).unwrap_err()
    }

    #[test]
    fn parses_literals_and_both_kinds_of_variable() {
        let t = UriTemplate::parse("users://{id}/files/{+path}").unwrap();
        assert_eq!(t.as_str(), "users://{id}/files/{+path}");
        assert_eq!(
            t.segments().collect::<Vec<_>>(),
            [
                Segment::Literal("users://"),
                Segment::Variable {
                    name: "id",
                    reserved: false
                },
                Segment::Literal("/files/"),
                Segment::Variable {
                    name: "path",
                    reserved: true
                },
            ]
        );
        assert_eq!(t.variables().collect::<Vec<_>>(), ["id", "path"]);
        assert!(!t.is_fixed());

        let t = UriTemplate::parse("{a}.{b_2}").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), ["a", "b_2"]);
    }

    #[test]
    fn a_template_without_variables_is_fixed() {
        for raw in ["config://app", ""] {
            let t = UriTemplate::parse(raw).unwrap();
            assert!(t.is_fixed(), "{raw}");
            assert_eq!(t.segments().count(), usize::from(!raw.is_empty()));
        }
    }

    #[test]
    fn rejects_unbalanced_braces() {
        for raw in ["a://{id", "a://{id}/{", "a://x}", "a://}{id}", "a://{id}}"] {
            assert!(
                matches!(
                    err(raw),
                    TemplateError::Unclosed { .. } | TemplateError::UnmatchedClose { .. }
                ),
                "{raw}: {:?}",
                err(raw)
            );
        }
        assert_eq!(
            err("a://{id"),
            TemplateError::Unclosed {
                template: "a://{id".into()
            }
        );
        assert_eq!(
            err("a://x}"),
            TemplateError::UnmatchedClose {
                template: "a://x}".into()
            }
        );
    }

    #[test]
    fn rejects_unsupported_expressions() {
        for (raw, expression) in [
            ("a://{?q}", "?q"),
            ("a://{#frag}", "#frag"),
            ("a://{}", ""),
            ("a://{+}", "+"),
            ("a://{a,b}", "a,b"),
            ("a://{a-b}", "a-b"),
            ("a://{a{b}", "a{b"),
            ("a://{é}", "é"),
        ] {
            assert_eq!(
                err(raw),
                TemplateError::UnsupportedExpression {
                    template: raw.into(),
                    expression: expression.into()
                },
                "{raw}"
            );
        }
    }

    #[test]
    fn rejects_adjacent_variables() {
        assert_eq!(
            err("x://{a}{b}"),
            TemplateError::AdjacentVariables {
                template: "x://{a}{b}".into(),
                first: "a".into(),
                second: "b".into()
            }
        );
        assert_eq!(
            err("x://{+a}{+b}"),
            TemplateError::AdjacentVariables {
                template: "x://{+a}{+b}".into(),
                first: "+a".into(),
                second: "+b".into()
            }
        );
    }

    #[test]
    fn rejects_a_name_used_twice() {
        assert_eq!(
            err("x://{a}/{+a}"),
            TemplateError::DuplicateVariable {
                template: "x://{a}/{+a}".into(),
                name: "a".into()
            }
        );
    }

    #[test]
    fn messages_name_the_template_and_what_to_write() {
        assert_eq!(
            err("x://{a}{b}").to_string(),
            "the variables `{a}` and `{b}` are next to each other in URI template `x://{a}{b}`, so a URI can't be split between them: put literal text between them, as in `{a}/{b}`"
        );
        assert_eq!(
            err("a://{?q}").to_string(),
            "unsupported expression `{?q}` in URI template `a://{?q}`: use `{name}` or `{+name}`, a name of ASCII letters, digits and `_`"
        );
        assert!(err("a://{id")
            .to_string()
            .contains("write a variable as `{name}`"));
        assert!(err("x://{a}/{a}")
            .to_string()
            .contains("give each variable its own name"));
    }
}
