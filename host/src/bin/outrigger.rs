//! The `outrigger` command line: a thin layer over the library. Parse arguments,
//! set up logging, load the workload, run it, print what happened.
use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use outrigger::cli::call_expr::CallExpr;
use outrigger::cli::status_file;
use outrigger::manifest::{Format, Stdio};
use outrigger::{ComponentInfo, EngineOptions, HostEngine, HostOptions, Manifest, Workload};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Run WebAssembly service components and reactive components as one workload.
///
/// A *service* exports `wasi:cli/run`: its `run` lasts its whole life and holds
/// sockets and connection pools. A *reactive* component gets a fresh instance for
/// every call. outrigger links them at run time by WIT interface: when a component
/// imports an interface a service exports, its calls reach the one running service
/// instance, concurrently with `run`; when a service imports an interface a component
/// exports, each call gets a fresh instance of that component.
///
/// Start with `outrigger inspect <file.wasm>` to see what a component imports and
/// exports, write a workload manifest (see examples/*.yaml), check it with
/// `outrigger validate`, then `outrigger run` it.
#[derive(Parser)]
#[command(
    name = "outrigger",
    version,
    max_term_width = 100,
    after_long_help = "Examples:
  outrigger inspect target/wasm/counter_service.wasm
  outrigger validate examples/counter.yaml
  outrigger run examples/counter.yaml --for 10s --invoke 'client.bump(1000)'
  outrigger status examples/counter.yaml
  outrigger call examples/chain.yaml 'outer.apply(\"hello\")'"
)]
struct Cli {
    /// More log detail: -v for debug, -vv for trace. RUST_LOG overrides it.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Do not keep compiled components on disk (~/.cache/outrigger/compiled).
    #[arg(long, global = true)]
    no_cache: bool,
    /// Threads that run guests. 1 runs everything on one thread: the lowest latency
    /// for component -> service calls (benches/README.md). Default: one per CPU.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// Instances (services and reactive invocations) alive at once; callers beyond it
    /// wait. Each slot reserves address space for a 4 GiB memory.
    #[arg(long, global = true, value_name = "N", default_value_t = 1000)]
    max_instances: u32,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a workload until Ctrl-C / SIGTERM (or `--for`), supervising its services.
    ///
    /// Logs every service state change (STARTING, RUNNING, BACKOFF, COMPLETED, ERROR,
    /// STOPPING, STOPPED) and guest output, and keeps a status file up to date for
    /// `outrigger status`.
    Run {
        /// The workload manifest (YAML).
        workload: PathBuf,
        /// Stop after this long (e.g. 10s). Without it, run until interrupted.
        #[arg(long = "for", value_parser = parse_duration)]
        duration: Option<Duration>,
        /// Once services are running, call a reactive component: `client.bump(1000)`.
        /// Arguments are WAVE values. May be given several times; runs in order.
        #[arg(long)]
        invoke: Vec<String>,
        /// Where to write the status (default: $XDG_RUNTIME_DIR/outrigger/<name>.json).
        #[arg(long)]
        status_file: Option<PathBuf>,
    },
    /// Start a workload, make one call to a reactive component, print the result, stop.
    ///
    /// Example: outrigger call examples/counter.yaml 'client.bump(5)'
    Call {
        workload: PathBuf,
        /// `component.function(args)`, arguments in WAVE: `upper.apply("hi")`.
        call: String,
    },
    /// Check a workload manifest: fields, files, components and every link. Runs nothing.
    Validate { workload: PathBuf },
    /// Show a component's imports and exports, and whether it is a service.
    Inspect {
        /// A .wasm file, or an OCI reference (pulled into the cache if it is not there).
        component: PathBuf,
    },
    /// Publish a component to an OCI registry (the Wasm artifact layout wasmCloud and
    /// wkg use) and print its digest.
    ///
    /// Credentials come from the docker config file ($DOCKER_CONFIG/config.json or
    /// ~/.docker/config.json); localhost and 127.0.0.1 registries are spoken to over
    /// plain HTTP. Example: outrigger push target/wasm/upper.wasm localhost:5000/outrigger/upper:1
    Push {
        /// The component (.wasm).
        component: PathBuf,
        /// Where to publish it: registry/repository:tag.
        reference: String,
    },
    /// Show the services and components of a running workload.
    Status {
        /// The workload manifest, the workload's name, or a status file.
        workload: String,
    },
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn parse_duration(s: &str) -> Result<Duration, String> {
    outrigger::manifest::parse_duration(s)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let mut builder = match cli.threads {
        Some(1) => tokio::runtime::Builder::new_current_thread(),
        Some(n) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n.max(1));
            b
        }
        None => tokio::runtime::Builder::new_multi_thread(),
    };
    let rt = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "info,cranelift=warn,wasmtime=warn",
        1 => "debug,cranelift=info,wasmtime=info",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).compact().init();
}

