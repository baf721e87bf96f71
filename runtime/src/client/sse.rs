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
    /// The `data:` lines so far, joined with `\n` as they come (one buffer, so memory is the
    /// bytes received and each line is checked against the limit in constant time).
    data: String,
    has_data: bool,
    /// Bytes the parser touched while accumulating data (copied or measured): the op count the
    /// linear-time test reads.
    #[cfg(test)]
    work: usize,
    /// The most bytes one event's data (or one line) may take.
    max: usize,
}

impl SseParser {
    pub(crate) fn new(max: usize) -> Self {
        SseParser {
            line: Vec::new(),
            after_cr: false,
            event: SseEvent::default(),
            data: String::new(),
            has_data: false,
            max,
            #[cfg(test)]
            work: 0,
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
                // A line after the first is preceded by its `\n`.
                let separator = usize::from(self.has_data);
                if self.data.len() + separator + value.len() > self.max {
                    return Err(TooLarge(self.max));
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
                #[cfg(test)]
                {
                    self.work += separator + value.len();
                }
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
        let had_data = std::mem::replace(&mut self.has_data, false);
        event.data = std::mem::take(&mut self.data);
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
        // Exactly at the limit is fine: `01234` + `\n` + `56789` is eleven bytes.
        let mut p = SseParser::new(11);
        p.feed(b"data: 01234\ndata: 56789\n\n", &mut out).unwrap();
        assert_eq!(out[0].data, "01234\n56789");
    }

    /// An event of very many short `data:` lines costs work in proportion to its bytes (it was
    /// quadratic: each line re-measured every earlier one), and past the message limit it is
    /// refused, with nothing kept beyond the limit.
    #[test]
    fn many_data_lines_take_linear_work_and_bounded_memory() {
        const LINES: usize = 50_000;
        let mut p = SseParser::new(1 << 20);
        let mut out = Vec::new();
        let line = b"data: x\n";
        for _ in 0..LINES {
            p.feed(line, &mut out).unwrap();
        }
        p.feed(b"\n", &mut out).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].data.len(), 2 * LINES - 1);
        // Each line adds two bytes (`x` and its `\n`): a constant per line, not the event so far.
        assert!(p.work <= 2 * LINES, "work {} for {LINES} lines", p.work);

        // Empty lines count their separators, so an event of nothing but `data:` lines is bounded.
        let mut p = SseParser::new(1000);
        let mut refused = None;
        for i in 0..10_000 {
            if let Err(e) = p.feed(b"data:\n", &mut out) {
                refused = Some((i, e));
                break;
            }
        }
        let (at, TooLarge(max)) = refused.expect("an endless event is refused");
        assert_eq!((at, max), (1001, 1000));
        assert!(p.data.capacity() <= 2 * 1000);
    }
}
