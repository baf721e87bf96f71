//! An incremental Server-Sent Events parser (the WHATWG event stream format): bytes in, events
//! out, however the bytes are split.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct SseEvent {
    /// The `id:` field of this event, if it had one.
    pub id: Option<String>,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
    /// The `retry:` advice in milliseconds, if this event carried one.
    pub retry: Option<u64>,
}

/// Why the parser gave up.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TooLarge(pub usize);

/// Parses an event stream fed in arbitrary chunks.
pub(crate) struct SseParser {
    /// Bytes of the current, unfinished line.
    line: Vec<u8>,
    /// A `\r` ended the last line: a `\n` right after it belongs to it.
    after_cr: bool,
    event: SseEvent,
    data_lines: Vec<String>,
    has_data: bool,
    /// The most bytes one event's data (or one line) may take.
    max: usize,
}

impl SseParser {
    pub(crate) fn new(max: usize) -> Self {
        SseParser {
            line: Vec::new(),
            after_cr: false,
            event: SseEvent::default(),
            data_lines: Vec::new(),
            has_data: false,
            max,
        }
    }

    /// Feed a chunk; complete events are appended to `out`.
    pub(crate) fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), TooLarge> {
        for &b in chunk {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(out)?;
                }
                b'\n' => self.end_line(out)?,
                _ => {
                    if self.line.len() >= self.max {
                        return Err(TooLarge(self.max));
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(())
    }

    fn end_line(&mut self, out: &mut Vec<SseEvent>) -> Result<(), TooLarge> {
        let line = std::mem::take(&mut self.line);
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        let line = String::from_utf8_lossy(&line);
        if line.starts_with(':') {
            return Ok(()); // a comment (keep-alive)
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => {
                let size: usize = self.data_lines.iter().map(|l| l.len() + 1).sum();
                if size + value.len() > self.max {
                    return Err(TooLarge(self.max));
                }
                self.data_lines.push(value.to_owned());
                self.has_data = true;
            }
            // An id with NUL is ignored, as the format says.
            "id" if !value.contains('\0') => self.event.id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.event.retry = value.parse().ok();
            }
            _ => {} // `event:` and unknown fields: every MCP event is a message
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let mut event = std::mem::take(&mut self.event);
        let lines = std::mem::take(&mut self.data_lines);
        let had_data = std::mem::replace(&mut self.has_data, false);
        event.data = lines.join("\n");
        // A block with only an id or a retry still matters (a priming event); an empty block
        // does not.
        if had_data || event.id.is_some() || event.retry.is_some() {
            out.push(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_split(input: &[u8], at: usize) -> Vec<SseEvent> {
        let mut p = SseParser::new(1 << 20);
        let mut out = Vec::new();
        for chunk in input.chunks(at.max(1)) {
            p.feed(chunk, &mut out).unwrap();
        }
        out
    }

    #[test]
    fn events_do_not_depend_on_chunking_or_line_endings() {
        let input = b"id: 1-0\r\nretry: 1500\r\ndata:\r\n\r\n: keep-alive\n\nid:1-1\ndata: {\"a\":\ndata: 1}\n\nevent: message\rdata: x\r\r";
        let expected = vec![
            SseEvent {
                id: Some("1-0".into()),
                data: String::new(),
                retry: Some(1500),
            },
            SseEvent {
                id: Some("1-1".into()),
                data: "{\"a\":\n1}".into(),
                retry: None,
            },
            SseEvent {
                id: None,
                data: "x".into(),
                retry: None,
            },
        ];
        for at in [1, 2, 3, 7, 100] {
            assert_eq!(parse_split(input, at), expected, "chunks of {at}");
        }
    }

    #[test]
    fn multibyte_characters_survive_any_split() {
        let input = "data: héllo wörld ✓\n\n".as_bytes();
        for at in 1..6 {
            assert_eq!(parse_split(input, at)[0].data, "héllo wörld ✓");
        }
    }

    #[test]
    fn oversized_events_are_refused() {
        let mut p = SseParser::new(10);
        let mut out = Vec::new();
        assert!(p.feed(b"data: 0123456789abc\n\n", &mut out).is_err());
        let mut p = SseParser::new(10);
        assert!(p.feed(b"data: 012345\ndata: 678901\n\n", &mut out).is_err());
        assert!(out.is_empty());
    }
}
