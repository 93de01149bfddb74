//! Warm instances of reactive components (`poolSize`, `maxInvocations`,
//! `maxConcurrency`), end to end with the pool-probe component
//! (components/pool-probe): it counts calls in its linear memory, so a fresh
//! instance answers 1 and a reused one remembers. Also: failed or abandoned calls
//! never hand their instance to the next caller, a wasmCloud workload's fields are
//! honoured, and per-call state the host owns (trace context, data resources) is
//! reset between calls on one instance.
use crate::common::{TestManifest, options, start, u64_of};
use outrigger::{CallError, PoolStatus, Val, Workload};
use std::time::{Duration, Instant};

/// The probe with these extra fields (indented for its entry).
fn probe(fields: &str) -> String {
    probe_with("{ timeout: 400ms, memory: 16Mi }", fields)
}

fn probe_with(limits: &str, fields: &str) -> String {
    format!(
        r#"
metadata: {{ name: pool-test }}
spec:
  components:
    - name: probe
      component: "{{wasm}}/pool_probe.wasm"
      limits: {limits}
{fields}
"#
    )
}

async fn count(w: &Workload) -> u64 {
    u64_of(&w.invoke("probe", "count", &[]).await.unwrap())
}

async fn counts(w: &Workload, n: usize) -> Vec<u64> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(count(w).await);
    }
    out
}

fn pool(w: &Workload) -> PoolStatus {
    w.status().components[0].pool.clone().expect("the probe keeps warm instances")
}

