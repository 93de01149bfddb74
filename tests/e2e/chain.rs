//! Component -> component: middleware chains, wired by `links` where several members
//! export the same interface.
use crate::common::start;
use outrigger::Val;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn middleware_calls_the_next_component() {
    let (w, _m) = start(
        r#"
metadata: { name: chain-test }
spec:
  components:
    - name: exclaim
      component: "{wasm}/exclaim.wasm"
    - name: upper
      component: "{wasm}/upper.wasm"
"#,
    )
    .await;
    let r = w.invoke("exclaim", "apply", &[Val::String("hello".into())]).await.unwrap();
    assert_eq!(r, vec![Val::String("HELLO!".into())]);
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_choose_the_provider_in_a_longer_chain() {
    let (w, _m) = start(
        r#"
metadata: { name: chain-links-test }
spec:
  components:
    - name: outer
      component: "{wasm}/exclaim.wasm"
      links: { "outrigger:examples/transform": inner }
    - name: inner
      component: "{wasm}/exclaim.wasm"
      links: { "outrigger:examples/transform": upper }
    - name: upper
      component: "{wasm}/upper.wasm"
"#,
    )
    .await;
    let r = w.invoke("outer", "outrigger:examples/transform#apply", &[Val::String("hi".into())]).await.unwrap();
    assert_eq!(r, vec![Val::String("HI!!".into())]);
    let st = w.status();
    let count = |n: &str| st.components.iter().find(|c| c.name == n).unwrap().invocations;
    assert_eq!((count("outer"), count("inner"), count("upper")), (1, 1, 1));
    w.shutdown().await;
}
