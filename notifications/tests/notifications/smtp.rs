//! Delivery through SMTP to the in-process server.

use std::sync::Arc;
use std::time::Duration;

use gradflow_notifications::transport::{Config, Error, Smtp, SmtpConfig};
use gradflow_notifications::{Address, Transport};
use mail_parser::MimeHeaders;
use tokio::net::TcpListener;

use std::sync::atomic::Ordering;

use crate::sink::{Options, Sink, Tls};
use crate::{outgoing, parse};

fn smtp(url: &str) -> Smtp {
    match url.parse::<Config>().unwrap() {
        Config::Smtp(config) => Smtp::new(&config).unwrap(),
        other => panic!("{url} is not SMTP: {other:?}"),
    }
}

fn fatima() -> Address {
    Address::new("fatima@example.org", "فاطمة الزهراء")
}

/// A port nothing listens on (bound, then released).
async fn free_port() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

#[tokio::test]
async fn a_message_arrives_with_its_headers_and_both_parts() {
    let sink = Sink::start(&[]).await;
    let transport = smtp(&sink.url(""));
    let html = "<p>عزيزتي فاطمة،</p><p>هذا <b>تذكير</b>.</p>";
    let message = outgoing(42, fatima(), Some(html));

    let receipt = transport.send(&message).await.expect("delivered");
    assert!(receipt.detail.starts_with("250"), "{receipt:?}");

    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].from, "noreply@institute.test");
    assert_eq!(received[0].to, ["fatima@example.org"]);
    let parsed = parse(&received[0].data);
    assert_eq!(
        parsed.message_id(),
        Some("gradflow.outbox.42@gradflow.test")
    );
    assert_eq!(parsed.subject(), Some("تذكير: المقترح مستحق غداً"));
    let from = parsed.from().and_then(|a| a.first()).unwrap();
    assert_eq!(
        (from.address(), from.name()),
        (Some("noreply@institute.test"), Some("معهد الإدارة العامة"))
    );
    let to = parsed.to().and_then(|a| a.first()).unwrap();
    assert_eq!(
        (to.address(), to.name()),
        (Some("fatima@example.org"), Some("فاطمة الزهراء"))
    );
    assert_eq!(parsed.text_body_count(), 1);
    assert_eq!(parsed.html_body_count(), 1);
    assert_eq!(
        parsed.body_text(0).unwrap().replace("\r\n", "\n"),
        "عزيزتي فاطمة،\n\nهذا تذكير.\n"
    );
    assert_eq!(parsed.body_html(0).unwrap().trim_end(), html);
    let content_type = parsed.content_type().unwrap();
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(
        parsed.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
}

#[tokio::test]
async fn a_text_only_message_is_a_single_part() {
    let sink = Sink::start(&[]).await;
    smtp(&sink.url(""))
        .send(&outgoing(1, fatima(), None))
        .await
        .unwrap();
    let received = sink.received();
    let parsed = parse(&received[0].data);
    let content_type = parsed.content_type().unwrap();
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("text", Some("plain"))
    );
    assert_eq!(
        content_type
            .attribute("charset")
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("utf-8")
    );
}

#[tokio::test]
async fn a_rejected_recipient_fails_alone_with_the_servers_words() {
    let sink = Sink::start(&["nobody@example.org"]).await;
    let transport = smtp(&sink.url(""));

    let refused = transport
        .send(&outgoing(1, Address::bare("nobody@example.org"), None))
        .await
        .unwrap_err();
    assert!(refused.is_permanent(), "{refused:?}");
    let Error::Rejected { reply } = &refused else {
        panic!("{refused:?}")
    };
    assert!(reply.starts_with("550"), "{reply}");
    assert!(
        reply.contains("<nobody@example.org>: Recipient address rejected: User unknown"),
        "{reply}"
    );
    assert!(refused.to_string().contains("User unknown"));

    transport
        .send(&outgoing(2, fatima(), None))
        .await
        .expect("the next message goes on");
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["fatima@example.org"]);
}

