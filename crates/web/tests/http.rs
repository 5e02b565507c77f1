//! The server as a client sees it: started on a random port, driven over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;

struct TestServer {
    base: String,
    client: reqwest::Client,
}

async fn spawn() -> TestServer {
    let base = common::serve(common::temp_sqlite().await).await;
    TestServer { base, client: reqwest::Client::new() }
}

impl TestServer {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    async fn post_json(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client.post(format!("{}{path}", self.base)).body(body).send().await.unwrap()
    }

    /// Posts a URL-encoded form, as the simulator page does without script.
    async fn post_form(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        let request = self.client.post(format!("{}{path}", self.base));
        request.header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap()
    }
}

fn cases() -> Vec<Value> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cases");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap())
        .collect()
}

fn assert_security_headers(response: &reqwest::Response) {
    let headers = response.headers();
    for name in
        ["content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy", "x-request-id"]
    {
        assert!(headers.contains_key(name), "{} lacks {name}", response.url());
    }
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
}

#[tokio::test]
async fn score_api_gives_every_golden_case_exactly() {
    let server = spawn().await;
    let cases = cases();
    assert!(cases.len() >= 17, "the shared cases and those of I-11");
    for case in cases {
        let response = server.post_json("/api/v1/score", case["profile"].to_string()).await;
        assert_eq!(response.status(), StatusCode::OK, "{}", case["name"]);
        assert_security_headers(&response);
        let result: Value = response.json().await.unwrap();
        let mismatches = jifen_rules::golden::mismatches(&result, &case["expect"]);
        assert!(mismatches.is_empty(), "{}: {mismatches:?}", case["name"]);
    }
}

#[tokio::test]
async fn bad_input_gets_a_4xx_with_a_stable_code_in_the_requests_language() {
    let server = spawn().await;
    let cases = [
        (
            "{\"birth_date\": \"1990-01-01\", \"education\": [{\"level\": \"college\"}]}",
            422,
            "invalid_field",
            "education[0].level",
        ),
        ("{\"birth_date\": \"1990-01-01\", \"educaton\": []}", 422, "invalid_field", "educaton"),
        ("{\"birth_date\": 19900101}", 422, "invalid_field", "birth_date"),
        ("{\"id_number\": \"310101199005120017\"}", 422, "id_number_check_character", "id_number"),
        ("{\"birth_date\": \"2015-01-01\", \"as_of\": \"2025-01-01\"}", 422, "under_minimum_age", "birth_date"),
        ("{\"birth_date\": \"1990-01-01\"", 400, "malformed_json", ""),
        ("[1, 2, 3]", 422, "invalid_field", ""),
    ];
    for (body, status, code, path) in cases {
        let response = server.post_json("/api/v1/score?lang=en", body).await;
        assert_eq!(response.status().as_u16(), status, "{body}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], code, "{body}");
        assert_eq!(error["error"]["path"].as_str().unwrap_or(""), path, "{body}");
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    }
    let zh: Value =
        server.post_json("/api/v1/score", "{\"id_number\": \"310101199005120017\"}").await.json().await.unwrap();
    assert!(zh["error"]["message"].as_str().unwrap().contains("身份证号码无效"), "{zh}");
    let en: Value = server
        .client
        .post(format!("{}/api/v1/score", server.base))
        .header("accept-language", "en-GB,en;q=0.8")
        .body("{\"id_number\": \"310101199005120017\"}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(en["error"]["message"].as_str().unwrap().contains("invalid resident ID number"), "{en}");
}

#[tokio::test]
async fn oversized_bodies_and_unknown_routes_are_refused_cleanly() {
    let server = spawn().await;
    let huge = format!("{{\"birth_date\": \"1990-01-01\", \"rule_set\": \"{}\"}}", "x".repeat(100_000));
    let response = server.post_json("/api/v1/score", huge).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "body_too_large");
    let missing = server.get("/api/v1/nothing").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_security_headers(&missing);
    assert_eq!(missing.json::<Value>().await.unwrap()["error"]["code"], "not_found");
    let page = server.get("/nothing").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert_security_headers(&page);
}

#[tokio::test]
async fn plan_api_answers_with_the_plan_document() {
    let server = spawn().await;
    let case = cases().into_iter().find(|case| case["name"] == "spouse-7-years").unwrap();
    let body = json!({ "profile": case["profile"], "deadline": "2026-09-01" });
    let response = server.post_json("/api/v1/plan?lang=en", body.to_string()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let plan: Value = response.json().await.unwrap();
    assert_eq!(plan["reaches_on"], "2027-03-01");
    assert_eq!(plan["deadline"]["met"], true);
    let bad = server
        .post_json("/api/v1/plan", json!({ "profile": case["profile"], "deadline": "2020-01-01" }).to_string())
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn rule_sets_health_and_metrics() {
    let server = spawn().await;
    let rules: Value = server.get("/api/v1/rule-sets").await.json().await.unwrap();
    assert_eq!(rules["rule_sets"].as_array().unwrap().len(), 4);
    assert_eq!(server.get("/healthz").await.text().await.unwrap(), "ok");
    server.get("/api/v1/ping").await;
    let metrics = server.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("jifen_http_requests_total{route=\"/api/v1/ping\",status=\"200\"} 1"), "{metrics}");
    assert!(metrics.contains("jifen_http_request_duration_seconds_count{route=\"/healthz\"} 1"), "{metrics}");
}

/// Every path of the OpenAPI document answers, every API route is documented, and the
/// document's own examples are accepted.
#[tokio::test]
async fn the_openapi_document_matches_the_server() {
    let server = spawn().await;
    let document: Value = server.get("/api/v1/openapi.json").await.json().await.unwrap();
    let paths = document["paths"].as_object().unwrap();
    let mut documented: Vec<String> = paths
        .iter()
        .flat_map(|(path, operations)| operations.as_object().unwrap().keys().map(move |m| format!("{m} {path}")))
        .collect();
    documented.sort_unstable();
    // Every route of the API in the route table, and nothing else.
    let prefix = jifen_web::routes::API_PREFIX;
    let mut served: Vec<String> = jifen_web::routes::route_table()
        .iter()
        .filter_map(|spec| Some(format!("{} {}", spec.method.as_str().to_lowercase(), spec.path.strip_prefix(prefix)?)))
        .collect();
    served.sort_unstable();
    assert_eq!(documented, served);
    assert!(documented.contains(&"post /score".to_string()) && documented.contains(&"get /centre/queue".to_string()));
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            let url = format!("{}/api/v1{path}", server.base);
            let response = match method.as_str() {
                "get" => server.client.get(url).send().await.unwrap(),
                "delete" => server.client.delete(url).send().await.unwrap(),
                "post" => {
                    let example = &operation["requestBody"]["content"]["application/json"]["example"];
                    server.client.post(url).body(example.to_string()).send().await.unwrap()
                }
                other => panic!("undocumented method {other}"),
            };
            // The process's operations need a session (and the example's account does not
            // exist here): refused as documented.
            let needs_session = operation["security"].is_array() || path == "/sessions";
            if needs_session {
                assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
                let body: Value = response.json().await.unwrap();
                assert!(body["error"]["code"].is_string(), "{method} {path}: {body}");
                assert!(operation["responses"]["401"].is_object(), "{method} {path}: the 401 is documented");
                continue;
            }
            assert_eq!(response.status(), StatusCode::OK, "{method} {path}");
            let body: Value = response.json().await.unwrap();
            let schema = &operation["responses"]["200"]["content"]["application/json"]["schema"];
            // A response of several shapes (the score, full or compact) must fit the first:
            // the example asks for the default.
            let schema = schema["oneOf"].get(0).unwrap_or(schema);
            let schema = match schema["$ref"].as_str() {
                Some(reference) => &document["components"]["schemas"][reference.rsplit('/').next().unwrap()],
                None => schema,
            };
            for key in schema["required"].as_array().into_iter().flatten() {
                assert!(body.get(key.as_str().unwrap()).is_some(), "{method} {path}: missing {key}");
            }
        }
    }
    let docs = server.get("/api/docs").await.text().await.unwrap();
    assert!(docs.contains("/api/v1/score") && docs.contains("/api/v1/plan"));
}

