//! `BatchQueue`: bounded pushes that drop and count, batches by size and by
//! schedule delay, the final drain, and a consumer woken by a producer task.
mod support;

use otlp_export::{BatchConfig, BatchQueue};
use std::time::{Duration, Instant};
use support::run;

fn queue(max_queue_size: usize, max_export_batch_size: usize, delay_ms: u64) -> BatchQueue<u32> {
    BatchQueue::new(BatchConfig {
        schedule_delay: Duration::from_millis(delay_ms),
        export_timeout: Duration::from_secs(30),
        max_queue_size,
        max_export_batch_size,
    })
}

#[test]
fn a_full_queue_drops_and_counts() {
    let q = queue(5, 2, 1000);
    for i in 0..5 {
        assert!(q.push(i));
    }
    assert!(!q.push(5));
    assert_eq!(q.push_all(6..10), 4);
    assert_eq!((q.len(), q.dropped()), (5, 5));
    assert_eq!(q.take_batch(), [0, 1]);
    assert_eq!(q.push_all(10..13), 1, "two fit again");
    assert_eq!(q.dropped(), 6);
    assert_eq!(q.drain_all(), [vec![2, 3], vec![4, 10], vec![11]]);
    assert!(q.is_empty());
    assert!(q.take_batch().is_empty());
}

#[test]
fn batch_size_is_capped_by_the_queue_size() {
    let q = queue(3, 10, 1000);
    assert_eq!(q.config().max_export_batch_size, 3);
    q.push_all(0..3);
    assert_eq!(q.take_batch(), [0, 1, 2]);
}

#[test]
fn a_full_batch_is_taken_without_waiting_for_the_delay() {
    let q = queue(100, 4, 60_000);
    q.push_all(0..6);
    let started = Instant::now();
    let batch = run(q.next_batch(&tokio::time::sleep));
    assert_eq!(batch, [0, 1, 2, 3]);
    assert!(started.elapsed() < Duration::from_secs(30), "size trigger, not the 60 s delay");
}

#[test]
fn the_schedule_delay_takes_a_partial_batch() {
    let q = queue(100, 50, 100);
    q.push_all(0..3);
    let started = Instant::now();
    let batch = run(q.next_batch(&tokio::time::sleep));
    assert_eq!(batch, [0, 1, 2]);
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert!(run(q.next_batch(&tokio::time::sleep)).is_empty(), "nothing arrived meanwhile");
}

#[test]
fn a_producer_wakes_the_waiting_consumer() {
    let q = queue(100, 3, 60_000);
    let producer = q.clone();
    let batch = run(async move {
        tokio::task::spawn_local(async move {
            for i in 0..3 {
                tokio::time::sleep(Duration::from_millis(10)).await;
                producer.push(i);
            }
        });
        q.next_batch(&tokio::time::sleep).await
    });
    assert_eq!(batch, [0, 1, 2]);
}
