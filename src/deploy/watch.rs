//! Following a stack operation: stream events as they arrive, polling fast at
//! first and backing off, until the stack settles; find the root cause of a
//! failure.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::cloudformation::CloudFormation;
use super::nested::STACK_TYPE;
use super::plan::dx;
use super::types::{Stack, StackEvent, StackStatus};
use crate::error::Error;
use crate::output::Printer;

/// How progress is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// A progress bar on a terminal, event lines elsewhere.
    #[default]
    Auto,
    /// One line per event.
    Events,
    /// A progress bar (resources done / total, elapsed, current operations).
    Bar,
    /// Nothing until the end.
    Quiet,
    /// One JSON object per event on standard output.
    Json,
}

impl ProgressMode {
    fn resolve(self) -> ProgressMode {
        match self {
            ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bar,
            ProgressMode::Auto => ProgressMode::Events,
            other => other,
        }
    }
}

/// How an operation ended.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The stack afterwards (`None`: deleted).
    pub stack: Option<Stack>,
    /// The events of the operation, oldest first.
    pub events: Vec<StackEvent>,
    pub elapsed: Duration,
}

impl Outcome {
    /// The first resource that failed and why: the root cause, not the
    /// cancellations that followed it.
    pub fn root_cause(&self) -> Option<&StackEvent> {
        first_failure(&self.events)
    }
}

/// How long a stack may stay REVIEW_IN_PROGRESS after its change set was
/// executed before blueprint stops waiting.
const NOT_STARTED_LIMIT: Duration = Duration::from_secs(60);

/// How long a final status may be the previous operation's before the watch
/// takes it as this one's (no event and no new last-updated time by then).
const START_GRACE: Duration = Duration::from_secs(5);