#[tokio::test]
async fn a_server_that_is_down_delays_delivery_and_loses_nothing() {
    let addr = free_port().await;
    let transport = smtp(&format!("smtp://{addr}?timeout=5"));

    let down = transport
        .send(&outgoing(7, fatima(), None))
        .await
        .unwrap_err();
    assert!(!down.is_permanent(), "{down:?}");
    let Error::Unavailable { reason } = &down else {
        panic!("{down:?}")
    };
    assert!(reason.contains(&addr.to_string()), "{reason}");

    let sink = Sink::restart(addr, &[], Vec::new()).await;
    transport
        .send(&outgoing(7, fatima(), None))
        .await
        .expect("delivered once the server is back");
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(
        parse(&received[0].data).message_id(),
        Some("gradflow.outbox.7@gradflow.test")
    );
}

#[tokio::test]
async fn an_outage_between_messages_is_survived_by_the_pool() {
    let sink = Sink::start(&[]).await;
    let addr = sink.addr();
    let transport = smtp(&sink.url("?timeout=5"));
    transport
        .send(&outgoing(1, fatima(), None))
        .await
        .expect("first message");

    // The server dies with the pooled connection open.
    let earlier = sink.stop().await;
    let down = transport
        .send(&outgoing(2, fatima(), None))
        .await
        .unwrap_err();
    assert!(!down.is_permanent(), "{down:?}");

    let sink = Sink::restart(addr, &[], earlier).await;
    transport
        .send(&outgoing(2, fatima(), None))
        .await
        .expect("delivered after the outage");
    transport
        .send(&outgoing(3, fatima(), None))
        .await
        .expect("and the next one");
    let ids: Vec<String> = sink
        .received()
        .iter()
        .map(|r| parse(&r.data).message_id().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        [
            "gradflow.outbox.1@gradflow.test",
            "gradflow.outbox.2@gradflow.test",
            "gradflow.outbox.3@gradflow.test"
        ]
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts connections and says nothing, like a hung server.
    let silent = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let transport = smtp(&format!("smtp://{addr}?timeout=1"));
    let started = std::time::Instant::now();
    let slow = transport
        .send(&outgoing(1, fatima(), None))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(!slow.is_permanent(), "{slow:?}");
    assert!(
        slow.to_string().contains("did not answer within 1 s"),
        "{slow}"
    );
    silent.abort();
}

#[tokio::test]
async fn a_slow_answer_does_not_confuse_the_next_message() {
    // The server keeps message 2 but answers after the deadline. The
    // abandoned connection still has that answer on its way: reused, it
    // would hand message 3 the reply meant for message 2, and so on.
    let sink = Sink::start(&["nobody@example.org"]).await;
    let transport = smtp(&sink.url("?timeout=2"));
    transport
        .send(&outgoing(1, fatima(), None))
        .await
        .expect("a first message opens a pooled connection");
    sink.delay_next_acceptance(Duration::from_secs(4));
    let slow = transport
        .send(&outgoing(2, fatima(), None))
        .await
        .unwrap_err();
    assert!(
        slow.to_string().contains("did not answer within 2 s"),
        "{slow}"
    );

    let refused = transport
        .send(&outgoing(3, Address::bare("nobody@example.org"), None))
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::Rejected { reply } if reply.contains("nobody@example.org")),
        "{refused:?}"
    );
    let receipt = transport
        .send(&outgoing(4, fatima(), None))
        .await
        .expect("the next message is delivered");
    assert!(receipt.detail.starts_with("250"), "{receipt:?}");
    let ids: Vec<String> = sink
        .received()
        .iter()
        .map(|r| parse(&r.data).message_id().unwrap().to_owned())
        .collect();
    // Message 2 arrived although its attempt failed: the worker's retry may
    // deliver it twice, with the same Message-ID.
    assert_eq!(
        ids,
        [
            "gradflow.outbox.1@gradflow.test",
            "gradflow.outbox.2@gradflow.test",
            "gradflow.outbox.4@gradflow.test"
        ]
    );
}

