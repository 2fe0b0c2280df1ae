//! The development transports: a folder of .eml files, and the log.

use gradflow_notifications::transport::{Config, Folder};
use gradflow_notifications::{Address, Mailer, Transport};

use crate::{outgoing, parse};

#[tokio::test]
async fn the_folder_holds_one_eml_file_per_message_id() {
    let dir = tempfile::tempdir().unwrap();
    let folder_path = dir.path().join("mail-out");
    let config: Config = format!("file://{}", folder_path.display()).parse().unwrap();
    let mailer = Mailer::open(&config).unwrap();
    let message = outgoing(
        9,
        Address::new("omar@example.org", "عمر"),
        Some("<p>مرحبا</p>"),
    );

    let receipt = mailer.send(&message).await.unwrap();
    // Sending again (a retry) replaces the file rather than adding one.
    mailer.send(&message).await.unwrap();
    mailer
        .send(&outgoing(10, Address::bare("omar@example.org"), None))
        .await
        .unwrap();

    let mut names: Vec<String> = std::fs::read_dir(&folder_path)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "gradflow.outbox.10@gradflow.test.eml",
            "gradflow.outbox.9@gradflow.test.eml"
        ]
    );
    let file = Folder::new(&folder_path).file_for(&message);
    assert!(
        receipt.detail.contains(&file.display().to_string()),
        "{receipt:?}"
    );
    let bytes = std::fs::read(&file).unwrap();
    let parsed = parse(&bytes);
    assert_eq!(parsed.message_id(), Some("gradflow.outbox.9@gradflow.test"));
    assert_eq!(parsed.subject(), Some("تذكير: المقترح مستحق غداً"));
    assert_eq!(parsed.body_html(0).unwrap().trim_end(), "<p>مرحبا</p>");
}

#[tokio::test]
async fn a_folder_that_cannot_be_written_is_a_transient_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "a file where the folder should be").unwrap();
    let error = Folder::new(&blocker)
        .send(&outgoing(1, Address::bare("a@example.org"), None))
        .await
        .unwrap_err();
    assert!(!error.is_permanent(), "{error:?}");
    assert!(error.to_string().contains("cannot write"), "{error}");
}

#[tokio::test]
async fn the_log_transport_accepts_and_still_checks_addresses() {
    let mailer = Mailer::open(&"log:".parse().unwrap()).unwrap();
    let receipt = mailer
        .send(&outgoing(1, Address::bare("a@example.org"), None))
        .await
        .unwrap();
    assert_eq!(receipt.detail, "written to the log");
    let invalid = mailer
        .send(&outgoing(2, Address::bare("not an address"), None))
        .await
        .unwrap_err();
    assert!(invalid.is_permanent(), "{invalid:?}");
}
