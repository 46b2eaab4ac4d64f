//! A minimal Telnet client link (RFC 854): a byte stream with option
//! negotiation answered conservatively. It accepts the server's ECHO and
//! SUPPRESS-GO-AHEAD (what every network CLI offers) and refuses every
//! other option, which is enough to drive a device CLI.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;
const ECHO: u8 = 1;
const SGA: u8 = 3;

#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    Data,
    Iac,
    Option(u8),
    Sub,
    SubIac,
}

pub struct Telnet {
    stream: TcpStream,
    state: State,
}

/// Our answer to `IAC <cmd> <option>`, if one is due.
fn answer(cmd: u8, option: u8) -> Option<[u8; 3]> {
    match cmd {
        DO => Some([IAC, if option == SGA { WILL } else { WONT }, option]),
        WILL => Some([IAC, if option == ECHO || option == SGA { DO } else { DONT }, option]),
        // Refusals need no answer; answering them can loop.
        _ => None,
    }
}

impl Telnet {
    pub fn new(stream: TcpStream) -> Telnet {
        Telnet {
            stream,
            state: State::Data,
        }
    }

    /// Splits `input` into data and the negotiation answers it calls for,
    /// keeping state across calls (a command can straddle two reads).
    fn decode(&mut self, input: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let (mut data, mut replies) = (Vec::with_capacity(input.len()), Vec::new());
        for &b in input {
            self.state = match (self.state, b) {
                (State::Data, IAC) => State::Iac,
                (State::Data, b) => {
                    data.push(b);
                    State::Data
                }
                (State::Iac, IAC) => {
                    data.push(IAC);
                    State::Data
                }
                (State::Iac, DO | DONT | WILL | WONT) => State::Option(b),
                (State::Iac, SB) => State::Sub,
                (State::Iac, _) => State::Data,
                (State::Option(cmd), opt) => {
                    if let Some(a) = answer(cmd, opt) {
                        replies.extend_from_slice(&a);
                    }
                    State::Data
                }
                (State::Sub, IAC) => State::SubIac,
                (State::Sub, _) => State::Sub,
                (State::SubIac, SE) => State::Data,
                (State::SubIac, _) => State::Sub,
            };
        }
        (data, replies)
    }

    /// The next data bytes, or `None` when the server closed the connection.
    pub async fn recv(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut buf = [0u8; 8192];
        loop {
            let n = self.stream.read(&mut buf).await?;
            if n == 0 {
                return Ok(None);
            }
            let (data, replies) = self.decode(&buf[..n]);
            if !replies.is_empty() {
                self.stream.write_all(&replies).await?;
            }
            if !data.is_empty() {
                return Ok(Some(data));
            }
        }
    }

    /// Sends text; a line ends in CR LF on the wire, and a literal 255 is doubled.
    pub async fn send(&mut self, text: &str) -> io::Result<()> {
        let mut out = Vec::with_capacity(text.len() + 2);
        for b in text.bytes() {
            match b {
                b'\n' => out.extend_from_slice(b"\r\n"),
                IAC => out.extend_from_slice(&[IAC, IAC]),
                b => out.push(b),
            }
        }
        self.stream.write_all(&out).await
    }

    pub async fn close(mut self) {
        let _ = self.stream.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn negotiation_is_answered_and_stripped_across_reads() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let mut t = Telnet::new(client);
        // IAC WILL ECHO, IAC DO TERMINAL-TYPE(24), a subnegotiation, IAC IAC, split mid-command.
        let (data, replies) = t.decode(&[IAC, WILL, ECHO, b'a', IAC, DO]);
        assert_eq!(data, b"a");
        assert_eq!(replies, [IAC, DO, ECHO]);
        let (data, replies) = t.decode(&[24, IAC, SB, 24, 1, IAC, SE, b'b', IAC, IAC, b'c']);
        assert_eq!(data, [b'b', IAC, b'c']);
        assert_eq!(replies, [IAC, WONT, 24]);
        assert_eq!(t.decode(&[IAC, DONT, 5]), (vec![], vec![]));
    }
}
