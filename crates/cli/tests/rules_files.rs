//! `jifen rules export` and `jifen rules import`: rule data moved between databases as
//! files, published with the same checks as in the browser, and used at once by `jifen score`,
//! `jifen plan` and `jifen rules` on that database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn jifen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jifen")).args(args).env_remove("JIFEN_DATABASE_URL").output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_dir(label: &str) -> PathBuf {
    jifen_store::testing::temp_dir(label).unwrap()
}

/// The standard score `jifen score` reports for a profile, with these storage flags.
fn standard(profile: &str, storage: &[&str]) -> i64 {
    let mut args = vec!["score", profile, "--format", "json"];
    args.extend_from_slice(storage);
    let output = jifen(&args);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    result["standard"].as_i64().or_else(|| result["rule_set"]["standard"].as_i64()).expect("the standard score")
}

#[test]
fn rule_data_exported_edited_and_imported_is_what_the_commands_score_with() {
    let dir = temp_dir("rules-files");
    let data = dir.join("data");
    let data_flag = data.to_str().unwrap();
    let storage = ["--data-dir", data_flag];
    let profile = dir.join("profile.json");
    std::fs::write(
        &profile,
        r#"{"as_of": "2025-06-30", "birth_date": "1990-01-15", "education": [{"level": "bachelor", "degree": true}]}"#,
    )
    .unwrap();
    let profile = profile.to_str().unwrap();

    // No database yet: the embedded data, and no database is made by asking.
    assert_eq!(standard(profile, &storage), 120);
    assert!(!data.exists(), "scoring made no database");

    let created = jifen(&["admin", "create-user", "--username", "boss", "--role", "admin", "--data-dir", data_flag]);
    assert!(created.status.success(), "{}", text(&created.stderr));
    let out = dir.join("out");
    let exported = jifen(&["rules", "export", out.to_str().unwrap(), "--data-dir", data_flag]);
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    assert!(text(&exported.stdout).starts_with("6 files written"), "{}", text(&exported.stdout));
    let sh2023 = out.join("sh-2023.toml");
    let original = std::fs::read_to_string(&sh2023).unwrap();
    assert_eq!(original, jifen_rules::EMBEDDED_RULE_SETS[3].1);

    // Broken data is refused and nothing is published.
    std::fs::write(&sh2023, original.replacen("[standard_score]\nvalue = 120", "[standard_score]\nvalue = \"x\"", 1))
        .unwrap();
    let import = |by: &str| {
        jifen(&["rules", "import", out.to_str().unwrap(), "--by", by, "--reason", "更正", "--data-dir", data_flag])
    };
    let refused = import("boss");
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("standard_score"), "{}", text(&refused.stderr));
    assert_eq!(standard(profile, &storage), 120);

    // A corrected value is published, by an administrator only, once.
    std::fs::write(&sh2023, original.replacen("[standard_score]\nvalue = 120", "[standard_score]\nvalue = 110", 1))
        .unwrap();
    assert_eq!(import("nobody").status.code(), Some(2));
    let published = import("boss");
    assert!(published.status.success(), "{}", text(&published.stderr));
    assert!(text(&published.stdout).starts_with("1 file(s) published; rescoring run 1"), "{}", text(&published.stdout));
    assert!(text(&import("boss").stdout).starts_with("nothing to publish"));
    assert_eq!(standard(profile, &storage), 110, "jifen score uses the published data");
    let listed = jifen(&["rules", "sh-2023", "--format", "json", "--data-dir", data_flag]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed["rule_sets"][0]["standard_score"]["value"], 110);
    // Exported again, the published version comes out.
    let again = dir.join("again");
    assert!(jifen(&["rules", "export", again.to_str().unwrap(), "--data-dir", data_flag]).status.success());
    assert!(std::fs::read_to_string(again.join("sh-2023.toml")).unwrap().contains("value = 110"));
    std::fs::remove_dir_all(&dir).unwrap();
}