#[tokio::test]
async fn a_password_is_never_sent_without_tls() {
    // The server offers no STARTTLS; with a password in the URL the client
    // must refuse to go on rather than log in in clear text.
    let sink = Sink::start(&[]).await;
    let url = format!("smtp://mailer:hunter2@{}?timeout=5", sink.addr());
    let Config::Smtp(config) = url.parse::<Config>().unwrap() else {
        unreachable!()
    };
    let transport = Smtp::new(&config).unwrap();
    let refused = transport
        .send(&outgoing(1, fatima(), None))
        .await
        .unwrap_err();
    assert!(!refused.is_permanent(), "{refused:?}");
    assert!(!refused.to_string().contains("hunter2"));
    assert!(!format!("{transport:?}").contains("hunter2"));
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn many_messages_share_the_pool_and_each_arrives_once() {
    let sink = Sink::start(&[]).await;
    let config: SmtpConfig = match sink.url("?pool=3").parse::<Config>().unwrap() {
        Config::Smtp(config) => config,
        _ => unreachable!(),
    };
    let transport = Arc::new(Smtp::new(&config).unwrap());
    let mut tasks = tokio::task::JoinSet::new();
    for row in 0..24 {
        let transport = Arc::clone(&transport);
        tasks.spawn(async move {
            transport
                .send(&outgoing(row, fatima(), Some("<p>hi</p>")))
                .await
        });
    }
    while let Some(sent) = tasks.join_next().await {
        sent.unwrap().expect("delivered");
    }
    let mut ids: Vec<String> = sink
        .received()
        .iter()
        .map(|r| parse(&r.data).message_id().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut expected: Vec<String> = (0..24)
        .map(|row| format!("gradflow.outbox.{row}@gradflow.test"))
        .collect();
    expected.sort();
    assert_eq!(ids, expected);
}

/// Sends 12 messages, three at a time, through `url`, each with its own
/// text; checks each arrived once, intact, to its recipient.
async fn twelve_arrive_intact(sink: &Sink, url: &str) {
    let transport = Arc::new(smtp(url));
    let mut tasks: tokio::task::JoinSet<Result<_, Error>> = tokio::task::JoinSet::new();
    for row in 0..12 {
        if tasks.len() == 3 {
            tasks
                .join_next()
                .await
                .unwrap()
                .unwrap()
                .expect("delivered");
        }
        let transport = Arc::clone(&transport);
        tasks.spawn(async move {
            let mut message = outgoing(row, Address::bare(format!("p{row}@example.org")), None);
            // A line that is a lone dot must be stuffed and come back whole.
            message.text = format!("message {row}\n.\nlast line of {row}\n");
            transport.send(&message).await
        });
    }
    while let Some(sent) = tasks.join_next().await {
        sent.unwrap().expect("delivered");
    }
    let received = sink.received();
    assert_eq!(received.len(), 12);
    for row in 0..12 {
        let id = format!("gradflow.outbox.{row}@gradflow.test");
        let arrived: Vec<_> = received
            .iter()
            .filter(|r| parse(&r.data).message_id() == Some(id.as_str()))
            .collect();
        assert_eq!(arrived.len(), 1, "{id}");
        assert_eq!(arrived[0].to, [format!("p{row}@example.org")]);
        let text = parse(&arrived[0].data)
            .body_text(0)
            .unwrap()
            .replace("\r\n", "\n");
        assert_eq!(
            text.trim_end(),
            format!("message {row}\n.\nlast line of {row}")
        );
    }
}

#[tokio::test]
async fn a_pipelining_server_gets_each_message_in_one_round_trip_and_intact() {
    let sink = Sink::start_with(
        &[],
        Options {
            pipelining: true,
            tls: None,
        },
    )
    .await;
    twelve_arrive_intact(&sink, &sink.url("?pool=3")).await;
    assert!(
        sink.seen.pipelined.load(Ordering::SeqCst) > 0,
        "MAIL FROM, RCPT TO and DATA go out together when the server offers PIPELINING"
    );
    assert!(sink.seen.connections.load(Ordering::SeqCst) <= 3);
}

#[tokio::test]
async fn a_server_that_does_not_pipeline_gets_one_command_at_a_time() {
    let sink = Sink::start(&[]).await;
    twelve_arrive_intact(&sink, &sink.url("?pool=3")).await;
    assert_eq!(sink.seen.pipelined.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_recipient_refused_mid_pipeline_fails_that_message_alone() {
    let sink = Sink::start_with(
        &["nobody@example.org"],
        Options {
            pipelining: true,
            tls: None,
        },
    )
    .await;
    let transport = smtp(&sink.url("?pool=1"));
    transport
        .send(&outgoing(1, fatima(), None))
        .await
        .expect("the first goes");
    let refused = transport
        .send(&outgoing(2, Address::bare("nobody@example.org"), None))
        .await
        .unwrap_err();
    let Error::Rejected { reply } = &refused else {
        panic!("{refused:?}")
    };
    assert!(reply.starts_with("550"), "{reply}");
    assert!(reply.contains("User unknown"), "{reply}");
    transport
        .send(&outgoing(3, fatima(), None))
        .await
        .expect("the next message goes on");
    let ids: Vec<String> = sink
        .received()
        .iter()
        .map(|r| parse(&r.data).message_id().unwrap().to_owned())
        .collect();
    assert_eq!(
        ids,
        [
            "gradflow.outbox.1@gradflow.test",
            "gradflow.outbox.3@gradflow.test"
        ]
    );
    // The refusal reset the transaction; the connection carried on.
    assert_eq!(sink.seen.connections.load(Ordering::SeqCst), 1);
    assert!(sink.seen.pipelined.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn a_server_whose_certificate_is_not_trusted_is_not_sent_to() {
    // This process does not trust the test authority.
    for (tls, scheme, setting) in [
        (Tls::Implicit, "smtps", ""),
        (Tls::StartTls, "smtp", "&tls=starttls"),
    ] {
        let sink = Sink::start_with(
            &[],
            Options {
                pipelining: true,
                tls: Some(tls),
            },
        )
        .await;
        let url = format!("{scheme}://{}?timeout=5{setting}", sink.addr());
        let refused = smtp(&url)
            .send(&outgoing(1, fatima(), None))
            .await
            .unwrap_err();
        assert!(!refused.is_permanent(), "{refused:?}");
        assert!(
            refused.to_string().contains("invalid peer certificate"),
            "{refused}"
        );
        assert!(sink.received().is_empty());
    }
}

/// Runs `test` (a test of this binary that does its work only when
/// `GRADFLOW_TLS_CHILD` is set) in a child process that trusts the test
/// authority (`SSL_CERT_FILE`, read by rustls-native-certs as by OpenSSL):
/// the process-wide variable cannot be set safely in a running test.
fn in_a_process_trusting_the_test_authority(test: &str) {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env("SSL_CERT_FILE", crate::sink::test_authority())
        .env_remove("SSL_CERT_DIR")
        .env("GRADFLOW_TLS_CHILD", "1")
        .output()
        .expect("run this test binary again");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{said}");
    assert!(said.contains("1 passed"), "{said}");
}

#[test]
fn smtps_and_starttls_deliver_every_message_intact() {
    in_a_process_trusting_the_test_authority("smtp::tls_child");
}

#[tokio::test]
async fn tls_child() {
    if std::env::var_os("GRADFLOW_TLS_CHILD").is_none() {
        return;
    }
    for (tls, pipelining, scheme, setting) in [
        (Tls::Implicit, true, "smtps", ""),
        (Tls::Implicit, false, "smtps", ""),
        (Tls::StartTls, true, "smtp", "&tls=starttls"),
        (Tls::StartTls, false, "smtp", "&tls=starttls"),
    ] {
        let sink = Sink::start_with(
            &[],
            Options {
                pipelining,
                tls: Some(tls),
            },
        )
        .await;
        let url = format!(
            "{scheme}://127.0.0.1:{}?pool=3{setting}",
            sink.addr().port()
        );
        twelve_arrive_intact(&sink, &url).await;
        assert_eq!(
            sink.seen.encrypted.load(Ordering::SeqCst),
            12,
            "{tls:?}: every message went encrypted"
        );
        assert_eq!(
            sink.seen.pipelined.load(Ordering::SeqCst) > 0,
            pipelining,
            "{tls:?}: pipelined only when offered"
        );
    }
}