#[tokio::test]
async fn the_simulator_is_chinese_by_default_and_remembers_english() {
    let server = spawn().await;
    let page = server.get("/").await;
    assert_security_headers(&page);
    let html = page.text().await.unwrap();
    assert!(html.contains("lang=\"zh-CN\"") && html.contains("上海市居住证积分模拟"));
    let english = server.get("/?lang=en").await;
    let cookie = english.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("jifen_lang=en"), "{cookie}");
    let again = server
        .client
        .get(format!("{}/", server.base))
        .header("cookie", "jifen_lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("lang=\"en\"") && again.contains("Score and plan"));
}

#[tokio::test]
async fn the_simulator_form_scores_and_plans_without_javascript() {
    let server = spawn().await;
    let form = [
        ("as_of", "2025-06-30"),
        ("birth_date", "1991-09-09"),
        ("edu_level", "associate"),
        ("si_from_0", "2024-07"),
        ("si_to_0", "2025-06"),
        ("si_base_0", "7000"),
        ("spouse_hukou", "on"),
        ("spouse_married_on", "2018-03-01"),
        ("deadline", "2026-09-01"),
    ];
    let body = form.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let response = server.post_form("/", body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("id=\"total\">111<"), "the total");
    assert!(html.contains("id=\"reaches-on\">2027-03-01<"), "the reach date");
    assert!(html.contains("<svg"), "the chart");
    assert!(html.contains("value=\"1991-09-09\""), "the form keeps what was typed");
    let bad = server.post_form("/", "birth_date=1991-02-30").await.text().await.unwrap();
    assert!(bad.contains("role=\"alert\"") && bad.contains("birth_date"), "the error names the field");
}