fn options(cli: &Cli) -> HostOptions {
    let engine = EngineOptions { cache: !cli.no_cache, max_instances: cli.max_instances, ..EngineOptions::default() };
    HostOptions { engine, ..HostOptions::default() }
}

/// Prints to stdout, unless a service owns stdout (`stdio: process`): then to stderr,
/// so stdout carries only the guest's bytes.
macro_rules! say {
    ($to_stderr:expr, $($arg:tt)*) => {
        if $to_stderr { eprintln!($($arg)*) } else { println!($($arg)*) }
    };
}

async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let opts = options(&cli);
    match cli.command {
        Command::Run { workload, duration, invoke, status_file } => {
            run(&workload, duration, &invoke, status_file, opts).await
        }
        Command::Call { workload, call } => {
            let expr = CallExpr::parse(&call)?;
            let manifest = Manifest::load(&workload)?;
            let w = Workload::start(&manifest, opts).await?;
            w.wait_running(Duration::from_secs(30)).await?;
            let result = expr.run(&w).await;
            let _ = w.shutdown().await;
            println!("{}", result?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { workload } => {
            let manifest = Manifest::load(&workload)?;
            let plan = Workload::check(&manifest, opts).await?;
            let links: usize = plan.imports.iter().map(Vec::len).sum();
            let mut notes = String::new();
            if let Format::WasmCloud(kind) = manifest.format {
                notes.push_str(&format!("; read as a wasmCloud {kind}"));
            }
            if !manifest.warnings.is_empty() {
                notes.push_str(&format!("; {} warning(s) above", manifest.warnings.len()));
            }
            for p in &manifest.provided {
                notes.push_str(&format!("; service `{}` added for {} ({})", p.service, p.interface, p.at));
            }
            println!(
                "{}: valid ({} service(s), {} component(s), {links} link(s) between them{notes})",
                workload.display(),
                manifest.spec.services.len(),
                manifest.spec.components.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Inspect { component } => {
            let engine = HostEngine::new(opts.engine, opts.catalogue)?;
            let text = component.to_string_lossy();
            let file = if outrigger::oci::is_oci_source(Path::new("."), &text) {
                let (policy, settings) =
                    (outrigger::oci::PullPolicy::IfNotPresent, outrigger::oci::Settings::from_env());
                outrigger::oci::pull_one(&text, policy, &settings).await.map_err(anyhow::Error::msg)?
            } else {
                component.clone()
            };
            let c = engine.load_component(&file)?;
            print!("{}: {}", component.display(), ComponentInfo::of(&engine.engine, &c).describe(&engine.catalogue));
            Ok(ExitCode::SUCCESS)
        }
        Command::Push { component, reference } => {
            let settings = outrigger::oci::Settings::from_env();
            let pushed = outrigger::oci::push(&component, &reference, &settings).await.map_err(anyhow::Error::msg)?;
            let repo = reference.rsplit_once(':').filter(|(_, tag)| !tag.contains('/')).map_or(&*reference, |(r, _)| r);
            eprintln!(
                "pushed {} ({}) to {reference}; pin it as {repo}@{}",
                component.display(),
                bytesize::ByteSize::b(pushed.size as u64),
                pushed.digest
            );
            println!("{}", pushed.digest);
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { workload } => status(&workload),
    }
}

async fn run(
    path: &Path,
    duration: Option<Duration>,
    invoke: &[String],
    status_path: Option<PathBuf>,
    opts: HostOptions,
) -> Result<ExitCode> {
    let calls: Vec<CallExpr> = invoke.iter().map(|c| CallExpr::parse(c)).collect::<Result<_>>()?;
    let manifest = Manifest::load(path)?;
    let status_path = status_path.unwrap_or_else(|| status_file::default_path(manifest.name()));
    // The service that owns the process's stdin/stdout, if any: the workload ends
    // with it (end of stdin), and our own output moves to stderr.
    let stdio_owner = manifest.spec.services.iter().find(|s| s.stdio == Stdio::Process).map(|s| s.name.clone());
    let quiet_stdout = stdio_owner.is_some();
    // Listen for stop signals from the start, so none is lost between loop turns.
    let mut signals = StopSignals::new()?;
    let w = Workload::start(&manifest, opts).await?;
    tracing::info!(workload = %w.name(), status_file = %status_path.display(), "workload started");
    let mut last = String::new();
    let mut writer = |w: &Workload| {
        let status = w.status();
        let key =
            format!("{:?}", status.services.iter().map(|s| (s.state, s.calls, s.incarnations)).collect::<Vec<_>>());
        if key != last {
            last = key;
            if let Err(e) = status_file::write(&status_path, &status) {
                tracing::warn!("cannot write the status file: {e:#}");
            }
        }
    };
    writer(&w);
    if !calls.is_empty() {
        w.wait_running(Duration::from_secs(30)).await?;
        for c in &calls {
            match c.run(&w).await {
                Ok(out) => say!(quiet_stdout, "{}.{}{} = {out}", c.component, c.function, c.args),
                Err(e) => say!(quiet_stdout, "{}.{}{} failed: {e:#}", c.component, c.function, c.args),
            }
        }
    }
    let deadline = async {
        match duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let reason = loop {
        tokio::select! {
            _ = &mut deadline => break "the --for duration elapsed",
            _ = signals.next() => break "a stop signal arrived",
            _ = tick.tick() => {
                writer(&w);
                let st = w.status();
                if !st.services.is_empty() && st.all_services_final() && calls.is_empty() && duration.is_none() {
                    break "every service has finished";
                }
                if let Some(owner) = &stdio_owner
                    && st.services.iter().any(|s| &s.name == owner && s.state.is_final())
                {
                    break "the service attached to stdin/stdout has finished";
                }
            }
        }
    };
    tracing::info!("stopping the workload: {reason}");
    let st = w.shutdown().await;
    if let Err(e) = status_file::write(&status_path, &st) {
        tracing::warn!("cannot write the status file: {e:#}");
    }
    if quiet_stdout {
        eprint!("{st}");
    } else {
        print!("{st}");
    }
    let failed: Vec<&str> =
        st.services.iter().filter(|s| s.state == outrigger::ServiceState::Error).map(|s| s.name.as_str()).collect();
    if !failed.is_empty() {
        eprintln!("error: service(s) in ERROR: {}", failed.join(", "));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// SIGINT (Ctrl-C) and SIGTERM, registered once: a signal that arrives while the
/// run loop is busy elsewhere is kept until the loop asks again.
struct StopSignals {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn new() -> Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                int: signal(SignalKind::interrupt()).context("listening for SIGINT")?,
                term: signal(SignalKind::terminate()).context("listening for SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn status(what: &str) -> Result<ExitCode> {
    let path = if what.ends_with(".json") {
        PathBuf::from(what)
    } else if what.ends_with(".yaml") || what.ends_with(".yml") {
        let m = Manifest::load(what)?;
        status_file::default_path(m.name())
    } else {
        status_file::default_path(what)
    };
    let st = status_file::read(&path).with_context(|| format!("workload `{what}`"))?;
    print!("{st}");
    if !status_file::writer_alive(&st) {
        println!("  (process {} is no longer running: this is the last state it recorded)", st.pid);
    }
    Ok(ExitCode::SUCCESS)
}
