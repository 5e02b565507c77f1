//! The `jifen` binary as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn jifen(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_jifen"))
        .args(args)
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Feed standard input from another thread: a large input and a large output would
    // otherwise fill both pipes and block each side on the other.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.unwrap_or("").to_string();
    let feeder = std::thread::spawn(move || pipe.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn case_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("testdata/cases"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

fn case_expectation(path: &Path) -> serde_json::Value {
    let case: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    case["expect"].clone()
}

#[test]
fn score_gives_every_shared_case_exactly_as_json() {
    let files = case_files();
    assert!(files.len() >= 17);
    for path in files {
        let output = jifen(&["score", "--format", "json", path.to_str().unwrap()], None);
        assert!(output.status.success(), "{}: {}", path.display(), stderr(&output));
        let result: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        let mismatches = jifen_rules::golden::mismatches(&result, &case_expectation(&path));
        assert!(mismatches.is_empty(), "{}: {mismatches:?}", path.display());
    }
}

#[test]
fn the_table_is_in_chinese_by_default_and_english_on_request() {
    let case = "testdata/cases/intermediate-title-1x.json";
    let zh = stdout(&jifen(&["score", case], None));
    assert!(zh.contains("总分: 189"), "{zh}");
    assert!(zh.contains("职称或技能等级") && zh.contains("中级职称"), "{zh}");
    let en = stdout(&jifen(&["score", "--lang", "en", case], None));
    assert!(en.contains("Total: 189"), "{en}");
    assert!(en.contains("intermediate title"), "{en}");
}

/// Issue #15: `--explain none` writes the compact result, alone and in a batch; the totals
/// and items are those of the full result.
#[test]
fn explain_none_writes_the_compact_result() {
    for path in case_files() {
        let path = path.to_str().unwrap();
        let full: serde_json::Value =
            serde_json::from_str(&stdout(&jifen(&["score", "--format", "json", path], None))).unwrap();
        let output = jifen(&["score", "--explain", "none", path], None);
        assert!(output.status.success(), "{path}: {}", stderr(&output));
        let compact: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert!(
            compact["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|item| item.get("explanation").is_none() && item.get("citation").is_none())
        );
        for key in ["total", "vetoed", "reaches_standard", "eligible_to_apply", "interpretations"] {
            assert_eq!(compact[key], full[key], "{path}: {key}");
        }
        let points = |result: &serde_json::Value| -> Vec<(String, i64, bool)> {
            let items = result["items"].as_array().unwrap().iter();
            items
                .map(|i| (i["id"].to_string(), i["points"].as_i64().unwrap(), i["counted"].as_bool().unwrap()))
                .collect()
        };
        assert_eq!(points(&compact), points(&full), "{path}");
    }
    let lines = "{\"as_of\": \"2025-06-30\", \"birth_date\": \"1960-01-01\"}\n{\"birth_date\": 1}\n";
    let output = jifen(&["score", "--batch", "-", "--explain", "none"], Some(lines));
    let results: Vec<serde_json::Value> =
        stdout(&output).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(results[0]["warnings"], serde_json::json!(["no_age_points"]));
    assert!(results[0]["items"][0].get("explanation").is_none());
    assert_eq!(results[1]["error"]["code"], "invalid_field", "errors are the same in both modes");
    let table = jifen(&["score", "--explain", "none", "--format", "table", "testdata/cases/associate-14y.json"], None);
    assert_eq!(table.status.code(), Some(2), "a table needs the words");
}

/// Issue #11: the table names things in words and says what each interpretation means,
/// never "education[0]" or a bare "[I-2]".
#[test]
fn the_table_words_interpretations_and_names_no_input_paths() {
    let case = "testdata/cases/education-and-title-not-added.json";
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&jifen(&["score", "--format", "json", case], None))).unwrap();
    let education = json["items"].as_array().unwrap().iter().find(|item| item["id"] == "education").unwrap();
    assert!(education["explanation"].as_str().unwrap().ends_with("解释 I-2：学历与职称（技能等级）只计较高的一项"));
    let zh = stdout(&jifen(&["score", case], None));
    assert!(zh.contains("所依据的解释:\n  - I-1 44 至 55 周岁的年龄分按"), "{zh}");
    assert!(!zh.contains("[I-") && !zh.contains("education[") && !zh.contains("qualifications["), "{zh}");
    let en = stdout(&jifen(&["score", "--lang", "en", "testdata/cases/frozen-reference-1x.json"], None));
    assert!(en.contains("I-11 From July 2022 the average wage"), "{en}");
}

#[test]
fn a_profile_can_come_from_standard_input() {
    let output = jifen(
        &["score", "--format", "json", "-"],
        Some(r#"{"as_of": "2025-06-30", "birth_date": "1990-01-15", "education": [{"level": "master"}]}"#),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let result: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(result["total"], 130);
    assert_eq!(result["eligible_to_apply"], false);
}

#[test]
fn rule_set_can_be_forced() {
    let profile =
        r#"{"as_of": "2024-06-30", "birth_date": "1985-01-01", "records": {"family_planning_violation": true}}"#;
    let default = jifen(&["score", "--format", "json", "-"], Some(profile));
    let forced = jifen(&["score", "--format", "json", "--rule-set", "sh-2018", "-"], Some(profile));
    let default: serde_json::Value = serde_json::from_str(&stdout(&default)).unwrap();
    let forced: serde_json::Value = serde_json::from_str(&stdout(&forced)).unwrap();
    assert_eq!(default["rule_set"]["id"], "sh-2023");
    assert_eq!(default["vetoed"], false);
    assert_eq!(forced["rule_set"]["id"], "sh-2018");
    assert_eq!(forced["vetoed"], true);
    assert!(!forced["warnings"].as_array().unwrap().is_empty());
}

/// Each kind of bad input exits non-zero with a message that names the field.
#[test]
fn bad_input_names_the_field() {
    let cases = [
        (r#"{"birth_date": "1990-01-01", "education": [{"level": "college"}]}"#, "education[0].level", "college"),
        (r#"{"birth_date": "1990-02-30"}"#, "birth_date", "no day 30"),
        (r#"{"id_number": "310101199005120017"}"#, "id_number", "check character"),
        (r#"{"id_number": "310101199005120016", "birth_date": "1990-05-13"}"#, "id_number", "disagrees"),
        (r#"{"birth_date": "2010-01-01", "as_of": "2025-01-01"}"#, "birth_date", "at least 18"),
        (
            r#"{"birth_date": "1990-01-01", "social_insurance": [{"from": "2020-01", "to": "2020-12", "base": 1}, {"from": "2020-12", "to": "2021-03", "base": 1}]}"#,
            "social_insurance[1]",
            "2020-12",
        ),
        (r#"{"birth_date": "1990-01-01", "educaton": []}"#, "educaton", "unknown field"),
        (
            r#"{"birth_date": "1990-01-01", "social_insurance": [{"from": "2020-13", "to": "2020-12", "base": 1}]}"#,
            "social_insurance[0].from",
            "month",
        ),
        (
            r#"{"birth_date": "1990-01-01", "qualifications": [{"kind": "skill", "level": 7}]}"#,
            "qualifications[0].level",
            "1 to 5",
        ),
        (r#"{"education": []}"#, "birth_date", "required"),
        (r#"{"birth_date": 19900101}"#, "birth_date", "invalid type"),
        (r#"{"birth_date": "1990-01-01""#, "", "not valid JSON"),
    ];
    for (input, path, needle) in cases {
        let output = jifen(&["score", "--lang", "en", "-"], Some(input));
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{input}: {message}");
        assert!(message.contains(path) && message.contains(needle), "{input}: expected {path} / {needle} in {message}");
        assert!(stdout(&output).is_empty());
    }
}

#[test]
fn errors_are_in_chinese_by_default() {
    let output = jifen(&["score", "-"], Some(r#"{"id_number": "310101199005120017"}"#));
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("身份证号码无效"), "{}", stderr(&output));
}

#[test]
fn batch_scores_each_line_and_reports_bad_lines_in_place() {
    let good = r#"{"as_of": "2025-06-30", "birth_date": "1990-01-15", "education": [{"level": "doctor"}]}"#;
    let bad = r#"{"as_of": "2025-06-30", "birth_date": "1990-01-15", "education": [{"level": "college"}]}"#;
    let input = format!("{good}\n{bad}\n\nnot json\n{good}\n");
    let output = jifen(&["score", "--batch", "-", "--lang", "en"], Some(&input));
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> =
        stdout(&output).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(lines.len(), 4, "the blank line is skipped");
    assert_eq!(lines[0]["total"], 140);
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["error"]["path"], "education[0].level");
    assert_eq!(lines[1]["error"]["code"], "invalid_field");
    assert_eq!(lines[2]["line"], 4);
    assert_eq!(lines[2]["error"]["code"], "malformed_json");
    assert_eq!(lines[3]["total"], 140);
    assert!(stderr(&output).contains("scored 2, failed 2"));
}

/// Issue #15: a batch whose standard output is a file on the disk is written there directly
/// (O_DIRECT, in whole blocks, the last partial one the ordinary way). The file must hold
/// exactly the bytes the pipe gets, after what it held, with the shared position at its end
/// so that a later write by the same shell lands after the results.
#[test]
fn batch_to_a_file_holds_exactly_what_a_pipe_gets() {
    let mut input = String::new();
    for i in 0..3000 {
        let base = 6000 + i * 7;
        input.push_str(&format!(
            r#"{{"as_of": "2025-06-30", "birth_date": "{}-03-15", "education": [{{"level": "bachelor", "degree": true}}], "social_insurance": [{{"from": "2020-01", "to": "2025-06", "base": {base}}}]}}"#,
            1970 + i % 30
        ));
        input.push('\n');
    }
    let piped = jifen(&["score", "--batch", "-"], Some(&input));
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert!(piped.stdout.len() > 16 << 20, "more than two of the direct writer's buffers");

    let dir = std::env::temp_dir().join(format!("jifen-batch-file-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let profiles = dir.join("profiles.jsonl");
    std::fs::write(&profiles, &input).unwrap();
    let results = dir.join("results.jsonl");
    // What the file held before: one block, so that the batch starts on a block's edge.
    std::fs::write(&results, vec![b'#'; 4096]).unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' score --batch '{}' >> '{}' && echo done >> '{}'",
            env!("CARGO_BIN_EXE_jifen"),
            profiles.display(),
            results.display(),
            results.display()
        ))
        .current_dir(repo())
        .status()
        .unwrap();
    assert!(status.success());
    let written = std::fs::read(&results).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(written.len(), 4096 + piped.stdout.len() + 5);
    assert!(written[..4096].iter().all(|&byte| byte == b'#'), "what the file held is kept");
    assert!(written[4096..4096 + piped.stdout.len()] == piped.stdout[..], "the results differ from the pipe's");
    assert_eq!(&written[4096 + piped.stdout.len()..], b"done\n");
}

#[test]
fn batch_keeps_input_order_across_chunks() {
    // More lines than one chunk, each with a different age, so order is visible; one bad
    // line in a later chunk keeps its own line number.
    let mut input = String::new();
    for i in 0..5000 {
        let year = 1960 + i % 40;
        match i {
            3000 => input.push_str("not json"),
            _ => input.push_str(&format!(r#"{{"as_of": "2025-06-30", "birth_date": "{year}-01-01"}}"#)),
        }
        input.push('\n');
    }
    let output = jifen(&["score", "--batch", "-"], Some(&input));
    assert!(output.status.success());
    assert_eq!(stdout(&output).lines().count(), 5000, "one result per line, none lost or repeated");
    assert!(stderr(&output).contains("scored 4999, failed 1"), "{}", stderr(&output));
    for (i, line) in stdout(&output).lines().enumerate() {
        let result: serde_json::Value = serde_json::from_str(line).unwrap();
        if i == 3000 {
            assert_eq!(
                (result["line"].as_u64(), result["error"]["code"].as_str()),
                (Some(3001), Some("malformed_json"))
            );
            continue;
        }
        let age = 2025 - (1960 + i as i64 % 40);
        let expected = match age {
            ..=43 => 30,
            44..=55 => 5 + 2 * (56 - age),
            56..=60 => 5,
            _ => 0,
        };
        assert_eq!(result["items"][0]["points"], expected, "line {}", i + 1);
    }
}

#[test]
fn rules_lists_every_rule_set_with_citations() {
    let output = jifen(&["rules"], None);
    assert!(output.status.success());
    let text = stdout(&output);
    for id in ["sh-2013", "sh-2015", "sh-2018", "sh-2023"] {
        assert!(text.contains(id), "{id} missing");
    }
    assert!(text.contains("沪人社规〔2022〕41号"));
    assert!(text.contains("10338") && text.contains("12434"), "both wage series are listed");
    assert!(text.contains("I-11"), "the frozen points reference says why");
    assert!(text.contains("规则的解释") && text.contains("缴费年限累计计算：中断之前的月份照样计入"), "I-3 in words");
    let all = stdout(&jifen(&["rules", "--format", "json"], None));
    let document: serde_json::Value = serde_json::from_str(&all).unwrap();
    let interpretations = document["interpretations"].as_array().unwrap();
    assert_eq!(interpretations.len(), 11);
    assert!(interpretations[10]["decision"]["en"].as_str().unwrap().contains("2021 standard"));
    let json = stdout(&jifen(&["rules", "sh-2023", "--format", "json"], None));
    let document: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(document["rule_sets"][0]["age"]["cap"]["value"], 30);
    let unknown = jifen(&["rules", "sh-1999"], None);
    assert_eq!(unknown.status.code(), Some(1));
}

#[test]
fn plan_prints_the_reach_date_ranked_actions_and_a_deadline_plan() {
    let output = jifen(&["plan", "testdata/cases/spouse-7-years.json", "--deadline", "2026-09-01"], None);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("维持现状预计达标日期：2027-03-01"), "{text}");
    assert!(text.contains("可选行动"), "{text}");
    assert!(text.contains("截止日期 2026-09-01：投入最少的方案（投入 4）：考取技能三级（高级工）证书"), "{text}");
}

#[test]
fn plan_json_and_chart() {
    let dir = std::env::temp_dir().join(format!("jifen-plan-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let chart = dir.join("plan.svg");
    let output = jifen(
        &[
            "plan",
            "--format",
            "json",
            "--lang",
            "en",
            "--deadline",
            "2026-09-01",
            "--chart",
            chart.to_str().unwrap(),
            "testdata/cases/spouse-7-years.json",
        ],
        None,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(document["reaches_on"], "2027-03-01");
    assert_eq!(document["deadline"]["met"], true);
    assert_eq!(document["deadline"]["actions"][0]["id"], "skill_3");
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("standard 120") && svg.contains("deadline"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn plan_rejects_a_deadline_before_the_evaluation_date() {
    let output = jifen(&["plan", "testdata/cases/spouse-7-years.json", "--deadline", "2020-01-01"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("deadline 2020-01-01"), "{}", stderr(&output));
}

#[test]
fn admin_creates_users_with_a_forced_password_change_and_backup_copies_the_database() {
    let dir = std::env::temp_dir().join(format!("jifen-admin-test-{}", std::process::id()));
    let data = dir.join("data");
    let data_arg = data.to_str().unwrap();
    let created =
        jifen(&["admin", "create-user", "--username", "root", "--role", "admin", "--data-dir", data_arg], None);
    assert!(created.status.success(), "{}", stderr(&created));
    let text = stdout(&created);
    let password = text.split("initial password: ").nth(1).unwrap().lines().next().unwrap();
    assert!(password.len() >= 10, "{text}");
    assert!(text.contains("must be changed at first login"));
    assert!(data.join("jifen.sqlite").exists(), "the data directory is created on first use");
    let again = jifen(&["admin", "create-user", "--username", "root", "--role", "admin", "--data-dir", data_arg], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("already exists"));
    let no_district =
        jifen(&["admin", "create-user", "--username", "c", "--role", "clerk", "--data-dir", data_arg], None);
    assert_eq!(no_district.status.code(), Some(2));
    assert!(stderr(&no_district).contains("--district"));
    let bad_role = jifen(&["admin", "create-user", "--username", "c", "--role", "boss", "--data-dir", data_arg], None);
    assert!(stderr(&bad_role).contains("unknown role"));
    // Staff made here may have a mobile on file (for a reset by SMS); a bad one is refused.
    let clerk = ["admin", "create-user", "--username", "clerk-m", "--role", "clerk", "--district", "pudong"];
    let bad_mobile = jifen(&[&clerk[..], &["--mobile", "12345", "--data-dir", data_arg]].concat(), None);
    assert_eq!(bad_mobile.status.code(), Some(2), "{}", stderr(&bad_mobile));
    let with_mobile = jifen(&[&clerk[..], &["--mobile", "13900000123", "--data-dir", data_arg]].concat(), None);
    assert!(with_mobile.status.success(), "{}", stderr(&with_mobile));
    let staff = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use jifen_store::prelude::*;
        let store = jifen_store::SqliteStore::open(&data.join("jifen.sqlite")).await.unwrap();
        let staff = store.staff().await.unwrap();
        store.close().await;
        staff
    });
    let member = staff.iter().find(|member| member.user.username == "clerk-m").unwrap();
    assert_eq!(member.mobile.as_deref(), Some("13900000123"), "the mobile is on file for a reset");
    assert!(member.user.must_change_password);
    let copy = dir.join("copy.sqlite");
    let backup = jifen(&["backup", "--out", copy.to_str().unwrap(), "--data-dir", data_arg], None);
    assert!(backup.status.success(), "{}", stderr(&backup));
    let bytes = std::fs::read(&copy).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3"), "a SQLite database");
    let twice = jifen(&["backup", "--out", copy.to_str().unwrap(), "--data-dir", data_arg], None);
    assert_eq!(twice.status.code(), Some(2), "never overwrites");
    // Personal data at rest is its owner's alone: the directory 0700, the files 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700, "the data directory");
        assert_eq!(mode(&data.join("jifen.sqlite")), 0o600, "the database");
        assert_eq!(mode(&copy), 0o600, "the backup");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
