//! The simulation in the workspace suite: a few hundred seeds keep every

#![allow(clippy::unwrap_used, clippy::expect_used)]
//! guarantee, runs are reproducible, and a broken system is caught.

use natter_harness::{FaultLevel, Sabotage, SimConfig, run};

#[test]
fn three_hundred_seeds_keep_every_guarantee() {
    for seed in 0..300 {
        let report = run(&SimConfig::new(seed));
        assert!(
            report.violations.is_empty(),
            "seed {seed}: {:?}\nreplay: {}",
            report.violations,
            report.config.replay_command()
        );
        assert!(report.stats.messages > 0, "seed {seed} stored no message");
    }
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let a = run(&SimConfig::new(42));
    let b = run(&SimConfig::new(42));
    assert_eq!(
        (
            a.stats.steps,
            a.stats.messages,
            a.stats.faults,
            a.stats.virtual_ms
        ),
        (
            b.stats.steps,
            b.stats.messages,
            b.stats.faults,
            b.stats.virtual_ms
        )
    );
    assert_eq!(a.trace, b.trace);
    assert!(
        a.trace.iter().any(|l| l.contains("connects")),
        "{:?}",
        a.trace
    );
    let c = run(&SimConfig::new(43));
    assert_ne!(a.stats.steps, c.stats.steps);
}

#[test]
fn fault_levels_change_how_many_faults_strike() {
    let faults = |level| {
        (0..5)
            .map(|seed| {
                run(&SimConfig {
                    faults: level,
                    ..SimConfig::new(seed)
                })
                .stats
                .faults
            })
            .sum::<u64>()
    };
    assert_eq!(faults(FaultLevel::None), 0);
    assert!(faults(FaultLevel::High) > faults(FaultLevel::Default));
}

/// The first seed (of at most `within`) whose run finds a violation.
fn caught(sabotage: Sabotage, within: u64) -> Option<(u64, Vec<String>)> {
    (0..within).find_map(|seed| {
        let report = run(&SimConfig {
            sabotage: Some(sabotage),
            ..SimConfig::new(seed)
        });
        (!report.violations.is_empty()).then_some((seed, report.violations))
    })
}

#[test]
fn a_server_that_forgets_to_deduplicate_is_caught() {
    let (_, violations) = caught(Sabotage::ForgetDedup, 10).expect("caught within 10 seeds");
    assert!(
        violations.iter().any(|v| v.starts_with("1 ")),
        "{violations:?}"
    );
}

#[test]
fn a_server_that_skips_the_replay_is_caught() {
    let (_, violations) = caught(Sabotage::SkipReplay, 10).expect("caught within 10 seeds");
    assert!(!violations.is_empty());
}

#[test]
fn a_failing_run_shrinks_and_still_fails() {
    let failing = SimConfig {
        sabotage: Some(Sabotage::ForgetDedup),
        ..SimConfig::new(0)
    };
    let (small, violations) = natter_harness::shrink(&failing, 12);
    assert!(!violations.is_empty());
    assert!(small.ops <= failing.ops);
    assert!(small.replay_command().contains("--sabotage forget-dedup"));
}

#[test]
fn the_network_is_a_test_transport_with_cuts_and_restarts() {
    use natter_core::client::{Event, Outgoing};
    use natter_core::{Body, Conversation, UserId};
    use natter_harness::Network;

    let mut net = Network::new(11, FaultLevel::Default);
    let alice = net.add_device("alice").unwrap();
    let bob = net.add_device("bob").unwrap();
    net.run_for(1_000);
    let to_bob = Conversation::Single(UserId::new("bob").unwrap());
    let mut sent = Vec::new();
    for i in 0..20 {
        if i == 5 {
            net.cut(bob);
        }
        if i == 12 {
            net.restart_server();
        }
        let msg = Outgoing::new(
            to_bob.clone(),
            Body::Text {
                text: format!("m{i}"),
            },
        );
        sent.push(net.command(alice, |c, now| c.send(now, msg)).unwrap());
        net.run_for(200);
    }
    assert!(net.settle(), "{:?}", net.trace());
    // Every message once, in the server's order (R7: ascending ids). Not
    // necessarily in the order alice sent them: the network reorders
    // frames as a fault, and a send overtaken on the way is stored later.
    let got: Vec<(natter_core::MessageId, String)> = net
        .take_events(bob)
        .into_iter()
        .filter_map(|e| match e {
            Event::Message(m) => match &m.body {
                Body::Text { text } => Some((m.mid, text.clone())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "{got:?}");
    let mut texts: Vec<String> = got.into_iter().map(|(_, t)| t).collect();
    texts.sort_by_key(|t| t[1..].parse::<u32>().ok());
    let expected: Vec<String> = (0..20).map(|i| format!("m{i}")).collect();
    assert_eq!(texts, expected);
    let outcomes = net
        .take_events(alice)
        .into_iter()
        .filter(|e| matches!(e, Event::Outcome(_)))
        .count();
    assert_eq!(outcomes, 20);
    assert_eq!(
        net.client(bob).conversations(),
        net.server().conversations_of(net.user(bob))
    );
}