/// `hold(ms)` (async export) from `n` callers at once; the sorted answers (how many
/// holds were inside the instance that served each one).
async fn holds(w: &Workload, n: usize, ms: u64) -> Vec<u32> {
    let f = w.func("probe", "hold").unwrap();
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let f = f.clone();
            tokio::spawn(async move { f.call(&[Val::U64(ms)]).await })
        })
        .collect();
    let mut out = Vec::new();
    for c in calls {
        match c.await.unwrap().unwrap().as_slice() {
            [Val::U32(inside)] => out.push(*inside),
            other => panic!("{other:?}"),
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pooled_instance_keeps_its_state_between_calls() {
    let (w, _m) = start(&probe("      poolSize: 1")).await;
    assert_eq!(counts(&w, 5).await, [1, 2, 3, 4, 5]);
    let p = pool(&w);
    assert_eq!((p.size, p.warm, p.started, p.reused, p.overflow), (1, 1, 1, 4, 0), "{p:?}");
    let shown = w.status().to_string();
    assert!(shown.contains("1/1 warm, 4 reused, 0 fresh (pool busy)"), "{shown}");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_pool_size_every_call_gets_a_fresh_instance() {
    // maxInvocations alone keeps nothing warm (and says so when the manifest loads).
    let m = TestManifest::new(&probe("      maxInvocations: 3"));
    let manifest = m.load();
    let warned: Vec<String> = manifest.warnings.iter().map(|w| format!("{}: {}", w.at, w.what)).collect();
    assert!(
        warned.iter().any(|w| w.starts_with("spec.components[0].maxInvocations: maxInvocations: 3 has no effect")),
        "{warned:?}"
    );
    let w = Workload::start(&manifest, options()).await.unwrap();
    assert_eq!(counts(&w, 4).await, [1, 1, 1, 1]);
    assert!(w.status().components[0].pool.is_none());
    assert!(w.status().to_string().contains("- (fresh instance per call)"));
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_invocations_recycles_the_instance() {
    let (w, _m) = start(&probe("      poolSize: 1\n      maxInvocations: 3")).await;
    assert_eq!(counts(&w, 7).await, [1, 2, 3, 1, 2, 3, 1]);
    let p = pool(&w);
    assert_eq!((p.started, p.retired, p.discarded, p.warm), (3, 2, 0, 1), "{p:?}");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_call_never_hands_its_instance_to_the_next_caller() {
    let (w, _m) = start(&probe("      poolSize: 1")).await;
    assert_eq!(counts(&w, 2).await, [1, 2]);
    let err = w.invoke("probe", "trap", &[]).await.unwrap_err();
    assert!(matches!(err, CallError::Trapped { .. }), "{err}");
    assert_eq!(counts(&w, 2).await, [1, 2], "a trap discards the instance");
    let err = w.invoke("probe", "spin", &[]).await.unwrap_err();
    assert!(matches!(err, CallError::TimeLimit { .. }), "{err}");
    assert_eq!(count(&w).await, 1, "so does the time limit");
    let err = w.invoke("probe", "hoard", &[Val::U32(64)]).await.unwrap_err();
    assert!(matches!(err, CallError::MemoryLimit { .. }), "{err}");
    assert_eq!(count(&w).await, 1, "and the memory limit");
    // Memory the guest keeps is still there on the next call: that is the point.
    assert_eq!(w.invoke("probe", "hoard", &[Val::U32(1)]).await.unwrap(), [Val::U64(1 << 20)]);
    assert_eq!(w.invoke("probe", "hoard", &[Val::U32(1)]).await.unwrap(), [Val::U64(2 << 20)]);
    let p = pool(&w);
    assert_eq!((p.discarded, p.started, p.warm), (3, 4, 1), "{p:?}");
    let st = w.status();
    assert_eq!((st.components[0].invocations, st.components[0].failures), (11, 3));
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_stops_waiting_discards_the_instance() {
    let (w, _m) = start(&probe("      poolSize: 1")).await;
    assert_eq!(counts(&w, 3).await, [1, 2, 3]);
    let nap = w.func("probe", "nap").unwrap();
    let gave_up = tokio::time::timeout(Duration::from_millis(100), nap.call(&[Val::U64(300)])).await;
    assert!(gave_up.is_err(), "the nap outlasts the caller's patience");
    assert_eq!(count(&w).await, 1, "the abandoned instance was not reused");
    assert_eq!(pool(&w).discarded, 1);
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_call_at_a_time_per_instance_by_default() {
    let (w, _m) = start(&probe("      poolSize: 1")).await;
    assert_eq!(holds(&w, 1, 0).await, [1], "starts the warm instance");
    // Three at once: one on the warm instance, two on fresh ones; none overlap.
    assert_eq!(holds(&w, 3, 300).await, [1, 1, 1]);
    let p = pool(&w);
    assert_eq!((p.started, p.overflow), (1, 2), "{p:?}");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrency_caps_the_calls_inside_one_instance() {
    let (w, _m) = start(&probe_with("{ timeout: 5s }", "      poolSize: 1\n      maxConcurrency: 2")).await;
    assert_eq!(holds(&w, 1, 0).await, [1], "starts the warm instance");
    // Six at once: two overlap in the warm instance (the second sees the first),
    // four are served by fresh instances.
    assert_eq!(holds(&w, 6, 300).await, [1, 1, 1, 1, 1, 2]);
    let p = pool(&w);
    assert_eq!((p.started, p.overflow, p.warm), (1, 4, 1), "{p:?}");
    // The instance keeps its state. A call of a sync export has it to itself
    // (wasmtime would hold a second call until the first returns, and that wait
    // would count against its time limit): a second nap at once gets a fresh one.
    assert_eq!(counts(&w, 2).await, [1, 2]);
    let nap = w.func("probe", "nap").unwrap();
    let t0 = Instant::now();
    let (a, b) = tokio::join!(nap.call(&[Val::U64(200)]), nap.call(&[Val::U64(200)]));
    assert_eq!((a.unwrap(), b.unwrap()), (vec![Val::U32(1)], vec![Val::U32(1)]));
    assert!(t0.elapsed() < Duration::from_millis(390), "side by side: {:?}", t0.elapsed());
    assert_eq!(pool(&w).overflow, 5, "one nap on the warm instance, one on a fresh one");
    w.shutdown().await;
}

/// Waits until `n` warm instances have been discarded and none is left (a failed
/// shared instance is dropped by its own task, just after its callers heard why).
async fn discarded(w: &Workload, n: u64) {
    let t0 = Instant::now();
    while pool(w).discarded < n || pool(w).warm > 0 {
        assert!(t0.elapsed() < Duration::from_secs(1), "not dropped within 1s: {:?}", pool(w));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_instance_that_fails_is_replaced() {
    let (w, _m) = start(&probe("      poolSize: 1\n      maxConcurrency: 4")).await;
    assert_eq!(counts(&w, 2).await, [1, 2]);
    // Waiting past the limit (the timer), computing past it (the epoch callback), a trap.
    let t0 = Instant::now();
    let err = w.invoke("probe", "hold", &[Val::U64(5000)]).await.unwrap_err();
    assert!(matches!(err, CallError::TimeLimit { .. }), "{err}");
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    discarded(&w, 1).await;
    assert_eq!(count(&w).await, 1);
    let err = w.invoke("probe", "spin", &[]).await.unwrap_err();
    assert!(matches!(err, CallError::TimeLimit { .. }), "{err}");
    discarded(&w, 2).await;
    assert_eq!(count(&w).await, 1);
    let err = w.invoke("probe", "trap", &[]).await.unwrap_err();
    assert!(matches!(err, CallError::Trapped { .. }), "{err}");
    discarded(&w, 3).await;
    assert_eq!(counts(&w, 2).await, [1, 2]);
    // A caller that stops waiting: the instance takes no call after that.
    let hold = w.func("probe", "hold").unwrap();
    assert!(tokio::time::timeout(Duration::from_millis(50), hold.call(&[Val::U64(300)])).await.is_err());
    assert_eq!(count(&w).await, 1, "not the abandoned instance");
    discarded(&w, 4).await;
    assert_eq!(count(&w).await, 1);
    let p = pool(&w);
    assert_eq!((p.discarded, p.started, p.warm), (4, 5, 1), "{p:?}");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasmcloud_workload_keeps_instances_warm() {
    let m = TestManifest::new(
        r#"
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata: { name: pool-wc }
spec:
  components:
    - name: probe
      image: "file://{wasm}/pool_probe.wasm"
      poolSize: 2
      maxInvocations: 2
      maxConcurrency: 1
"#,
    );
    let manifest = m.load();
    assert!(
        !manifest.warnings.iter().any(|w| w.at.contains("poolSize") || w.at.contains("maxInvocations")),
        "{:?}",
        manifest.warnings
    );
    let w = Workload::start(&manifest, options()).await.unwrap();
    assert_eq!(counts(&w, 5).await, [1, 2, 1, 2, 1]);
    let p = pool(&w);
    assert_eq!((p.size, p.max_invocations, p.max_concurrency, p.retired), (2, 2, 1, 2), "{p:?}");
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_cannot_have_a_pool() {
    let m = TestManifest::new(
        r#"
metadata: { name: pool-bad }
spec:
  services:
    - name: counter
      component: "{wasm}/counter_service.wasm"
      poolSize: 2
"#,
    );
    let err = outrigger::Manifest::load(&m.path).unwrap_err().to_string();
    assert!(err.contains("spec.services[0].poolSize: `poolSize` only applies to reactive components"), "{err}");
}

/// Every call on a warm instance gets its own trace: the guest's spans are
/// children of that call's invocation span, never of an earlier call's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_call_on_a_warm_instance_has_its_own_trace() {
    let receiver = test_fixtures::OtlpReceiver::start();
    let (w, _m) = start(&format!(
        r#"
metadata: {{ name: shop }}
spec:
  services:
    - name: otel
      component: "{{wasm}}/otel_sidecar_service.wasm"
      env:
        OTEL_EXPORTER_OTLP_ENDPOINT: "{endpoint}"
        OTEL_BSP_SCHEDULE_DELAY: "100"
      allowedHosts: ["127.0.0.1:{port}"]
  components:
    - name: orders
      component: "{{wasm}}/otel_demo.wasm"
      poolSize: 1
"#,
        endpoint = receiver.endpoint(),
        port = receiver.port(),
    ))
    .await;
    let mut traces = Vec::new();
    for order in ["A-1", "B-2", "C-3"] {
        let out = w.invoke("orders", "process", &[Val::String(order.into()), Val::Float64(1.0)]).await.unwrap();
        let [Val::String(trace)] = out.as_slice() else { panic!("{out:?}") };
        traces.push(trace.clone());
    }
    assert_eq!(pool(&w).reused, 2, "one instance served all three");
    w.shutdown().await;
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let spans = receiver.spans();
    for trace in &traces {
        let in_trace: Vec<_> = spans.iter().filter(|s| hex(&s.trace_id) == *trace).collect();
        let host = in_trace.iter().find(|s| s.name.starts_with("orders ")).expect("the invocation span");
        let order = in_trace.iter().find(|s| s.name == "process-order").expect("the guest's span");
        assert_eq!(order.parent_span_id, host.span_id, "trace {trace}: {in_trace:#?}");
    }
    assert_eq!(traces.iter().collect::<std::collections::HashSet<_>>().len(), 3, "three traces");
}

/// Data resources brought into a warm instance for a call belong to that call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_resources_move_through_a_warm_instance() {
    use crate::data_resources::{Note, notes_options};
    use outrigger::engine::data::DataResource;
    let m = TestManifest::new(
        r#"
metadata: { name: notes }
spec:
  services:
    - name: box
      component: "{wasm}/note_box_service.wasm"
  components:
    - name: maker
      component: "{wasm}/note_maker.wasm"
      poolSize: 1
"#,
    );
    let w = Workload::start(&m.load(), notes_options()).await.unwrap();
    w.wait_running(Duration::from_secs(20)).await.unwrap();
    for i in 0..5 {
        let plain = Note { text: format!("n{i}"), tags: vec!["t".into()] }.into_plain();
        let out = w.invoke("maker", "handle", &[plain]).await.unwrap();
        assert_eq!(out, [Val::String(format!(r#"handled: n{i} ["t", "handled"]"#))]);
        let peeked = w.invoke("maker", "peek-fresh", &[Val::String(format!("p{i}"))]).await.unwrap();
        assert_eq!(peeked, [Val::String(format!(r#"p{i} ["mine"] / after: p{i} ["mine"]"#))]);
    }
    let id = match w.invoke("maker", "make", &[Val::String("deliver me".into())]).await.unwrap().as_slice() {
        [Val::U32(id)] => *id,
        other => panic!("{other:?}"),
    };
    let delivered = w.invoke("maker", "deliver", &[Val::U32(id)]).await.unwrap();
    let expected = r#"handled: deliver me! ["made", "here", "handled"]"#;
    assert_eq!(delivered, [Val::Result(Ok(Some(Box::new(Val::String(expected.into())))))]);
    let p = pool(&w);
    assert_eq!((p.started, p.discarded), (1, 0), "{p:?}");
    w.shutdown().await;
}