/// Issue #15: `?explain=none` gives the full document without words: every other field the
/// same, reasons and warnings as their codes, as the OpenAPI document's CompactResult.
#[tokio::test]
async fn explain_none_gives_the_compact_result() {
    let server = spawn().await;
    let document: Value = server.get("/api/v1/openapi.json").await.json().await.unwrap();
    let compact_schema = &document["components"]["schemas"]["CompactResult"];
    assert_eq!(compact_schema["properties"]["items"]["items"]["$ref"], "#/components/schemas/CompactItem");
    let item_keys: Vec<&str> = document["components"]["schemas"]["CompactItem"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    for case in cases() {
        let body = case["profile"].to_string();
        let mut full: Value = server.post_json("/api/v1/score?lang=en", body.clone()).await.json().await.unwrap();
        let response = server.post_json("/api/v1/score?lang=en&explain=none", body).await;
        assert_eq!(response.status(), StatusCode::OK);
        let compact: Value = response.json().await.unwrap();
        for key in compact_schema["required"].as_array().unwrap() {
            assert!(compact.get(key.as_str().unwrap()).is_some(), "{}: missing {key}", case["name"]);
        }
        for item in compact["items"].as_array().unwrap() {
            let keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys.len(), item_keys.len(), "{}: {keys:?}", case["name"]);
        }
        for item in full["items"].as_array_mut().unwrap() {
            let item = item.as_object_mut().unwrap();
            item.remove("explanation");
            item.remove("citation");
        }
        for words in ["warnings", "veto_reasons", "eligibility_reasons"] {
            assert_eq!(
                full[words].as_array().unwrap().len(),
                compact[words].as_array().unwrap().len(),
                "{}",
                case["name"]
            );
            full[words] = compact[words].clone();
        }
        assert_eq!(full, compact, "{}: all else identical", case["name"]);
    }
    let vetoed = cases().into_iter().find(|case| case["name"] == "serious-crime-veto").unwrap();
    let compact: Value =
        server.post_json("/api/v1/score?explain=none", vetoed["profile"].to_string()).await.json().await.unwrap();
    assert_eq!(compact["veto_reasons"], json!(["serious_crime"]));
    let bad = server.post_json("/api/v1/score?explain=some", vetoed["profile"].to_string()).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let error: Value = bad.json().await.unwrap();
    assert_eq!(
        (error["error"]["code"].as_str(), error["error"]["path"].as_str()),
        (Some("invalid_query"), Some("explain"))
    );
}

/// Issue #11: the page words each interpretation and links to the page that lists them all.
#[tokio::test]
async fn interpretations_are_worded_on_the_page_and_listed() {
    let server = spawn().await;
    let form = "as_of=2025-06-30&birth_date=1975-01-10&edu_level=associate&qual=title_intermediate&si_from_0=2024-07&si_base_0=12000";
    let html = server.post_form("/", form).await.text().await.unwrap();
    assert!(html.contains("解释 I-2：学历与职称（技能等级）只计较高的一项"), "I-2 in words");
    assert!(
        html.contains("大专（高职）") && !html.contains("education[0]") && !html.contains("[I-"),
        "no paths, no bare ids"
    );
    assert!(html.contains("href=\"/interpretations\""));
    let page = server.get("/interpretations?lang=en").await;
    assert_eq!(page.status(), StatusCode::OK);
    let text = page.text().await.unwrap();
    for n in 1..=11 {
        assert!(text.contains(&format!("<tr id=\"I-{n}\">")), "I-{n} listed");
    }
    assert!(text.contains(
        "From July 2022 the average wage that bases are compared with for points stays at the 2021 standard"
    ));
}

/// A blank end month is an open range (CONTRACT v1.1), on the page and in the API.
#[tokio::test]
async fn a_blank_end_month_means_still_insured() {
    let server = spawn().await;
    let form = "as_of=2025-06-30&birth_date=1991-09-09&edu_level=associate&si_from_0=2024-07&si_to_0=&si_base_0=7000";
    let html = server.post_form("/", form).await.text().await.unwrap();
    assert!(!html.contains("role=\"alert\""), "no error for a blank end month");
    assert!(html.contains("id=\"total\">83<"), "30 + 50 + 3 for 12 months up to 2025-06");
    let open = json!({ "as_of": "2025-06-30", "birth_date": "1991-09-09", "social_insurance": [{ "from": "2024-07", "base": 7000 }] });
    let result: Value = server.post_json("/api/v1/score", open.to_string()).await.json().await.unwrap();
    assert_eq!(result["items"].as_array().unwrap().iter().find(|item| item["id"] == "si_years").unwrap()["points"], 3);
    let twice = json!({ "birth_date": "1991-09-09", "social_insurance": [{ "from": "2020-01", "base": 7000 }, { "from": "2024-07", "base": 7000 }] });
    let response = server.post_json("/api/v1/score?lang=en", twice.to_string()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "insurance_second_open_range");
    assert_eq!(error["error"]["path"], "social_insurance[1].to");
}
