//! Mail in the hub tests: a minimal SMTP server on 127.0.0.1 that the hub's own mail client
//! speaks to (a real SMTP conversation, no mock of the client), the mail settings that point at
//! it, and a hub in this process that mails through it.

use std::net::SocketAddr;
use std::time::Duration;

use schoolgate_hub::config::Limits;
use schoolgate_hub::notify::{MailArgs, Notifier, TlsMode};
use schoolgate_hub::store::AnyStore;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// One message as the SMTP server received it.
#[derive(Debug)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
}

impl Mail {
    /// The message as read: quoted-printable undone (lettre encodes a body holding `=` so) and
    /// folded headers unfolded.
    pub fn text(&self) -> String {
        self.data
            .replace("=\n", "")
            .replace("=3D", "=")
            .replace("\n ", " ")
    }
}

/// A minimal SMTP server: accepts every message and hands it on.
pub async fn smtp_server() -> (u16, mpsc::UnboundedReceiver<Mail>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                let (reader, mut writer) = stream.into_split();
                let mut lines = BufReader::new(reader).lines();
                let _ = writer.write_all(b"220 test ESMTP\r\n").await;
                let (mut to, mut data, mut in_data) = (Vec::new(), String::new(), false);
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            let _ = sender.send(Mail {
                                to: std::mem::take(&mut to),
                                data: std::mem::take(&mut data),
                            });
                            let _ = writer.write_all(b"250 queued\r\n").await;
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 test\r\n",
                        "RCPT" => {
                            to.push(line.to_owned());
                            b"250 ok\r\n"
                        }
                        "DATA" => {
                            in_data = true;
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            let _ = writer.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = writer.write_all(reply).await;
                }
            });
        }
    });
    (port, receiver)
}

/// The next message within `within`, or `None`.
pub async fn next_mail(mail: &mut mpsc::UnboundedReceiver<Mail>, within: Duration) -> Option<Mail> {
    tokio::time::timeout(within, mail.recv())
        .await
        .ok()
        .flatten()
}

/// Oak Hill's hub sending through the test SMTP server on `port` (plain SMTP, no TLS); whom it
/// mails is each test's own.
pub fn mail_through(port: u16) -> MailArgs {
    MailArgs {
        public_url: Some("https://hub.oak-hill.example".into()),
        smtp_host: Some("127.0.0.1".into()),
        smtp_port: Some(port),
        smtp_tls: Some(TlsMode::None),
        mail_from: Some("Hub <hub@oak-hill.example>".into()),
        ..MailArgs::default()
    }
}

/// A hub in this process on `store` that mails the DSL and the IT lead through a fresh test SMTP
/// server, alerts capped to one e-mail per kind every `interval_secs`.
pub struct MailingHub {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its notifier (for the jobs a test runs by hand).
    pub notifier: Notifier,
    /// What the SMTP server received.
    pub mail: mpsc::UnboundedReceiver<Mail>,
}

impl MailingHub {
    pub async fn start(store: &AnyStore, interval_secs: u64) -> Self {
        let (port, mail) = smtp_server().await;
        let settings = MailArgs {
            notify_email: vec!["dsl@oak-hill.example".into()],
            notify_interval: interval_secs,
            it_lead_email: vec!["it@oak-hill.example".into()],
            ..mail_through(port)
        }
        .settings()
        .expect("settings")
        .expect("mail on");
        let notifier = Notifier::start(settings).expect("notifier");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(schoolgate_hub::serve_notifying(
            store.clone(),
            listener,
            Limits::default(),
            notifier.clone(),
            std::future::pending(),
        ));
        Self {
            addr,
            notifier,
            mail,
        }
    }
}
