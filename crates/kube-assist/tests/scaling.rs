//! Relative scaling, exhaustively: every current count N ≤ 50 and percentage P,
//! from the words the operator types to the count that is sent, including that a
//! change reaching 0 is a destructive plan.

use kube_assist::ops::{Operation, ReplicaChange, ScaleOp, Target};
use kube_assist::planner::{PlanContext, Planned, offline};
use proptest::prelude::*;

fn planned_change(request: &str) -> ReplicaChange {
    match offline::plan(request, &PlanContext::default()) {
        Planned::Plan(p) => match p.steps.as_slice() {
            [Operation::Scale(s)] => s.replicas,
            other => panic!("{request:?} planned {other:?}"),
        },
        other => panic!("{request:?}: {other:?}"),
    }
}

/// round(N·(1+P/100)) with halves rounded up, never below 0, in exact arithmetic.
fn expected(n: u32, signed_p: i64) -> u32 {
    let x = n as i64 * (100 + signed_p);
    if x <= 0 {
        0
    } else {
        ((2 * x + 100) / 200) as u32
    }
}

fn resolved(n: u32, change: ReplicaChange) -> Operation {
    Operation::Scale(ScaleOp {
        target: Target::named(None, "web-app"),
        replicas: ReplicaChange::To(change.apply(n)),
    })
}

#[test]
fn every_count_up_to_50_by_every_percent_up_and_down() {
    for p in 0..=200u32 {
        let up = planned_change(&format!("scale up deployment 'web-app' by {p}%"));
        assert_eq!(up, ReplicaChange::Percent(p as i32));
        let down = planned_change(&format!("scale down web-app by {p} percent"));
        assert_eq!(down, ReplicaChange::Percent(-(p as i32)));
        for n in 0..=50u32 {
            assert_eq!(up.apply(n), expected(n, p as i64), "{n} up {p}%");
            assert_eq!(down.apply(n), expected(n, -(p as i64)), "{n} down {p}%");
            let op = resolved(n, down);
            assert_eq!(
                op.is_destructive(),
                down.apply(n) == 0,
                "{n} down {p}% reaching 0 must be destructive"
            );
        }
    }
}

proptest! {
    #[test]
    fn counted_changes_never_go_below_zero(n in 0u32..=50, k in 1u32..=20) {
        let words = ["one", "two", "three", "four", "five"];
        let k_word = if k <= 5 { words[(k - 1) as usize].to_string() } else { k.to_string() };
        let fewer = planned_change(&format!("{k_word} fewer web-app replicas"));
        prop_assert_eq!(fewer, ReplicaChange::By(-(k as i32)));
        prop_assert_eq!(fewer.apply(n), n.saturating_sub(k));
        let more = planned_change(&format!("{k_word} more web-app replicas"));
        prop_assert_eq!(more.apply(n), n + k);
        prop_assert_eq!(resolved(n, fewer).is_destructive(), n <= k);
    }

    #[test]
    fn doubling_and_halving(n in 0u32..=50) {
        prop_assert_eq!(planned_change("double the web-app").apply(n), 2 * n);
        let half = planned_change("half as many web-app replicas");
        // Halving keeps a running workload running: never 0 from 1.
        prop_assert_eq!(half.apply(n), if n == 0 { 0 } else { n.div_ceil(2).max(1) });
    }
}

#[test]
fn down_to_one_and_to_zero_are_absolute() {
    assert_eq!(
        planned_change("scale web-app down to one"),
        ReplicaChange::To(1)
    );
    assert_eq!(
        planned_change("scale the web-app to zero"),
        ReplicaChange::To(0)
    );
    assert!(resolved(3, ReplicaChange::To(0)).is_destructive());
    assert!(!resolved(3, ReplicaChange::To(1)).is_destructive());
}