/// Follows `stack` from just after the event `since` (the newest event before
/// the operation started; `None` when the stack had none) until the stack's
/// status is final ([`StackStatus::is_final`]) or the stack is gone, whether
/// or not a stack-level end event was seen. A final status counts once the
/// operation is seen to have started (a stack-level event after `since`, or
/// a last-updated time other than `before`), or after `START_GRACE`: an
/// endpoint that reports the new operation a moment after accepting it does
/// not end the watch on the previous operation's final status.
pub async fn watch<C: CloudFormation>(
    cf: &C,
    stack: &str,
    since: Option<String>,
    before: Option<String>,
    expected: usize,
    mode: ProgressMode,
    printer: &mut Printer,
) -> Result<Outcome, Error> {
    let mode = mode.resolve();
    let started = Instant::now();
    let bar = (mode == ProgressMode::Bar).then(|| {
        let b = ProgressBar::new(expected.max(1) as u64);
        b.set_style(
            ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b
    });
    let mut last_seen = since;
    let mut events: Vec<StackEvent> = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut active: BTreeSet<String> = BTreeSet::new();
    let mut delay = Duration::from_millis(25);
    let mut began = false;
    loop {
        let fresh = new_events(cf, stack, last_seen.as_deref()).await?;
        for e in fresh {
            last_seen = Some(e.event_id.clone());
            began |= e.is_stack_event();
            if !e.is_stack_event() {
                if e.status.ends_with("_IN_PROGRESS") {
                    active.insert(e.logical_id.clone());
                } else {
                    active.remove(&e.logical_id);
                    if e.status.ends_with("_COMPLETE") || e.status.ends_with("_SKIPPED") {
                        done.insert(e.logical_id.clone());
                    }
                }
            }
            show(&e, mode, printer, bar.as_ref(), started);
            events.push(e);
        }
        if let Some(b) = &bar {
            b.set_position(done.len().min(expected.max(1)) as u64);
            b.set_message(active.iter().cloned().collect::<Vec<_>>().join(", "));
        }
        let current = cf.describe_stack(stack).await.map_err(dx)?;
        let settled = current.as_ref().is_none_or(|s| {
            s.status.is_final()
                && (began || s.last_updated != before || started.elapsed() > START_GRACE)
        });
        if current
            .as_ref()
            .is_some_and(|s| s.status == StackStatus::ReviewInProgress)
            && started.elapsed() > NOT_STARTED_LIMIT
        {
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            return Err(super::error::ApplyError::NotStarted {
                stack: stack.to_string(),
                waited_secs: NOT_STARTED_LIMIT.as_secs(),
            }
            .into());
        }
        if settled {
            // The events that arrived between the last read and the final
            // status, so the end is shown too.
            if current.is_some() {
                for e in new_events(cf, stack, last_seen.as_deref()).await? {
                    show(&e, mode, printer, bar.as_ref(), started);
                    events.push(e);
                }
            }
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            return Ok(Outcome {
                stack: current,
                events,
                elapsed: started.elapsed(),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 3 / 2).min(Duration::from_secs(2));
    }
}

/// The events after `after`, oldest first; none for a deleted stack.
async fn new_events<C: CloudFormation>(
    cf: &C,
    stack: &str,
    after: Option<&str>,
) -> Result<Vec<StackEvent>, Error> {
    let mut fresh = match cf.stack_events(stack, after).await {
        Ok(events) => events,
        // A deleted stack has no events to list any more.
        Err(super::error::DeployError::Api { code, message, .. })
            if code == "ValidationError" && message.contains("does not exist") =>
        {
            Vec::new()
        }
        Err(e) => return Err(dx(e)),
    };
    fresh.reverse();
    Ok(fresh)
}

fn show(
    e: &StackEvent,
    mode: ProgressMode,
    printer: &mut Printer,
    bar: Option<&ProgressBar>,
    started: Instant,
) {
    match mode {
        ProgressMode::Json => {
            printer.result(&serde_json::to_string(e).unwrap_or_default());
        }
        ProgressMode::Events => printer.status(&event_line(e, started)),
        ProgressMode::Bar => {
            if e.status.ends_with("_FAILED") {
                if let Some(b) = bar {
                    b.println(event_line(e, started));
                }
            }
        }
        ProgressMode::Quiet | ProgressMode::Auto => {}
    }
}

fn event_line(e: &StackEvent, started: Instant) -> String {
    let mut line = format!(
        "{:>6.1}s  {:<28} {:<32} {}",
        started.elapsed().as_secs_f64(),
        e.status,
        e.logical_id,
        e.resource_type
    );
    if let Some(r) = e.reason.as_deref().filter(|r| !r.is_empty()) {
        line.push_str(&format!("  {r}"));
    }
    line
}

/// A failure inside a nested stack: the resource that really failed, by its
/// path from the root stack (`OrdersService/Table`).
#[derive(Clone, Debug)]
pub struct NestedCause {
    pub path: String,
    pub event: StackEvent,
}

/// The first failure among `events` (oldest first) that is not a
/// cancellation.
fn first_failure(events: &[StackEvent]) -> Option<&StackEvent> {
    events.iter().find(|e| {
        e.status.ends_with("_FAILED")
            && !e.is_stack_event()
            && !e
                .reason
                .as_deref()
                .is_some_and(|r| r.to_ascii_lowercase().contains("cancelled"))
    })
}

/// Follows a failure into nested stacks: where the first failure is a nested
/// stack ("Embedded stack ... was not successfully created"), reads that
/// stack's events and takes its first failure, down to the resource that
/// failed. `None` when the failure is not inside a nested stack.
pub async fn nested_root_cause<C: CloudFormation>(
    cf: &C,
    outcome: &Outcome,
) -> Option<NestedCause> {
    root_cause_in(cf, &outcome.events).await
}

/// [`nested_root_cause`] over a list of events, oldest first.
pub async fn root_cause_in<C: CloudFormation>(
    cf: &C,
    events: &[StackEvent],
) -> Option<NestedCause> {
    let mut event = first_failure(events)?.clone();
    let mut path: Vec<String> = Vec::new();
    // Bounded: nested stacks nest at most a few levels deep.
    for _ in 0..8 {
        let nested = event.resource_type == STACK_TYPE && !event.is_stack_event();
        let Some(physical) = event
            .physical_id
            .clone()
            .filter(|p| nested && !p.is_empty())
        else {
            break;
        };
        let Ok(mut inner) = cf.stack_events(&physical, None).await else {
            break;
        };
        inner.reverse();
        let Some(next) = first_failure(&inner).cloned() else {
            break;
        };
        path.push(event.logical_id.clone());
        event = next;
    }
    if path.is_empty() {
        return None;
    }
    path.push(event.logical_id.clone());
    Some(NestedCause {
        path: path.join("/"),
        event,
    })
}

/// The newest event of a stack, to watch from.
pub async fn newest_event<C: CloudFormation>(cf: &C, stack: &str) -> Result<Option<String>, Error> {
    match cf.stack_events(stack, None).await {
        Ok(events) => Ok(events.first().map(|e| e.event_id.clone())),
        Err(super::error::DeployError::Api { code, message, .. })
            if code == "ValidationError" && message.contains("does not exist") =>
        {
            Ok(None)
        }
        Err(e) => Err(dx(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::resources::s3;
    use crate::cfn::ResourceProperties;

    fn ev(id: &str, logical: &str, status: &str, reason: &str) -> StackEvent {
        StackEvent {
            event_id: id.into(),
            stack_name: "s".into(),
            logical_id: logical.into(),
            physical_id: None,
            resource_type: if logical == "s" {
                STACK_TYPE.into()
            } else {
                s3::Bucket::TYPE.into()
            },
            status: status.into(),
            reason: (!reason.is_empty()).then(|| reason.to_string()),
            timestamp: String::new(),
        }
    }

    #[test]
    fn the_root_cause_is_the_first_failure_that_is_not_a_cancellation() {
        let o = Outcome {
            stack: None,
            events: vec![
                ev("1", "s", "CREATE_IN_PROGRESS", "User Initiated"),
                ev("2", "A", "CREATE_FAILED", "Resource creation cancelled"),
                ev("3", "B", "CREATE_FAILED", "Bucket name taken"),
                ev("4", "C", "CREATE_FAILED", "Resource creation cancelled"),
                ev(
                    "5",
                    "s",
                    "ROLLBACK_IN_PROGRESS",
                    "The following resource(s) failed to create: [B, A, C]",
                ),
            ],
            elapsed: Duration::ZERO,
        };
        let rc = o.root_cause().unwrap();
        assert_eq!(
            (rc.logical_id.as_str(), rc.reason.as_deref()),
            ("B", Some("Bucket name taken"))
        );
    }
}
