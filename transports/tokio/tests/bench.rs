//! `natter bench` end to end, on tiny loads: every scenario runs against
//! the bench's own servers and counts exactly what it sent. (Its figures
//! are measurements, never asserted.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

#[test]
fn bench_runs_every_scenario_and_counts_every_message() {
    let json = std::env::temp_dir().join(format!("natter-bench-test-{}.json", std::process::id()));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_natter"))
        .args([
            "bench",
            "--pairs",
            "2",
            "--messages",
            "301",
            "--window",
            "4",
        ])
        .args([
            "--members",
            "3",
            "--group-messages",
            "7",
            "--storm",
            "20",
            "--json",
        ])
        .arg(&json)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let rows: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let _ = std::fs::remove_file(&json);
    let counts: Vec<(&str, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["scenario"].as_str().unwrap(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            ("echo", 301),
            ("relay (memory)", 301),
            ("relay (durable)", 301),
            ("fan-out to 3", 21),
            ("connection storm", 20),
        ]
    );
    for r in &rows {
        assert!(r["rate"].as_f64().unwrap() > 0.0, "{r}");
        assert!(r["rss_mib"].as_f64().unwrap() > 0.0, "{r}");
    }
    assert!(rows[1]["vs_echo"].as_f64().is_some());
}
